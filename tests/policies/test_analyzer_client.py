"""trailguard_gate.analyzer: the Analyzer protocol client, against small packs written for each behaviour."""

from __future__ import annotations

import gc
import json
import socket
import textwrap
from pathlib import Path

import pytest
from pack_fixtures import PACK_DIR

from trailguard_gate.analyzer import PolicyConfigError, PolicyPack, PolicyPackError, reconcile
from trailguard_gate.model import UNKNOWN, Level, Resource, ResourceOptions

SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "hunter2"}

# A pack whose policies report what they were sent, so the tests can read the wire through the pack's eyes.
ECHO_PACK = """
import json, os
from pulumi_policy import EnforcementLevel, PolicyConfigSchema, PolicyPack, ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.deserialize import serialize_properties

def echo(args, report):
    report(json.dumps({
        "type": args.resource_type, "name": args.name, "urn": args.urn,
        "props": serialize_properties(args.props), "protect": args.opts.protect, "parent": args.opts.parent,
        "provider": args.provider.urn if args.provider else None,
        "providerProps": serialize_properties(args.provider.props) if args.provider else None,
        "config": dict(args.get_config()), "tags": dict(args.stack_tags), "stack": os.environ.get("PULUMI_STACK"),
    }))

def echo_stack(args, report):
    report(json.dumps([{
        "urn": r.urn, "props": serialize_properties(r.props), "parent": r.parent.urn if r.parent else None,
        "deps": [d.urn for d in r.dependencies],
        "propertyDeps": {k: [d.urn for d in v] for k, v in r.property_dependencies.items()},
    } for r in args.resources]))

def fix(args):
    props = args.props
    props["fixed"] = True
    return props

PolicyPack(name="echo", policies=[
    ResourceValidationPolicy(name="echo-resource", description="Echoes a resource.", validate=echo,
        enforcement_level=EnforcementLevel.ADVISORY,
        config_schema=PolicyConfigSchema(properties={"limit": {"type": "integer", "default": 3}})),
    StackValidationPolicy(name="echo-stack", description="Echoes the stack.", validate=echo_stack,
        enforcement_level=EnforcementLevel.ADVISORY),
    ResourceValidationPolicy(name="fixer", description="Fixes.", remediate=fix, enforcement_level=EnforcementLevel.REMEDIATE),
])
"""


def write_pack(directory: Path, main: str, version: str = "1.2.3") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "PulumiPolicy.yaml").write_text(f"name: test\nversion: {version}\nruntime: python\n")
    (directory / "__main__.py").write_text(textwrap.dedent(main))
    return directory


@pytest.fixture(scope="module")
def echo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pack(tmp_path_factory.mktemp("echo"), ECHO_PACK)


@pytest.fixture
def echo(echo_dir: Path):  # type: ignore[no-untyped-def]
    with PolicyPack(echo_dir, timeout=30) as running:
        yield running


def seen(diagnostics: list, policy: str = "echo-resource") -> object:  # type: ignore[type-arg]
    [found] = [d for d in diagnostics if d.policy_name == policy]
    return json.loads(found.message.split("\n", 1)[1])


def resource(**overrides: object) -> Resource:
    values: dict[str, object] = {
        "urn": "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b",
        "type": "aws:s3/bucket:Bucket",
        "name": "b",
        "properties": {"bucket": "b", "nested": {"list": [1, "x", None]}, "unknown": UNKNOWN, "secret": SECRET},
        "parent": "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev",
        "options": ResourceOptions(protect=True),
        "provider_urn": "urn:pulumi:dev::p::pulumi:providers:aws::default_7_51_1",
        "provider_properties": {"region": "eu-west-1"},
    }
    values.update(overrides)
    return Resource(**values)  # type: ignore[arg-type]


