"""How long the pack's IAM matcher takes on a hostile but legal policy (`make bench`).

A 20 KB bucket policy of 100 statements whose Resource, Action and condition patterns are full of `*` and `?` (the
shapes that make a backtracking regex or a recursive matcher explode), judged for every request the delivery model
lists for an organization trail. The goal: under 50 ms for the whole policy. A script, never a test.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "policies"))

from trailguard_policies import delivery_model as model  # noqa: E402
from trailguard_policies import iam  # noqa: E402

GOAL_MS = 50.0
REPEATS = 5
TRAIL = "arn:aws:cloudtrail:us-east-1:111111111111:trail/organization-trail"


def hostile_policy(statements: int = 100) -> dict[str, object]:
    """`statements` Deny/Allow statements of about 200 bytes (20 KB in all), each with one wildcard pattern that
    almost matches the delivery requests (every `*` a resume point, every `?` a candidate position, for a naive
    matcher)."""
    body = []
    for i in range(statements):
        pattern = f"arn:aws:s3:::logs/*{'*a?' * 8}*{'?' * (i % 7)}/{i}/*?*?*?"
        body.append(
            {
                "Sid": f"Hostile{i:03d}",
                "Effect": "Deny" if i % 2 else "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": pattern,
            }
        )
    return {"Version": "2012-10-17", "Statement": body}


def timed(statements: tuple[iam.Statement, ...], calls: list[model.Call]) -> tuple[float, float]:
    """(best, worst) milliseconds to judge `calls`, every run cold (no cached answer reused)."""
    times = []
    for _ in range(REPEATS):
        for cached in (iam.glob_match, iam._intersects, iam._masks, iam._meets_fixed, iam._runs_of_any, iam._anchored):
            cached.cache_clear()
        start = time.perf_counter()
        for call in calls:
            iam.decide(statements, call.request)
        times.append((time.perf_counter() - start) * 1000)
    return min(times), max(times)


def main() -> int:
    policy = hostile_policy()
    statements = iam.parse_document(policy, where="the benchmark policy")
    trail = model.Trail(
        arn=(TRAIL,), account="111111111111", region="us-east-1", organization="o-a1b2c3d4e5", insights=True
    )
    calls = model.trail_bucket_calls(trail, ("arn:aws:s3:::logs",))
    known = [c for c in calls if "member accounts" not in c.what]
    members = [c for c in calls if "member accounts" in c.what]
    print(f"policy: {len(json.dumps(policy)) / 1024:.1f} KB, {len(statements)} statements, one wildcard pattern each")
    rows = [
        ("the account's requests (every value known)", known),
        ("the member accounts' requests (account unknown)", members),
        ("all requests of a multi-Region organization trail", calls),
    ]
    best_all = 0.0
    for label, group in rows:
        best, worst = timed(statements, group)
        best_all = best
        print(f"{label}: {len(group)} requests, best {best:.1f} ms, worst {worst:.1f} ms over {REPEATS} cold runs")
    print(f"goal: all requests under {GOAL_MS:.0f} ms; {'met' if best_all < GOAL_MS else 'NOT met'} on this machine")
    return 0


if __name__ == "__main__":
    sys.exit(main())
