"""Application programs as people write them, rendered as `pulumi preview` would and judged (exit 0 or 1, never 2).

Each program is written for this suite: data sources, a StackReference to another project, computed outputs in
`apply`, `secure:` config, pulumi_random, a ComponentResource, boto3 guarded by `is_dry_run()`, a program that
reads cloud credentials from its environment, and a `toolchain: uv` project.
"""

from __future__ import annotations

import http.server
import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from gate_testing import MakeProject

from trailguard_gate.cli import main
from trailguard_gate.model import UNKNOWN
from trailguard_gate.render import SECRET_PLACEHOLDER, load_project, render_stack

WEB_APP = """
    import pulumi
    import pulumi_aws as aws
    import pulumi_random as random


    class WebTier(pulumi.ComponentResource):
        def __init__(self, name, vpc_id, subnet_id, ami, opts=None):
            super().__init__("shop:web:WebTier", name, None, opts)
            group = aws.ec2.SecurityGroup(
                f"{name}-sg", vpc_id=vpc_id, ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443,
                "cidr_blocks": ["0.0.0.0/0"]}], opts=pulumi.ResourceOptions(parent=self))
            self.server = aws.ec2.Instance(
                f"{name}-server", ami=ami, instance_type="t3.micro", subnet_id=subnet_id,
                vpc_security_group_ids=[group.id], opts=pulumi.ResourceOptions(parent=self))
            self.register_outputs({"serverId": self.server.id})


    config = pulumi.Config()
    me = aws.get_caller_identity()
    vpc = aws.ec2.get_vpc(default=True)
    subnets = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [vpc.id]}])
    ami = aws.ec2.get_ami(most_recent=True, owners=["amazon"],
                          filters=[{"name": "name", "values": ["al2023-ami-*-x86_64"]}])
    zone = aws.route53.get_zone(name="shop.example.com")
    network = pulumi.StackReference("acme/network/prod")

    web = WebTier("web", vpc_id=vpc.id, subnet_id=subnets.ids[0], ami=ami.id)
    uploads = aws.s3.BucketV2("uploads", bucket=f"uploads-{me.account_id}")
    aws.s3.BucketPolicy("uploads-policy", bucket=uploads.id, policy=uploads.arn.apply(lambda arn: json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                       "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})))
    password = random.RandomPassword("db-password", length=24)

    def leak(value):
        # Runs only once the value is known: never during a preview, where it is computed at update.
        open("apply-ran.txt", "w").write(value)
        return value

    aws.ssm.Parameter("db-password", type="SecureString", value=password.result.apply(leak))
    aws.ssm.Parameter("api-token", type="SecureString", value=config.require_secret("apiToken"))
    aws.ec2.SecurityGroup("peering", vpc_id=network.get_output("vpcId"))
    aws.route53.Record("www", zone_id=zone.zone_id, name="www", type="A", ttl=300, records=["192.0.2.10"])
    pulumi.export("account", me.account_id)
    pulumi.export("organization", pulumi.get_organization())
    pulumi.export("unknownPassword", password.result)
    pulumi.export("dryRun", pulumi.runtime.is_dry_run())
""".replace("import pulumi\n", "import json\n    import pulumi\n", 1)

WEB_STACK = """
    config:
      aws:region: eu-west-1
      shop:apiToken:
        secure: v1:KDVwzbiEKBs4Ryq0:P2QGmIGv0Gd8mFvJ4dS0BmWYBU+Oy0bvd7I=
"""


@pytest.fixture
def web_app(make_project: MakeProject) -> Path:
    return make_project(WEB_APP, {"dev": WEB_STACK}, name="shop")


