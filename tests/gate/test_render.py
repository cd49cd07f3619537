"""Rendering any Pulumi Python project's stacks under mocks, one process per stack."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from gate_testing import TRAIL_PROJECT, MakeProject

from trailguard_gate.model import UNKNOWN
from trailguard_gate.render import (
    SECRET_PLACEHOLDER,
    ProjectError,
    StackConfigError,
    load_mocks,
    load_project,
    mock_account,
    render_stack,
    render_stacks,
    stack_config,
    stack_names,
)

BUCKET_PROGRAM = """
    import pulumi
    import pulumi_aws as aws

    config = pulumi.Config()
    bucket = aws.s3.Bucket("logs", bucket=config.require("bucketName"))
    aws.s3.BucketPublicAccessBlock("logs", bucket=bucket.id, block_public_acls=True)
    pulumi.export("bucket", bucket.bucket)
    pulumi.export("arn", bucket.arn)
    pulumi.export("account", aws.get_caller_identity().account_id)
    pulumi.export("region", aws.get_region().region)
    pulumi.export("secret", config.get_secret("token"))
"""


def test_the_project_file_names_program_stack_dir_and_interpreter(make_project: MakeProject) -> None:
    root = make_project(BUCKET_PROGRAM, {"dev": "config: {}\n", "prod": "config: {}\n"}, name="shop")

    project = load_project(root)

    assert (project.name, project.program, project.stack_config_dir) == ("shop", root, root / "stacks")
    assert project.python == sys.executable  # no virtualenv named: the gate's own interpreter
    assert stack_names(project) == ["dev", "prod"]


def test_a_virtualenv_named_in_pulumi_yaml_runs_the_program(make_project: MakeProject) -> None:
    root = make_project(BUCKET_PROGRAM, {"dev": ""}, extra="")
    (root / "Pulumi.yaml").write_text("name: x\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n")
    python = root / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.symlink_to(sys.executable)

    assert load_project(root).python == str(python)


@pytest.mark.parametrize(
    ("pulumi_yaml", "message"),
    [
        (None, "no Pulumi.yaml here; run trailguard check in a Pulumi project's directory or pass --project-dir"),
        ("name: x\nruntime: nodejs\n", "runtime 'nodejs' is not supported; trailguard check renders Python programs"),
        ("runtime: python\n", "'name' is missing; a Pulumi project names itself, e.g. name: trailguard"),
        ("name: x\nruntime: python\nmain: infra/\n", "does not exist; 'main' names the program's directory or file"),
        ("name: [x\n", "not valid YAML"),
    ],
)
def test_a_directory_that_is_not_a_python_project_is_refused(
    tmp_path: Path, pulumi_yaml: str | None, message: str
) -> None:
    if pulumi_yaml is not None:
        (tmp_path / "Pulumi.yaml").write_text(pulumi_yaml)
    (tmp_path / "__main__.py").write_text("")

    with pytest.raises(ProjectError) as caught:
        load_project(tmp_path)

    assert message in str(caught.value)


def test_stack_config_follows_pulumis_namespace_rules_and_hides_secrets(make_project: MakeProject) -> None:
    root = make_project(
        BUCKET_PROGRAM,
        {
            "dev": """
                config:
                  aws:region: eu-west-1
                  bucketName: shop-logs
                  shop:retention: 30
                  token:
                    secure: v1:AAAA
                  shop:nested:
                    password: {secure: v1:BBBB}
                    user: admin
            """
        },
        name="shop",
        extra="config:\n  retention: {type: integer, default: 365}\n  owner: platform\n",
    )
    project = load_project(root)

    config = stack_config(project, "dev")

    assert config.values == {
        "aws:region": "eu-west-1",
        "shop:bucketName": "shop-logs",
        "shop:retention": 30,
        "shop:owner": "platform",
        "shop:token": SECRET_PLACEHOLDER,
        "shop:nested": {"password": SECRET_PLACEHOLDER, "user": "admin"},
    }
    assert sorted(config.secret_keys) == ["shop:nested", "shop:token"]


def test_a_config_key_declared_without_default_must_be_set(make_project: MakeProject) -> None:
    root = make_project(
        BUCKET_PROGRAM, {"dev": "config: {}\n"}, name="shop", extra="config:\n  owner: {type: string}\n"
    )

    with pytest.raises(StackConfigError) as caught:
        stack_config(load_project(root), "dev")

    assert str(caught.value) == (
        f"{root / 'stacks' / 'Pulumi.dev.yaml'}: stack 'dev' is missing configuration value 'shop:owner', which "
        "Pulumi.yaml declares without a default; set it, e.g. pulumi config set owner <value> -s dev"
    )


def test_the_mocks_pretend_to_be_the_account_and_region_the_stack_names() -> None:
    assert mock_account(
        {
            "aws:region": "cn-north-1",
            "aws:allowedAccountIds": ["222222222222"],
            "app:managementAccountId": "333333333333",
            "app:organizationId": "o-abcdefghij",
        }
    ) == {
        "region": "cn-north-1",
        "partition": "aws-cn",
        "account_id": "222222222222",
        "management_account_id": "333333333333",
        "organization_id": "o-abcdefghij",
    }
    assert mock_account({"app:logArchiveAccountId": "444444444444"}) == {
        "account_id": "444444444444",
        "management_account_id": "444444444444",
    }
    # Two different account ids and no allowedAccountIds: nothing obvious, the default account stays.
    assert mock_account({"app:aAccountId": "111111111111", "app:bAccountId": "222222222222"}) == {}


def test_a_stack_renders_with_its_config_and_plausible_outputs(make_project: MakeProject) -> None:
    root = make_project(
        BUCKET_PROGRAM,
        {
            "dev": """
                config:
                  aws:region: eu-west-1
                  aws:allowedAccountIds: ["222222222222"]
                  scratch:bucketName: shop-logs
                  scratch:token: {secure: v1:AAAA}
            """
        },
    )

    rendering = render_stack(load_project(root), "dev")

    assert rendering.error is None
    bucket, block = rendering.resources
    assert (bucket.type, bucket.name, bucket.properties) == ("aws:s3/bucket:Bucket", "logs", {"bucket": "shop-logs"})
    assert block.properties == {"bucket": "shop-logs", "blockPublicAcls": True}
    assert block.property_dependencies["bucket"] == (bucket.urn,)
    assert bucket.urn == "urn:pulumi:dev::scratch::aws:s3/bucket:Bucket::logs"
    assert bucket.source == f"{root / '__main__.py'}:6"
    assert rendering.outputs == {
        "bucket": "shop-logs",
        "arn": "arn:aws:s3:::shop-logs",
        "account": "222222222222",
        "region": "eu-west-1",
        "secret": SECRET_PLACEHOLDER,
    }


@pytest.mark.slow
def test_a_program_error_is_the_users_message_and_the_other_stacks_still_render() -> None:
    project = load_project(TRAIL_PROJECT)

    broken, secure = render_stacks(project, ["broken", "secure"])

    assert broken.error == (
        "ValueError: trail-fixture:trailName: 'Not A Trail Name!' is not a trail name; expected 3-128 letters, "
        "digits, '.', '_' or '-', e.g. fixture-trail (at __main__.py:14)"
    )
    assert broken.resources == ()
    assert secure.error is None
    assert len(secure.resources) == 22


def test_missing_config_and_bad_yaml_are_reported_per_stack(make_project: MakeProject) -> None:
    root = make_project(BUCKET_PROGRAM, {"unset": "config: {}\n", "garbled": "config:\n  aws:region: [\n"})
    project = load_project(root)

    unset, garbled = render_stacks(project, ["unset", "garbled"])

    assert unset.error == (
        "Missing required configuration variable 'scratch:bucketName'\n"
        "please set a value using the command `pulumi config set scratch:bucketName <value>` (at __main__.py:6)"
    )
    assert garbled.error == (
        f"{root / 'stacks' / 'Pulumi.garbled.yaml'}:3: not valid YAML "
        "(expected the node content, but found '<stream end>')"
    )


REFERENCE_PROGRAM = """
    import pulumi
    import pulumi_aws as aws

    config = pulumi.Config()
    if config.get("role") == "producer":
        bucket = aws.s3.Bucket("logs", bucket="shared-logs")
        pulumi.export("bucketArn", bucket.arn)
    else:
        ref = pulumi.StackReference(config.require("source"))
        aws.s3.BucketPolicy("policy", bucket="shared-logs", policy=ref.require_output("bucketArn").apply(
            lambda arn: '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", '
            '"Action": "s3:*", "Resource": "' + arn + '"}]}'))
