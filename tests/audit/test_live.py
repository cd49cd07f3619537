"""The audit against a real AWS API endpoint on loopback: reads, faults, health, regions, and the command line.

These run without the policy pack (`--no-pack`), so each verdict here is the audit's own: delivery health, gaps,
read faults. `test_pack.py` runs the same live state through the real pack.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from moto_world import ACCOUNT, REGION, World, deny, recorder, throttle

from trailguard_gate.audit import convert as c
from trailguard_gate.audit.aws import Connector, EventHook, WriteRefused
from trailguard_gate.audit.cli import add_commands
from trailguard_gate.audit.collect import collect_region
from trailguard_gate.audit.run import AuditError, AuditOptions, run_audit, start
from trailguard_gate.cli import build_parser
from trailguard_gate.model import UNKNOWN, Level, TargetResult

pytestmark = pytest.mark.slow  # each test drives the audit against a moto server

TARGET = f"{ACCOUNT}/{REGION}"


def audit(hooks: Sequence[EventHook] = (), **options: Any) -> list[TargetResult]:
    connector = Connector(
        region=options.pop("region", None), hooks=tuple(hooks), max_attempts=options.pop("max_attempts", 3)
    )
    return run_audit(AuditOptions(connector=connector, **options))


def rules(result: TargetResult) -> list[tuple[str, Level]]:
    return [(f.rule, f.level) for f in result.findings]


def cli(argv: list[str], capsys: pytest.CaptureFixture[str], hooks: Sequence[EventHook] = ()) -> tuple[int, str, str]:
    parser, subparsers = build_parser()
    add_commands(subparsers)
    args = parser.parse_args(argv)
    code = args.func(args, hooks=hooks)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_well_built_trail_is_read_whole_and_is_healthy(aws: World) -> None:
    built = aws.good_trail()
    [result] = audit()
    assert result.name == TARGET
    assert result.error is None
    assert result.findings == ()
    state = collect_region(start(Connector()), REGION)
    resources = c.to_resources(state)
    assert result.resources == len(resources)
    trail = next(r for r in resources if r.type == c.TRAIL)
    assert trail.properties["s3BucketName"] == built.bucket
    assert trail.properties["kmsKeyId"] == built.key_arn
    assert trail.properties["cloudWatchLogsGroupArn"] == f"{built.log_group_arn}:*"
    assert trail.properties["advancedEventSelectors"][0] == {
        "name": "Management events",
        "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}],
    }
    assert set(trail.property_dependencies) == {
        "s3BucketName",
        "kmsKeyId",
        "cloudWatchLogsGroupArn",
        "cloudWatchLogsRoleArn",
    }
    bucket_types = {r.type for r in resources if r.properties.get("bucket") == built.bucket}
    assert bucket_types == {
        c.BUCKET,
        c.BUCKET_POLICY,
        c.BUCKET_ENCRYPTION,
        c.BUCKET_PUBLIC_ACCESS_BLOCK,
        c.BUCKET_OWNERSHIP,
        c.BUCKET_VERSIONING,
        c.BUCKET_LOGGING,
        c.BUCKET_LIFECYCLE,
    }
    key = next(r for r in resources if r.type == c.KEY)
    assert json.loads(key.properties["policy"])["Statement"]
    assert key.properties["enableKeyRotation"] is True


def test_the_audit_only_ever_reads(aws: World) -> None:
    aws.good_trail()
    aws.broken_trail()
    calls: list[str] = []
    audit([recorder(calls)])
    operations = {call.split(".", 1)[1] for call in calls}
    assert {"DescribeTrails", "GetTrailStatus", "GetEventSelectors", "GetBucketPolicy", "GetKeyPolicy", "GetRole",
            "DescribeLogGroups", "ListRolePolicies", "GetBucketEncryption"} <= operations  # fmt: skip
    assert sorted(op for op in operations if not op.startswith(("Describe", "Get", "List", "Lookup"))) == []


def test_a_write_is_refused_before_it_is_sent(aws: World) -> None:
    s3 = Connector().session().client("s3", region_name=REGION)
    with pytest.raises(WriteRefused, match=r"refused to call s3:CreateBucket: the audit only reads"):
        s3.create_bucket(Bucket="should-never-exist")
    assert aws.client("s3").list_buckets()["Buckets"] == []


def test_access_denied_on_one_call_costs_that_fact_only(aws: World) -> None:
    built = aws.good_trail()
    hook = deny("s3", "GetBucketPolicy", only=f"/{built.bucket}?")
    [result] = audit([hook])
    assert rules(result) == [("audit-read-complete", Level.ADVISORY)]
    assert result.findings[0].message == (
        f"s3:GetBucketPolicy on bucket {built.bucket!r} was denied (AccessDenied: User is not authorized to perform: "
        "GetBucketPolicy); the bucket policy rules could not be checked. Allow s3:GetBucketPolicy for the principal "
        "the audit runs as, then audit again."
    )
    resources = c.to_resources(collect_region(start(Connector(hooks=(hook,))), REGION))
    policies = {r.properties["bucket"]: r.properties["policy"] for r in resources if r.type == c.BUCKET_POLICY}
    assert policies[built.bucket] == UNKNOWN
    assert json.loads(policies[built.access_log_bucket])["Statement"][0]["Sid"] == "S3ServerAccessLogsPolicy"


def test_an_iam_action_named_differently_from_its_call_is_named_as_iam_names_it(aws: World) -> None:
    aws.good_trail()
    [result] = audit([deny("s3", "GetBucketEncryption")])
    assert {f.message.split(" on ")[0] for f in result.findings} == {"s3:GetEncryptionConfiguration"}


def test_throttling_is_retried_with_backoff_and_then_succeeds(aws: World) -> None:
    aws.good_trail()
    attempts: list[str] = []
    [result] = audit([throttle("cloudtrail", "GetEventSelectors", times=1, calls=attempts)])
    assert attempts == ["GetEventSelectors", "GetEventSelectors"]
    assert result.findings == ()


def test_throttling_that_outlasts_the_retries_is_reported_and_the_rest_goes_on(aws: World) -> None:
    built = aws.good_trail()
    attempts: list[str] = []
    [result] = audit([throttle("cloudtrail", "GetEventSelectors", times=99, calls=attempts)], max_attempts=2)
    assert len(attempts) == 2
    assert [f.message for f in result.findings] == [
        f"cloudtrail:GetEventSelectors on trail {built.name!r} was still throttled after 2 attempts "
        "(ThrottlingException); the rules on which events it records could not be checked. Audit again later, "
        "or raise --max-attempts."
    ]
    assert result.resources > 10


def test_a_stopped_trail_fails_the_audit(aws: World, capsys: pytest.CaptureFixture[str]) -> None:
    built = aws.good_trail()
    aws.client("cloudtrail").stop_logging(Name=built.name)
    code, out, _ = cli(["audit", "--no-pack", "--quiet", "--format", "json"], capsys)
    assert code == 1
    [target] = json.loads(out)["targets"]
    [finding] = target["findings"]
    assert finding["rule"] == "cloudtrail-trail-logging-active"
    assert finding["message"].startswith(f"trail {built.name!r} has not been logging since ")


def test_a_delivery_error_reported_by_cloudtrail_fails_the_audit(aws: World) -> None:
    built = aws.good_trail()

    def broken_status(**_: Any) -> tuple[Any, dict[str, Any]]:
        # CloudTrail's own answer for a bucket whose policy no longer lets it write; moto never reports one.
        status = {"IsLogging": True, "LatestDeliveryError": "AccessDenied"}
        return type("Http", (), {"status_code": 200})(), status

    [result] = audit([("before-call.cloudtrail.GetTrailStatus", broken_status)])
    assert [(f.rule, f.message) for f in result.findings] == [
        (
            "cloudtrail-trail-s3-delivery",
            f"trail {built.name!r} cannot deliver log files to bucket {built.bucket!r}: AccessDenied "
            "(no delivery yet).",
        )
    ]
    assert result.findings[0].fails


def test_a_deleted_log_group_is_reported_as_missing(aws: World) -> None:
    built = aws.good_trail()
    aws.client("logs").delete_log_group(logGroupName=built.log_group)
    [result] = audit()
    assert [(f.rule, f.level, f.message) for f in result.findings] == [
        (
            "cloudtrail-trail-destination-exists",
            Level.MANDATORY,
            f"trail {built.name!r} uses log group {built.log_group!r}, which does not exist: nothing the trail "
            "records reaches it.",
        )
    ]


def test_a_bucket_in_another_account_is_reported_not_judged(aws: World) -> None:
    archive = aws.in_account("222222222222")
    archive.client("s3").create_bucket(Bucket="archive-trail-logs")
    aws.client("cloudtrail").create_trail(Name="central", S3BucketName="archive-trail-logs", IsMultiRegionTrail=True)
    aws.client("cloudtrail").start_logging(Name="central")
    [result] = audit()
    assert [(f.rule, f.level, f.message) for f in result.findings] == [
        (
            "audit-resource-in-another-account",
            Level.ADVISORY,
            "trail 'central' uses bucket 'archive-trail-logs', which belongs to another account (ListBuckets in "
            f"this account omits it), not {ACCOUNT}: its rules were not checked in this audit.",
        )
    ]
    resources = c.to_resources(collect_region(start(Connector()), REGION))
    assert [r.type for r in resources] == [c.TRAIL]


def test_a_region_no_trail_covers_fails_the_audit(aws: World) -> None:
    aws.broken_trail()  # single-Region, in us-east-1 only
    results = audit(regions=("us-east-1", "eu-west-1"))
    assert [r.name for r in results] == [TARGET, f"{ACCOUNT}/eu-west-1"]
    assert rules(results[1]) == [("cloudtrail-region-covered", Level.MANDATORY)]
    assert results[1].findings[0].message == (
        f"no trail records events in account {ACCOUNT}, Region eu-west-1: neither a trail of this account nor an "
        "organization trail covers it."
    )


def test_by_default_the_home_regions_of_listed_trails_are_audited(aws: World) -> None:
    aws.good_trail()  # multi-Region, homed in us-east-1
    results = audit(region="eu-west-1")
    assert [r.name for r in results] == [f"{ACCOUNT}/eu-west-1", TARGET]
    # eu-west-1 is covered by the multi-Region trail, which is judged once, in its home Region.
    assert results[0].findings == () and results[0].resources == 0
    assert results[1].resources > 10


def test_all_regions_reads_every_enabled_region(aws: World) -> None:
    calls: list[str] = []
    results = audit([recorder(calls)], all_regions=True)
    regions = {r.name.split("/")[1] for r in results}
    assert {"us-east-1", "eu-west-1", "ap-southeast-2"} <= regions
    assert "ec2.DescribeRegions" in calls


def test_no_credentials_stops_the_audit_with_what_to_do(
    aws: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, out, err = cli(["audit", "--no-pack", "--quiet"], capsys)
    assert code == 2
    assert out == ""
    assert err == (
        "trailguard audit: no AWS credentials found: set AWS_PROFILE or pass --profile, export AWS_ACCESS_KEY_ID "
        "and AWS_SECRET_ACCESS_KEY, or sign in (e.g. aws sso login --profile NAME)\n"
    )


def test_an_unknown_profile_lists_the_known_ones(aws: World, capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    (tmp_path / "aws-config").write_text("[profile audit]\nregion = us-east-1\n", encoding="utf-8")
    code, _, err = cli(["audit", "--no-pack", "--profile", "nope"], capsys)
    assert code == 2
    assert err == (
        "trailguard audit: --profile nope: no such profile in the AWS config and credentials files; "
        "the profiles are: audit\n"
    )


def test_a_named_profile_is_used(
    aws: World, capsys: pytest.CaptureFixture[str], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws.good_trail()
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    (tmp_path / "aws-config").write_text("[profile audit]\nregion = eu-west-2\n", encoding="utf-8")
    # A named profile brings its own credentials: boto3 then ignores the environment's.
    (tmp_path / "aws-credentials").write_text(
        "[audit]\naws_access_key_id = profilekey\naws_secret_access_key = profilesecret\n", encoding="utf-8"
    )
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    calls: list[str] = []

    def key_used(request: Any, **_: Any) -> None:
        calls.append(str(request.headers.get("Authorization", b"")))

    code, out, err = cli(
        ["audit", "--no-pack", "--quiet", "--profile", "audit", "--format", "json"], capsys, [("before-send", key_used)]
    )
    assert (code, err) == (0, "")
    assert calls and all("Credential=profilekey/" in call for call in calls)
    assert [t["name"] for t in json.loads(out)["targets"]] == [f"{ACCOUNT}/eu-west-2", TARGET]


def test_start_needs_a_region(aws: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(AuditError, match=r"^no AWS Region: pass --region, e.g. --region us-east-1, or set AWS_REGION$"):
        start(Connector())


def test_incomplete_reads_can_fail_the_run(aws: World, capsys: pytest.CaptureFixture[str]) -> None:
    aws.good_trail()
    hooks = [deny("kms", "GetKeyRotationStatus")]
    assert cli(["audit", "--no-pack", "--quiet"], capsys, hooks)[0] == 0
    code, out, _ = cli(["audit", "--no-pack", "--quiet", "--fail-on-incomplete"], capsys, hooks)
    assert code == 2
    assert "kms:GetKeyRotationStatus" in out


def test_reports_can_go_to_files_in_several_formats(
    aws: World, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    aws.broken_trail()
    sarif = tmp_path / "out" / "audit.sarif"
    code, out, err = cli(["audit", "--no-pack", "--region", "eu-west-1", "--output", f"sarif:{sarif}"], capsys)
    assert code == 1
    assert "cloudtrail-region-covered" in out
    document = json.loads(sarif.read_text(encoding="utf-8"))
    assert document["version"] == "2.1.0"
    assert [r["ruleId"] for r in document["runs"][0]["results"]] == ["cloudtrail-region-covered"]
    assert f"wrote sarif report to {sarif}" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["audit", "--account", "111111111111"],
            "trailguard audit: --account needs --assume-role NAME, e.g. --assume-role TrailguardAuditReadOnly\n",
        ),
        (
            ["audit", "--external-id", "x"],
            "trailguard audit: --external-id needs --assume-role NAME, e.g. --assume-role TrailguardAuditReadOnly\n",
        ),
        (
            ["audit", "--all-regions", "--region", "us-east-1"],
            "trailguard audit: --all-regions and --region exclude each other: pass one\n",
        ),
    ],
)
def test_contradictory_options_are_refused(
    aws: World, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = cli([*argv, "--no-pack"], capsys)
    assert (code, err) == (2, message)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["audit", "--region", "useast1"],
            "argument --region: 'useast1' is not an AWS Region; did you mean us-east-1?",
        ),
        # The rule `trailguard check` applies to --region and aws:region: a Region shape with no such area fails.
        (
            ["audit", "--region", "xx-east-1"],
            "argument --region: 'xx-east-1' is not an AWS Region; did you mean us-east-1?",
        ),
        (
            ["audit", "--output", "html:out.html"],
            "argument --output: 'html:out.html': unknown format 'html'; expected one of text, json, sarif, junit, "
            "markdown, e.g. sarif:out/audit.sarif",
        ),
        (
            ["audit", "--account", "12345"],
            "argument --account: '12345' is not an AWS account id; expected 12 digits, e.g. 111111111111",
        ),
        (["audit", "--concurrency", "0"], "argument --concurrency: '0' is not a positive number, e.g. 8"),
    ],
)
def test_malformed_values_are_refused_by_name(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    parser, subparsers = build_parser()
    add_commands(subparsers)
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(argv)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.rstrip().endswith(message)


def test_the_trailguard_command_has_audit_and_adopt(aws: World, capsys: pytest.CaptureFixture[str]) -> None:
    from trailguard_gate.cli import main

    aws.good_trail()
    assert main(["audit", "--no-pack", "--quiet"]) == 0
    assert capsys.readouterr().out.startswith(f"{TARGET}: PASS")
    assert main(["adopt", "--trail", "org-trail", "--output", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["resources"]


def test_a_service_that_cannot_be_reached_costs_only_its_facts(
    aws: World, monkeypatch: pytest.MonkeyPatch, unused_port: int
) -> None:
    built = aws.good_trail()
    # boto3's per-service endpoint setting sends KMS, and only KMS, to a closed loopback port.
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", f"http://127.0.0.1:{unused_port}")
    [result] = audit(max_attempts=1)
    assert {(f.rule, f.message.split(" could not reach AWS")[0]) for f in result.findings} == {
        ("audit-read-complete", f"kms:DescribeKey on KMS key {built.key_arn!r}")
    }
    assert result.findings[0].message.endswith("; the KMS key rules could not be checked.")
    assert result.resources == 19  # everything but the key and its alias


def test_rejected_credentials_stop_the_audit_with_the_reason(aws: World) -> None:
    connector = Connector(hooks=(deny("sts", "GetCallerIdentity", code="ExpiredToken"),))
    with pytest.raises(AuditError) as error:
        start(connector)
    assert str(error.value) == (
        "AWS rejected the credentials (sts:GetCallerIdentity: ExpiredToken: User is not authorized to perform: "
        "GetCallerIdentity); refresh them or pass another --profile"
    )


def test_a_key_in_another_account_is_reported_not_judged(aws: World) -> None:
    foreign_key = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    bucket = f"keyed-elsewhere-{ACCOUNT}"
    aws.client("s3").create_bucket(Bucket=bucket)
    aws.client("cloudtrail").create_trail(Name="keyed-elsewhere", S3BucketName=bucket, KmsKeyId=foreign_key)
    aws.client("cloudtrail").start_logging(Name="keyed-elsewhere")
    [result] = audit()
    others = [f for f in result.findings if f.rule == "audit-resource-in-another-account"]
    assert [f.message for f in others] == [
        f"trail 'keyed-elsewhere' uses KMS key {foreign_key!r}, which belongs to account 222222222222, not {ACCOUNT}: "
        "its rules were not checked in this audit."
    ]


def test_a_region_whose_trails_cannot_be_listed_is_an_error_not_a_pass(
    aws: World, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.good_trail()
    code, out, _ = cli(
        ["audit", "--no-pack", "--quiet", "--format", "json"], capsys, [deny("cloudtrail", "DescribeTrails")]
    )
    assert code == 2
    [target] = json.loads(out)["targets"]
    assert target["findings"] == []
    assert target["error"] == (
        f"cloudtrail:DescribeTrails on the trails of account {ACCOUNT} in {REGION} was denied (AccessDenied: User is "
        "not authorized to perform: DescribeTrails); the whole Region could not be checked. Allow "
        "cloudtrail:DescribeTrails for the principal the audit runs as, then audit again."
    )