def test_an_application_renders_as_a_preview_with_data_sources_answered(web_app: Path) -> None:
    rendering = render_stack(load_project(web_app), "dev", organization="acme")
    by_name = {r.name: r for r in rendering.resources}

    assert rendering.error is None
    assert rendering.outputs["dryRun"] is True and rendering.outputs["organization"] == "acme"
    server = by_name["web-server"]
    assert server.properties["ami"].startswith("ami-") and server.properties["subnetId"].startswith("subnet-")
    assert server.parent is not None and "shop:web:WebTier" in server.parent
    assert server.urn.endswith("shop:web:WebTier$aws:ec2/instance:Instance::web-server")
    assert by_name["web-sg"].properties["vpcId"].startswith("vpc-")
    assert by_name["www"].properties["zoneId"].startswith("Z")
    # computed outputs the mocks cannot know stay unknown, and the apply on them does not run
    assert rendering.outputs["unknownPassword"] == UNKNOWN
    secret = by_name["db-password"].properties["value"]  # RandomPassword's result is a secret
    assert secret["value"] == UNKNOWN
    assert not (web_app / "apply-ran.txt").exists()
    # a known output's apply runs: the bucket policy names the bucket's ARN
    assert "arn:aws:s3:::uploads-111111111111" in by_name["uploads-policy"].properties["policy"]
    # secure: config reaches the program as a secret placeholder, with no passphrase
    token = by_name["api-token"].properties["value"]
    assert token["value"] == SECRET_PLACEHOLDER
    # another project's stack: unknown outputs, and a note saying how to supply them
    assert by_name["peering"].properties["vpcId"] == UNKNOWN
    assert any(n.startswith("StackReference 'acme/network/prod': its outputs are unknown") for n in rendering.notes)