class TestStarting:
    def test_a_folder_without_pulumipolicy_yaml_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(PolicyPackError) as raised:
            PolicyPack(tmp_path)

        assert str(raised.value).startswith(f"{tmp_path} is not a policy pack: it has no PulumiPolicy.yaml")

    def test_a_pack_that_crashes_reports_its_stderr(self, tmp_path: Path) -> None:
        pack_dir = write_pack(tmp_path, "raise RuntimeError('no policies for you')\n")

        with pytest.raises(PolicyPackError) as raised, PolicyPack(pack_dir, timeout=30):
            pass

        message = str(raised.value)
        assert "the pack exited with code 1 before it printed its port" in message
        assert "RuntimeError: no policies for you" in message

    @pytest.mark.slow
    def test_a_silent_pack_times_out(self, tmp_path: Path) -> None:
        pack_dir = write_pack(
            tmp_path, "import time, sys\nprint('starting', file=sys.stderr, flush=True)\ntime.sleep(60)\n"
        )

        # Long enough for the interpreter to start and say "starting" on a loaded machine: the message must carry it.
        with pytest.raises(PolicyPackError) as raised, PolicyPack(pack_dir, timeout=8):
            pass

        assert "the pack did not print its port within 8s" in str(raised.value)
        assert "starting" in str(raised.value)

    def test_the_process_is_gone_after_the_block_even_when_it_raises(self, echo_dir: Path) -> None:
        with pytest.raises(ZeroDivisionError), PolicyPack(echo_dir, timeout=30) as pack:
            process = pack._process
            assert process is not None and pack.running
            1 / 0  # noqa: B018

        assert process.popen.poll() is not None
        assert not pack.running

    def test_a_forgotten_pack_is_stopped_when_collected(self, echo_dir: Path) -> None:
        pack = PolicyPack(echo_dir, timeout=30)
        pack.start()
        popen = pack._process.popen  # type: ignore[union-attr]

        del pack
        gc.collect()

        assert popen.wait(timeout=10) is not None

    def test_the_port_is_released(self, echo_dir: Path) -> None:
        with PolicyPack(echo_dir, timeout=30) as pack:
            port = pack._process.port  # type: ignore[union-attr]
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0


class TestWire:
    def test_info_reads_the_manifest_version_and_policies(self, echo: PolicyPack) -> None:
        info = echo.info()

        assert (info.name, info.version) == ("echo", "1.2.3")
        assert [(p.name, p.policy_type, p.enforcement_level) for p in info.policies] == [
            ("echo-resource", "resource", Level.ADVISORY),
            ("echo-stack", "stack", Level.ADVISORY),
            ("fixer", "resource", Level.REMEDIATE),
        ]
        assert info.policy("echo-resource").config_schema == {
            "properties": {"limit": {"type": "integer", "default": 3}}
        }

    def test_analyze_sends_inputs_options_and_provider_as_the_engine_does(self, echo: PolicyPack) -> None:
        diagnostics = echo.analyze(resource())
        got = seen(diagnostics)

        assert got == {
            "type": "aws:s3/bucket:Bucket",
            "name": "b",
            "urn": "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b",
            # The SDK hands policies secrets as their values and keeps unknowns as the sentinel.
            "props": {"bucket": "b", "nested": {"list": [1.0, "x", None]}, "unknown": UNKNOWN, "secret": "hunter2"},
            "protect": True,
            "parent": "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev",
            "provider": "urn:pulumi:dev::p::pulumi:providers:aws::default_7_51_1",
            "providerProps": {"region": "eu-west-1"},
            "config": {"limit": 3.0},
            "tags": {},
            "stack": None,
        }
        assert {d.urn for d in diagnostics} == {"urn:pulumi:dev::p::aws:s3/bucket:Bucket::b"}

    def test_analyze_stack_sends_links_and_prefers_outputs(self, echo: PolicyPack) -> None:
        child = resource(
            urn="urn:pulumi:dev::p::aws:s3/bucketPolicy:BucketPolicy::p",
            name="p",
            parent="urn:pulumi:dev::p::aws:s3/bucket:Bucket::b",
            dependencies=("urn:pulumi:dev::p::aws:s3/bucket:Bucket::b",),
            property_dependencies={"bucket": ("urn:pulumi:dev::p::aws:s3/bucket:Bucket::b",), "policy": ()},
            outputs={"bucket": "b", "id": "b"},
        )
        [parent_seen, child_seen] = seen(echo.analyze_stack([resource(), child]), "echo-stack")  # type: ignore[misc]

        assert child_seen == {
            "urn": "urn:pulumi:dev::p::aws:s3/bucketPolicy:BucketPolicy::p",
            "props": {"bucket": "b", "id": "b"},
            "parent": "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b",
            "deps": ["urn:pulumi:dev::p::aws:s3/bucket:Bucket::b"],
            # The engine leaves out properties that depend on nothing.
            "propertyDeps": {"bucket": ["urn:pulumi:dev::p::aws:s3/bucket:Bucket::b"]},
        }
        assert parent_seen["parent"] is None  # the stack itself is not among the resources

    def test_remediate_returns_the_whole_new_inputs(self, echo: PolicyPack) -> None:
        [remediation] = echo.remediate(resource(properties={"bucket": "b"}))

        assert (remediation.policy_name, remediation.properties, remediation.diagnostic) == (
            "fixer",
            {"bucket": "b", "fixed": True},
            None,
        )

    def test_preview_remediates_then_analyzes_the_new_inputs(self, echo: PolicyPack) -> None:
        diagnostics = echo.preview([resource(properties={"bucket": "b"})])

        assert [(d.policy_name, d.enforcement_level) for d in diagnostics] == [
            ("fixer", Level.REMEDIATE),
            ("echo-resource", Level.ADVISORY),
            ("echo-stack", Level.ADVISORY),
        ]
        assert diagnostics[0].message == "remediated: set fixed"
        assert seen(diagnostics)["props"] == {"bucket": "b", "fixed": True}  # type: ignore[index]

    def test_configure_stack_sets_the_environment_and_tags_as_the_cli_does(self, echo: PolicyPack) -> None:
        echo.configure({"echo-resource": {"limit": 5}})
        echo.configure_stack(stack="prod", project="p", tags={"team": "security"})

        got = seen(echo.analyze(resource()))

        assert (got["stack"], got["tags"], got["config"]) == ("prod", {"team": "security"}, {"limit": 5.0})  # type: ignore[index]