"""


def test_outputs_supplied_with_mocks_answer_a_stack_reference_to_another_project(make_project: MakeProject) -> None:
    root = make_project(REFERENCE_PROGRAM, {"outsider": "config:\n  scratch:source: acme/other-project/prod\n"})
    (root / "mocks.yaml").write_text("stacks:\n  acme/other-project/prod:\n    bucketArn: arn:aws:s3:::their-logs\n")

    (outsider,) = render_stacks(load_project(root), ["outsider"], mocks=load_mocks(root / "mocks.yaml"))

    (policy,) = outsider.resources
    assert '"Resource": "arn:aws:s3:::their-logs"' in policy.properties["policy"]
    assert not any("StackReference" in note for note in outsider.notes)


@pytest.mark.slow
def test_a_stack_reference_to_a_stack_of_the_same_project_gets_its_rendered_outputs(
    make_project: MakeProject,
) -> None:
    root = make_project(
        REFERENCE_PROGRAM,
        {
            "producer": "config:\n  scratch:role: producer\n",
            "consumer": "config:\n  scratch:source: organization/scratch/producer\n",
            "outsider": "config:\n  scratch:source: acme/other-project/prod\n",
            "loop": "config:\n  scratch:source: loop\n",
        },
    )
    project = load_project(root)

    consumer, outsider, loop = render_stacks(project, ["consumer", "outsider", "loop"])

    (policy,) = consumer.resources
    assert '"Resource": "arn:aws:s3:::shared-logs"' in policy.properties["policy"]
    # Another project's stack: its outputs are unknown, as in a preview, and the apply on them does not run.
    assert outsider.error is None
    (unknown_policy,) = outsider.resources
    assert unknown_policy.properties["policy"] == UNKNOWN
    assert any(
        note.startswith("StackReference 'acme/other-project/prod': its outputs are unknown") for note in outsider.notes
    )
    assert loop.error is not None
    assert "StackReference cycle: loop -> loop" in loop.error
