"""How long the trailguard policy pack takes through the Analyzer protocol, against a pack that does nothing.

A script, not a test (`make bench`): 2,000 and 10,000 resources go through `preview` (Remediate and Analyze per
resource, then AnalyzeStack) of the real pack and of benchmarks/noop_pack, started the same way. The goal is at
most 1.5x the no-op pack's time. Two no-op baselines are measured: the minimal one (one resource and one stack
policy), and one shaped like trailguard (as many resource and stack policies, all doing nothing), because the
policy SDK deserializes every resource once per policy, whatever the policy does: the second ratio is the cost
of trailguard's own checks. The resources are what an organization's stacks hold: for every 100, one compliant
trail with its bucket, key, log group and role (13 resources), and 87 resources of other workloads
(application buckets with policies, functions, roles, queues, instances).
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "policies"))

from pack_fixtures import compliant_stack  # noqa: E402

from trailguard_gate.analyzer import PolicyPack  # noqa: E402
from trailguard_gate.model import Resource, ResourceOptions  # noqa: E402

SIZES = (2_000, 10_000)
GOAL = 1.5
REPEATS = 2


def _renamed(resource: Resource, suffix: str) -> Resource:
    def urn(value: str) -> str:
        return f"{value}-{suffix}"

    return replace(
        resource,
        urn=urn(resource.urn),
        name=f"{resource.name}-{suffix}",
        dependencies=tuple(urn(u) for u in resource.dependencies),
        property_dependencies={k: tuple(urn(u) for u in v) for k, v in resource.property_dependencies.items()},
    )


def _workload(i: int) -> list[Resource]:
    """87 resources of an application stack."""
    out = []
    for j in range(87):
        kind = j % 6
        urn = f"urn:pulumi:bench::app::{{t}}::app-{i}-{j}"
        if kind == 0:
            token, props = "aws:s3/bucket:Bucket", {"bucket": f"app-{i}-{j}", "tags": {"team": "app"}}
        elif kind == 1:
            policy = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::app-{i}-{j - 1}/*",
                    }
                ],
            }
            token, props = (
                "aws:s3/bucketPolicy:BucketPolicy",
                {"bucket": f"app-{i}-{j - 1}", "policy": json.dumps(policy)},
            )
        elif kind == 2:
            token, props = (
                "aws:lambda/function:Function",
                {
                    "runtime": "python3.12",
                    "handler": "index.handler",
                    "memorySize": 256,
                    "environment": {"variables": {"TABLE": f"t-{i}"}},
                },
            )
        elif kind == 3:
            trust = {
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ]
            }
            token, props = "aws:iam/role:Role", {"name": f"app-{i}-{j}", "assumeRolePolicy": json.dumps(trust)}
        elif kind == 4:
            token, props = "aws:sqs/queue:Queue", {"name": f"q-{i}-{j}", "visibilityTimeoutSeconds": 30}
        else:
            token, props = (
                "aws:ec2/instance:Instance",
                {"ami": "ami-0123456789abcdef0", "instanceType": "t3.micro", "tags": {"Name": f"i-{j}"}},
            )
        out.append(
            Resource(
                urn=urn.format(t=token), type=token, name=f"app-{i}-{j}", properties=props, options=ResourceOptions()
            )
        )
    return out


def resources(count: int) -> list[Resource]:
    found: list[Resource] = []
    i = 0
    while len(found) < count:
        found += [_renamed(r, str(i)) for r in compliant_stack()]
        found += _workload(i)
        i += 1
    return found[:count]


def measure(pack_dir: Path, stack: list[Resource], shape: tuple[int, int] = (1, 1)) -> tuple[float, int]:
    """The best of `REPEATS` previews, each by a freshly started pack (the pack's start-up is not counted)."""
    os.environ["NOOP_RESOURCE_POLICIES"], os.environ["NOOP_STACK_POLICIES"] = map(str, shape)
    best, findings = float("inf"), 0
    for _ in range(REPEATS):
        with PolicyPack(pack_dir, timeout=600) as pack:
            pack.configure({})
            started = time.perf_counter()
            findings = len(pack.preview(stack))
            best = min(best, time.perf_counter() - started)
    return best, findings


def trailguard_shape() -> tuple[int, int]:
    """How many resource and stack policies trailguard runs by default (the disabled one is skipped)."""
    with PolicyPack(REPO / "policies") as pack:
        active = [p for p in pack.info().policies if p.enforcement_level.value != "disabled"]
    return sum(p.policy_type == "resource" for p in active), sum(p.policy_type == "stack" for p in active)


def main() -> int:
    shape = trailguard_shape()
    noop = REPO / "benchmarks" / "noop_pack"
    print(
        f"no-op packs: minimal (1 resource + 1 stack policy), shaped ({shape[0]} resource + {shape[1]} stack policies)"
    )
    print(
        f"{'resources':>9}  {'minimal':>8}  {'shaped':>8}  {'trailguard':>10}  {'vs minimal':>10}  {'vs shaped':>9}  {'per resource':>12}  findings"
    )
    worst = 0.0
    for size in SIZES:
        stack = resources(size)
        minimal, _ = measure(noop, stack)
        shaped, _ = measure(noop, stack, shape)
        seconds, findings = measure(REPO / "policies", stack)
        worst = max(worst, seconds / minimal)
        print(
            f"{size:>9}  {minimal:>7.2f}s  {shaped:>7.2f}s  {seconds:>9.2f}s  {seconds / minimal:>9.2f}x  "
            f"{seconds / shaped:>8.2f}x  {seconds / size * 1000:>10.2f}ms  {findings}"
        )
    print(f"goal: at most {GOAL}x the minimal no-op pack; worst {worst:.2f}x: {'met' if worst <= GOAL else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