class TestConfiguration:
    def test_levels_and_schema_defaults_are_reconciled(self) -> None:
        with PolicyPack(PACK_DIR) as pack:
            result = reconcile(pack.info(), {"all": "advisory", "cloudtrail-trail-tags": {"requiredTags": ["owner"]}})

        assert result["cloudtrail-trail-multi-region"] == (Level.ADVISORY, {"exclude": []})
        assert result["cloudtrail-trail-tags"] == (Level.ADVISORY, {"exclude": [], "requiredTags": ["owner"]})

    def test_an_unknown_policy_is_named_with_a_suggestion(self, echo: PolicyPack) -> None:
        with pytest.raises(PolicyConfigError) as raised:
            echo.configure({"echo-resourse": "advisory"})

        assert str(raised.value) == (
            "invalid policy configuration:\n  'echo-resourse' is not a policy of this pack; did you mean "
            '\'echo-resource\'? use a policy name or \'all\', e.g. {"echo-resource": {"enforcementLevel": "advisory"}}'
        )

    def test_an_unknown_level_is_named(self, echo: PolicyPack) -> None:
        with pytest.raises(PolicyConfigError) as raised:
            echo.configure({"echo-stack": {"enforcementLevel": "warn"}})

        assert (
            "echo-stack.enforcementLevel: 'warn' is not an enforcement level; expected one of mandatory, advisory, "
            in str(raised.value)
        )

    def test_a_property_of_the_wrong_type_is_named(self, echo: PolicyPack) -> None:
        with pytest.raises(PolicyConfigError) as raised:
            echo.configure({"echo-resource": {"limit": "three"}})

        assert "echo-resource.limit: 'three' is not of type 'integer'" in str(raised.value)


def test_the_stack_environment_comes_from_configure_stack(echo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "leaked-from-the-caller")
    with PolicyPack(echo_dir, timeout=30) as pack:
        pack.configure_stack(stack="dev", project="p")

        assert seen(pack.analyze(resource()))["stack"] == "dev"  # type: ignore[index]
