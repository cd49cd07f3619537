"""How long the offline gate takes, and where the time goes (`make bench`; a script, never a test).

1. `make check`'s wall time on the repository's own stacks.
2. `trailguard check` on a 200-resource application project (data sources, a component per service, buckets,
   instances, security groups, random passwords), and on its preview JSON (written in the CLI's PreviewDigest
   shape from the render: no Pulumi CLI runs here).
3. A synthetic stack of 2,000 resources: rendering it under mocks, exporting it as a Terraform plan, checkov on
   the plan, and the policy pack on the same resources through the Analyzer protocol. The gate should be
   dominated by checkov, not by our code.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

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


SERVICES = 20
APPLICATION = textwrap.dedent(
    """
    import json
    import pulumi
    import pulumi_aws as aws
    import pulumi_random as random

    class Service(pulumi.ComponentResource):
        def __init__(self, name, vpc_id, subnet_id, ami):
            super().__init__("bench:app:Service", name)
            child = pulumi.ResourceOptions(parent=self)
            group = aws.ec2.SecurityGroup(f"{name}-sg", vpc_id=vpc_id, opts=child)
            aws.ec2.SecurityGroupRule(f"{name}-https", type="ingress", from_port=443, to_port=443, protocol="tcp",
                cidr_blocks=["10.0.0.0/8"], security_group_id=group.id, opts=child)
            role = aws.iam.Role(f"{name}-role", assume_role_policy=json.dumps({"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole"}]}), opts=child)
            profile = aws.iam.InstanceProfile(f"{name}-profile", role=role.name, opts=child)
            aws.ec2.Instance(f"{name}-server", ami=ami, instance_type="t3.micro", subnet_id=subnet_id,
                vpc_security_group_ids=[group.id], iam_instance_profile=profile.name, opts=child)
            bucket = aws.s3.BucketV2(f"{name}-data", opts=child)
            aws.s3.BucketPublicAccessBlock(f"{name}-data", bucket=bucket.id, block_public_acls=True,
                block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True, opts=child)
            aws.s3.BucketVersioningV2(f"{name}-data", bucket=bucket.id,
                versioning_configuration={"status": "Enabled"}, opts=child)
            password = random.RandomPassword(f"{name}-password", length=24, opts=child)
            aws.ssm.Parameter(f"{name}-password", type="SecureString", value=password.result, opts=child)

    vpc = aws.ec2.get_vpc(default=True)
    subnets = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [vpc.id]}])
    ami = aws.ec2.get_ami(most_recent=True, owners=["amazon"], filters=[{"name": "name", "values": ["al2023-*"]}])
    for i in range(SERVICES):
        Service(f"svc{i}", vpc.id, subnets.ids[i % len(subnets.ids)], ami.id)
    """
).replace("SERVICES", str(SERVICES))


def application_project(root: Path) -> None:
    (root / "stacks").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text("name: app\nruntime: python\nstackConfigDir: stacks\n")
    (root / "__main__.py").write_text(APPLICATION)
    (root / "stacks" / "Pulumi.prod.yaml").write_text("config:\n  aws:region: eu-west-1\n")


def preview_digest(resources: list[Any], stack: str, project: str) -> dict[str, Any]:
    """The render in the shape `pulumi preview --json` prints (pkg/display/json.go): a create step per resource."""
    root = f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"
    steps = [{"op": "create", "urn": root, "newState": {"urn": root, "custom": False, "type": "pulumi:pulumi:Stack"}}]
    for r in resources:
        state = {"urn": r.urn, "custom": r.custom, "type": r.type, "inputs": r.properties, "parent": r.parent or root}
        if r.dependencies:
            state["dependencies"] = list(r.dependencies)
        if r.property_dependencies:
            state["propertyDependencies"] = {k: list(v) for k, v in r.property_dependencies.items()}
        steps.append({"op": "create", "urn": r.urn, "newState": state, "detailedDiff": None})
    return {"config": {"aws:region": "eu-west-1"}, "steps": steps, "changeSummary": {"create": len(steps)}}


def check_command(*args: str) -> tuple[str, float]:
    from trailguard_gate.checkov import locate_checkov

    argv = [
        str(Path(sys.executable).with_name("trailguard")),
        "check",
        "--quiet",
        "--checkov",
        locate_checkov(None, REPO),
    ]
    proc, seconds = timed(lambda: subprocess.run([*argv, *args], cwd=REPO, capture_output=True, text=True))
    return f"exit {proc.returncode}", seconds


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
    from trailguard_gate.checkov import locate_checkov, run_checkov
    from trailguard_gate.render import load_project, render_stack
    from trailguard_gate.run import default_policy_pack, pack_python
    from trailguard_gate.tfplan import export_plan

    rows: list[tuple[str, str, float | None]] = []
    note, seconds = make_check()
    rows.append(("make check (repository stacks, then check-repo)", note, seconds))

    with tempfile.TemporaryDirectory(prefix="trailguard-bench-app-") as scratch:
        root = Path(scratch) / "app"
        application_project(root)
        rendering = render_stack(load_project(root), "prod", timeout=1800)
        if rendering.error:
            print(f"the application project did not render: {rendering.error}", file=sys.stderr)
            return 1
        count = len(rendering.resources)
        note, seconds = check_command("--project-dir", str(root))
        rows.append((f"trailguard check, application project ({count} resources)", note, seconds))
        digest = Path(scratch) / "preview.json"
        digest.write_text(json.dumps(preview_digest(list(rendering.resources), "prod", "app")))
        note, seconds = check_command("--preview-json", str(digest))
        rows.append((f"trailguard check --preview-json, the same {count} resources", note, seconds))

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
    export, checkov_time, pack_time = (rows[i][2] for i in (4, 5, 6))
    if export is not None and checkov_time:
        print(f"\nexport + checkov: {export + checkov_time:.2f}s, of which our export is {export / checkov_time:.1%}")
    if pack_time is not None:
        print(f"policy pack: {pack_time:.2f}s on the same {RESOURCES} resources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
