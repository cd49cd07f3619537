"""How long the offline gate takes, and where the time goes (`make bench`; a script, never a test).

1. `make check`'s wall time on the repository's own stacks.
2. A synthetic stack of 2,000 resources: rendering it under mocks, exporting it as a Terraform plan, checkov on
   the plan, and the policy pack on the same resources through the Analyzer protocol. The gate should be
   dominated by checkov, not by our code.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parents[1]
RESOURCES = 2000
T = TypeVar("T")

# Eight resources per trail bucket, the shape the components register: 250 of them make 2,000.
PROGRAM = textwrap.dedent(
    """
    import json
    import pulumi
    import pulumi_aws as aws

    for i in range(int(pulumi.Config().require("buckets"))):
        bucket = aws.s3.Bucket(f"logs-{i}", bucket=f"bench-logs-{i}", force_destroy=False)
        aws.s3.BucketPublicAccessBlock(f"logs-{i}", bucket=bucket.id, block_public_acls=True,
            block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)
        aws.s3.BucketVersioning(f"logs-{i}", bucket=bucket.id, versioning_configuration={"status": "Enabled"})
        aws.s3.BucketServerSideEncryptionConfiguration(f"logs-{i}", bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"}}])
        aws.s3.BucketOwnershipControls(f"logs-{i}", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"})
        aws.s3.BucketLifecycleConfiguration(f"logs-{i}", bucket=bucket.id, rules=[{"id": "keep", "status": "Enabled",
            "abort_incomplete_multipart_upload": {"days_after_initiation": 7}}])
        aws.s3.BucketPolicy(f"logs-{i}", bucket=bucket.id, policy=bucket.arn.apply(lambda arn: json.dumps({
            "Version": "2012-10-17", "Statement": [{"Sid": "DenyInsecureTransport", "Effect": "Deny",
            "Principal": "*", "Action": "s3:*", "Resource": [arn, arn + "/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})))
        aws.cloudtrail.Trail(f"trail-{i}", name=f"trail-{i}", s3_bucket_name=bucket.id, is_multi_region_trail=True,
            enable_log_file_validation=True)
    """
)


def timed(action: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def make_check() -> tuple[str, float]:
    proc, seconds = timed(
        lambda: subprocess.run(["make", "--no-print-directory", "check"], cwd=REPO, capture_output=True, text=True)
    )
    return f"exit {proc.returncode}", seconds


def synthetic_stack(root: Path) -> None:
    (root / "stacks").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text("name: bench\nruntime: python\nstackConfigDir: stacks\n")
    (root / "__main__.py").write_text(PROGRAM)
    (root / "stacks" / "Pulumi.bench.yaml").write_text(f"config:\n  bench:buckets: {RESOURCES // 8}\n")


def main() -> int:
    from trailguard_gate.check import default_policy_pack, pack_python
    from trailguard_gate.checkov import locate_checkov, run_checkov
    from trailguard_gate.render import load_project, render_stack
    from trailguard_gate.tfplan import export_plan

    rows: list[tuple[str, str, float | None]] = []
    note, seconds = make_check()
    rows.append(("make check (repository stacks, then check-repo)", note, seconds))

    with tempfile.TemporaryDirectory(prefix="trailguard-bench-") as scratch:
        synthetic_stack(Path(scratch))
        project = load_project(Path(scratch))
        rendering, seconds = timed(lambda: render_stack(project, "bench", timeout=1800))
        if rendering.error:
            print(f"the synthetic stack did not render: {rendering.error}", file=sys.stderr)
            return 1
        resources = list(rendering.resources)
        rows.append((f"render {len(resources)} resources (Pulumi's SDK under mocks)", "own process", seconds))
        plan, seconds = timed(lambda: export_plan(resources, region="us-east-1"))
        rows.append(("export as a Terraform plan (ours)", f"{len(plan.resources)} resources", seconds))
        checkov = locate_checkov(None, REPO)
        found, seconds = timed(lambda: run_checkov({"bench": plan}, executable=checkov, timeout=3600))
        rows.append(("checkov --framework terraform_plan", f"{len(found['bench'])} failed checks", seconds))
        try:
            from trailguard_gate.analyzer import PolicyPack

            pack_dir = default_policy_pack()

            def judge() -> int:
                with PolicyPack(pack_dir, python=pack_python(pack_dir), timeout=3600) as pack:
                    pack.configure_stack(stack="bench", project="bench", organization="organization", tags={})
                    return len(pack.preview(resources))

            count, seconds = timed(judge)
            rows.append(("policy pack through the Analyzer protocol", f"{count} diagnostics", seconds))
        except Exception as exc:  # the pack is reported as missing, the rest of the table still stands
            rows.append(("policy pack through the Analyzer protocol", f"unavailable: {exc}", None))

    width = max(len(r[0]) for r in rows)
    print(f"{'stage'.ljust(width)}  {'seconds':>8}  note")
    for stage, note, secs in rows:
        print(f"{stage.ljust(width)}  {(f'{secs:8.2f}' if secs is not None else '       -')}  {note}")
    export, checkov_time, pack_time = (rows[i][2] for i in (2, 3, 4))
    if export is not None and checkov_time:
        print(f"\nexport + checkov: {export + checkov_time:.2f}s, of which our export is {export / checkov_time:.1%}")
    if pack_time is not None:
        print(f"policy pack: {pack_time:.2f}s on the same {RESOURCES} resources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
