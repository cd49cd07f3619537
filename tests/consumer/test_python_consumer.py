"""examples/python-consumer: a stack of one's own builds the organization trail from the installed components."""

from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from trailguard_gate.mocks import Rendering

from .conftest import RenderConsumer

TRAIL = "aws:cloudtrail/trail:Trail"
STACK_URN = "urn:pulumi:management::org-audit::pulumi:pulumi:Stack::org-audit-management"


@pytest.fixture(scope="module")
def management(render_consumer: RenderConsumer) -> Rendering:
    return render_consumer()


def test_the_project_installs_trailguard_from_git(consumer_project: Path) -> None:
    lines = (consumer_project / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if line and not line.startswith("#")] == [
        "trailguard @ git+https://github.com/trailguard/trailguard@main"
    ]
    project = yaml.safe_load((consumer_project / "Pulumi.yaml").read_text(encoding="utf-8"))
    assert (project["name"], project["runtime"]["name"]) == ("org-audit", "python")


def test_the_consumer_names_only_components_never_their_children(management: Rendering) -> None:
    top_level = sorted((r.type, r.name) for r in management.resources if r.parent == STACK_URN)
    assert top_level == [
        ("trailguard:index:LogArchive", "archive"),
        ("trailguard:index:OrganizationTrail", "organization"),
        ("trailguard:index:TrailAlarms", "alarms"),
    ]


def test_the_trail_logs_the_whole_organization_into_the_archive(management: Rendering) -> None:
    trail = management.one(TRAIL).properties
    key_arn = management.outputs["kmsKeyArn"]
    assert {k: trail[k] for k in ("name", "s3BucketName", "kmsKeyId")} == {
        "name": "organization-trail",
        "s3BucketName": "example-org-cloudtrail-logs",
        "kmsKeyId": key_arn,
    }
    assert (
        trail["isOrganizationTrail"],
        trail["isMultiRegionTrail"],
        trail["includeGlobalServiceEvents"],
        trail["enableLogFileValidation"],
        trail["enableLogging"],
    ) == (True, True, True, True, True)
    assert trail["cloudWatchLogsGroupArn"] == (
        "arn:aws:logs:us-east-1:111111111111:log-group:/cloudtrail/organization-trail:*"
    )


def test_the_trail_waits_for_the_bucket_policy_and_the_key(management: Rendering) -> None:
    trail = management.one(TRAIL)
    bucket_policy = management.named("archive-bucket-policy").urn
    key = management.named("archive-key-key").urn
    assert {bucket_policy, key} <= set(trail.dependencies)


def test_the_archive_bucket_is_bound_to_this_trail_in_this_account(management: Rendering) -> None:
    policy = management.named("archive-bucket-policy").properties["policy"]
    assert "arn:aws:cloudtrail:us-east-1:111111111111:trail/organization-trail" in policy
    assert "o-a1b2c3d4e5" in policy


def test_exports_name_what_other_stacks_need(management: Rendering) -> None:
    assert management.outputs == {
        "trailArn": "arn:aws:cloudtrail:us-east-1:111111111111:trail/organization-trail",
        "bucketName": "example-org-cloudtrail-logs",
        "kmsKeyArn": management.named("archive-key-key").outputs["arn"],  # type: ignore[index]
        "logGroupName": "/cloudtrail/organization-trail",
        "alarmTopicArn": management.named("alarms-topic").outputs["arn"],  # type: ignore[index]
    }


def test_a_missing_organization_id_names_the_key_and_the_command(
    render_consumer: RenderConsumer, consumer_config: dict[str, Any]
) -> None:
    config = {k: v for k, v in consumer_config.items() if k != "org-audit:organizationId"}
    with pytest.raises(pulumi.ConfigMissingError) as raised:
        render_consumer(config)
    assert str(raised.value) == (
        "Missing required configuration variable 'org-audit:organizationId'\n\t"
        "please set a value using the command `pulumi config set org-audit:organizationId <value>`"
    )