def test_an_application_is_judged_not_refused(web_app: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"

    code = main(["check", "--project-dir", str(web_app), "--no-checkov", "--quiet", "--output", f"json:{report}"])

    assert code in (0, 1)
    (target,) = json.loads(report.read_text())["targets"]
    assert target["error"] is None and target["resources"] >= 10


UNANSWERED = """
    import pulumi
    import pulumi_aws as aws

    cert = aws.acm.get_certificate(domain="shop.example.com", statuses=["ISSUED"])
    aws.s3.BucketV2("assets", bucket="shop-assets", tags={"cert": str(cert.arn)})
"""


def test_an_invoke_nobody_answers_returns_empty_and_is_listed_with_its_line(make_project: MakeProject) -> None:
    root = make_project(UNANSWERED, {"dev": "config: {}\n"})

    rendering = render_stack(load_project(root), "dev")

    assert rendering.error is None
    assert any(
        note.startswith(
            "data source aws:acm/getCertificate:getCertificate (at __main__.py:5) was answered with an empty"
        )
        for note in rendering.notes
    )


def test_mocks_answer_an_invoke_by_token(make_project: MakeProject) -> None:
    root = make_project(UNANSWERED, {"dev": "config: {}\n"})
    (root / "mocks.yaml").write_text(
        "invokes:\n  aws:acm/getCertificate:getCertificate:\n    arn: arn:aws:acm:us-east-1:111111111111:certificate/1\n"
    )

    code = main(["check", "--project-dir", str(root), "--mocks", str(root / "mocks.yaml"), "--no-checkov",
                 "--no-pack", "--quiet", "--format", "json"])  # fmt: skip

    assert code == 0


BOTO3_PROGRAM = """
    import os
    import boto3
    import pulumi
    import pulumi_aws as aws
    from botocore.exceptions import ClientError

    account = boto3.client("sts", region_name="us-east-1").get_caller_identity()["Account"]
    try:
        boto3.client("s3", region_name="us-east-1").list_buckets()
        refused = None
    except ClientError as error:
        refused = error.response["Error"]["Code"]
    bucket = aws.s3.BucketV2("reports", bucket=f"reports-{account}")
    if not pulumi.runtime.is_dry_run():
        open("deployed.txt", "w").write("the deployment-only branch ran")
        boto3.client("s3", region_name="us-east-1").put_object(Bucket="reports", Key="seed.txt", Body=b"seed")
    pulumi.export("account", account)
    pulumi.export("refused", refused)
    pulumi.export("seen", {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE",
                  "AWS_ENDPOINT_URL", "GITHUB_TOKEN", "ARM_CLIENT_SECRET", "GOOGLE_APPLICATION_CREDENTIALS",
                  "CLOUDFLARE_API_TOKEN")})
    pulumi.export("metadata", os.environ.get("AWS_EC2_METADATA_DISABLED"))
"""


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def _record(self) -> None:
        type(self).requests.append(f"{self.command} {self.path}")
        self.send_response(200)
        self.end_headers()

    do_GET = do_PUT = do_POST = _record

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def loopback_endpoint() -> Iterator[str]:
    """A loopback HTTP server standing where the caller's AWS endpoint points: it records any request it gets."""
    _Recorder.requests = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_the_program_sees_no_credentials_and_its_aws_sdk_calls_reach_no_network(
    make_project: MakeProject, loopback_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_PROFILE": "prod-admin",
        "AWS_ENDPOINT_URL": loopback_endpoint,
        "GITHUB_TOKEN": "ghs_example",
        "ARM_CLIENT_SECRET": "azure-example",
        "GOOGLE_APPLICATION_CREDENTIALS": "/home/me/gcp.json",
        "CLOUDFLARE_API_TOKEN": "cf-example",
    }.items():
        monkeypatch.setenv(key, value)
    root = make_project(BOTO3_PROGRAM, {"dev": "config:\n  aws:allowedAccountIds: ['123456789012']\n"})

    rendering = render_stack(load_project(root), "dev")

    assert rendering.error is None
    assert rendering.outputs["account"] == "123456789012"  # STS answered with the mocked identity
    assert rendering.outputs["refused"] == "TrailguardNoCloudAccess"
    assert set(rendering.outputs["seen"].values()) == {None}
    assert rendering.outputs["metadata"] == "true"
    assert not (root / "deployed.txt").exists()
    assert _Recorder.requests == []


def test_an_unguarded_aws_sdk_call_fails_fast_with_the_fix(make_project: MakeProject) -> None:
    root = make_project(
        "import boto3\nboto3.client('s3', region_name='us-east-1').list_buckets()\n", {"dev": "config: {}\n"}
    )

    rendering = render_stack(load_project(root), "dev")

    assert rendering.error is not None
    assert rendering.error.startswith("ClientError: An error occurred (TrailguardNoCloudAccess)")
    assert "the AWS SDK call s3.ListBuckets at __main__.py:2 was refused" in rendering.error
    assert "if not pulumi.runtime.is_dry_run()" in rendering.error


def test_a_uv_project_renders_with_its_own_environment(make_project: MakeProject) -> None:
    root = make_project(
        "import pulumi\nimport pulumi_aws as aws\naws.s3.BucketV2('data')\n",
        {"dev": "config: {}\n"},
        name="uvshop",
    )
    (root / "Pulumi.yaml").write_text(
        "name: uvshop\nruntime:\n  name: python\n  options:\n    toolchain: uv\nstackConfigDir: stacks\n"
    )
    (root / ".venv").symlink_to(sys.prefix)  # `uv sync` made it: the gate's own environment stands in
    python = root / ".venv" / "bin" / "python"

    project = load_project(root)
    rendering = render_stack(project, "dev")

    assert project.python == str(python)
    assert rendering.error is None and [r.name for r in rendering.resources] == ["data"]


def test_a_missing_module_names_the_module_and_the_fix(make_project: MakeProject) -> None:
    root = make_project("import pulumi_kafka\n", {"dev": "config: {}\n"})

    rendering = render_stack(load_project(root), "dev")

    assert rendering.error is not None
    assert rendering.error.startswith(
        "ModuleNotFoundError: No module named 'pulumi_kafka' (at __main__.py:1): the program imports 'pulumi_kafka', "
        "which is not installed in the interpreter the gate fell back to"
    )
    assert "runtime.options.virtualenv" in rendering.error


def test_an_error_inside_apply_names_the_users_line_root_cause_first(make_project: MakeProject) -> None:
    program = """
        import pulumi
        import pulumi_aws as aws

        def policy(arn):
            settings = {}
            return settings["missing"] + arn

        bucket = aws.s3.BucketV2("logs", bucket="logs")
        aws.s3.BucketPolicy("logs", bucket=bucket.id, policy=bucket.arn.apply(policy))
    """
    root = make_project(program, {"dev": "config: {}\n"})

    rendering = render_stack(load_project(root), "dev")

    assert rendering.error is not None
    assert rendering.error.startswith("KeyError: 'missing' (at __main__.py:7)")


@pytest.mark.parametrize(
    ("stack", "message"),
    [
        ("config:\n  aws:region: eu-wst-1\n", "aws:region 'eu-wst-1' is not an AWS Region; did you mean eu-west-1?"),
        (
            "config:\n  trailgaurd:organizationId: o-a1b2c3d4e5\n",
            "config key 'trailgaurd:organizationId' is in namespace 'trailgaurd', which no program or provider "
            "reads; did you mean trailguard:organizationId?",
        ),
    ],
)
def test_a_stack_config_mistake_is_refused_with_the_fix(make_project: MakeProject, stack: str, message: str) -> None:
    root = make_project("import pulumi\n", {"dev": stack})

    rendering = render_stack(load_project(root), "dev")

    assert rendering.error is not None and message in rendering.error
