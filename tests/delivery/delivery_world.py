"""Every stack, example and component configuration rendered under the gate's mocks, and the pack's delivery
checks run over them in-process, recording each request the delivery model lists and the evaluator's verdict.
"""

from __future__ import annotations

import json
import runpy
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from trailguard_gate.mocks import MockAccount, PlausibleMocks, render
from trailguard_gate.model import Resource
from trailguard_gate.render import mock_account

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "policies"))

from trailguard_policies import delivery, iam, service_delivery  # noqa: E402
from trailguard_policies import delivery_model as model  # noqa: E402
from trailguard_policies.framework import Violation  # noqa: E402
from trailguard_policies.framework import run as run_checks  # noqa: E402
from trailguard_policies.resources import Res  # noqa: E402
from trailguard_policies.stack import Stack  # noqa: E402
from trailguard_policies.values import NotKnown  # noqa: E402


def _config(path: Path) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8"))["config"])


def _render(
    main: Path, project: str, stack: str, config: Mapping[str, Any], outputs: Mapping[str, Any] | None = None
) -> list[Resource]:
    return list(_rendering(main, project, stack, config, outputs).resources)


def _rendering(
    main: Path, project: str, stack: str, config: Mapping[str, Any], outputs: Mapping[str, Any] | None = None
) -> Any:
    return render(
        lambda: runpy.run_path(str(main), run_name="__main__"),
        project=project,
        stack=stack,
        config=dict(config),
        mocks=PlausibleMocks(MockAccount(**mock_account(dict(config))), stack_outputs=outputs),
    )


def _stack(name: str, overrides: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> list[Resource]:
    config = _config(REPO / "stacks" / f"Pulumi.{name}.yaml")
    return _render(REPO / "__main__.py", "trailguard", name, overrides(config) if overrides else config)


def _example(example: str, stack: str) -> list[Resource]:
    project = REPO / "examples" / example
    name = yaml.safe_load((project / "Pulumi.yaml").read_text(encoding="utf-8"))["name"]
    return _render(project / "__main__.py", name, stack, _config(project / f"Pulumi.{stack}.yaml"))


def _single_account(config: dict[str, Any]) -> dict[str, Any]:
    config = {k: v for k, v in config.items() if k != "trailguard:organizationId"}
    config["trailguard:trail"] = {**config["trailguard:trail"], "isOrganizationTrail": False}
    return config


LOG_ARCHIVE_STACK = "organization/trailguard/log-archive"


def _archive() -> Any:
    return _rendering(
        REPO / "__main__.py", "trailguard", "log-archive", _config(REPO / "stacks" / "Pulumi.log-archive.yaml")
    )


def _management(archive: Any) -> list[Resource]:
    """The management stack, its StackReference to the log archive answered with that stack's mocked outputs."""
    config = _config(REPO / "stacks" / "Pulumi.management.yaml")
    return _render(REPO / "__main__.py", "trailguard", "management", config, {LOG_ARCHIVE_STACK: archive.outputs})


def _organization() -> list[Resource]:
    """The log archive account's stack and the management account's, as one organization."""
    archive = _archive()
    return [*archive.resources, *_management(archive)]


def _event_rules(config: dict[str, Any]) -> dict[str, Any]:
    return {**config, "trailguard:alarms": {**config["trailguard:alarms"], "eventRules": True}}


CONFIGURATIONS: dict[str, Callable[[], list[Resource]]] = {
    # organization trail, bucket, key, log group, alarms, notifications, Insights in one account
    "dev": lambda: _stack("dev"),
    "dev as a single-account trail": lambda: _stack("dev", _single_account),
    # EventBridge rules beside the alarms, notifying the same encrypted topic
    "dev with EventBridge rules": lambda: _stack("dev", _event_rules),
    # the log archive account: bucket with Object Lock and replication, key, access logs
    "log-archive": lambda: _stack("log-archive"),
    # the management account: the trail, log group and alarms; bucket and key in the log archive
    "management": lambda: _management(_archive()),
    "log-archive and management as one organization": _organization,
    "examples/delegated-admin": lambda: _example("delegated-admin", "management"),
    "examples/lake": lambda: _example("lake", "security"),
    "examples/python-consumer": lambda: _example("python-consumer", "management"),
}


def to_res(resource: Resource) -> Res:
    """A `Res` as AnalyzeStack builds it: the outputs when known (else the inputs), links and provider."""
    return Res(
        urn=resource.urn,
        type=resource.type,
        name=resource.name,
        props=dict(resource.outputs if resource.outputs is not None else resource.properties),
        parent=resource.parent,
        dependencies=tuple(resource.dependencies),
        property_dependencies={k: tuple(v) for k, v in resource.property_dependencies.items()},
        provider=dict(resource.provider_properties or {}),
    )


@dataclass(frozen=True)
class Judged:
    """One request of the model as the pack's evaluator judged it over a rendered stack."""

    policy: str
    call: model.Call
    verdict: iam.Tri
    unknown_keys: frozenset[str]


CHECKS: dict[str, Callable[[Stack], Iterator[tuple[Res, Callable[[], Any]]]]] = {}


def _register() -> None:
    def per_trail(fn: Callable[[Stack, Res], Any]) -> Callable[[Stack], Iterator[tuple[Res, Callable[[], Any]]]]:
        return lambda stack: ((t, lambda t=t: fn(stack, t)) for t in stack.trails)

    def per(types: str | frozenset[str], fn: Callable[[Stack, Res], Any]) -> Callable[[Stack], Any]:
        return lambda stack: ((r, lambda r=r: fn(stack, r)) for r in stack.of_type(types))

    sd = service_delivery
    CHECKS.update(
        {
            delivery.BUCKET_SPEC.name: per_trail(delivery.bucket_delivery),
            delivery.KEY_SPEC.name: per_trail(delivery.key_delivery),
            delivery.ROLE_SPEC.name: per_trail(delivery.role_delivery),
            sd.TOPIC_SPEC.name: per(sd.TOPIC, sd.topic_delivery),
            f"{sd.KEY_SPEC.name} (topics)": per(sd.TOPIC, sd.topic_key_delivery),
            f"{sd.KEY_SPEC.name} (log groups)": per(sd.LOG_GROUP, sd.log_group_key_delivery),
            f"{sd.KEY_SPEC.name} (event data stores)": per(sd.EVENT_DATA_STORE, sd.lake_key_delivery),
            sd.ACCESS_SPEC.name: per(sd.BUCKET_LOGGING, sd.access_log_delivery),
            sd.REPLICATION_SPEC.name: per(sd.REPLICATION, sd.replication_delivery),
        }
    )


_register()


@contextmanager
def recording(into: list[Judged], policy: list[str]) -> Iterator[None]:
    """Record every (call, verdict) the delivery checks judge, by wrapping the one `judge` both modules use."""
    original = delivery.judge

    def spy(calls: Any, against: delivery.Against, missing: str, urn: str) -> Iterator[Violation]:
        calls = list(calls)
        for call in calls:
            keys = frozenset(delivery._unknown_keys(call, against))
            into.append(Judged(policy[0], call, against.verdict(call), keys))
        return original(calls, against, missing, urn)

    delivery.judge = spy  # type: ignore[assignment]
    service_delivery.judge = spy  # type: ignore[assignment]
    try:
        yield
    finally:
        delivery.judge = original  # type: ignore[assignment]
        service_delivery.judge = original  # type: ignore[assignment]


@dataclass
class Outcome:
    judged: list[Judged]
    findings: dict[str, list[Violation]]
    notes: dict[str, list[str]]


def check(resources: Sequence[Resource]) -> Outcome:
    """Every delivery check over a rendered stack: the requests judged, the findings and the notes per policy."""
    stack = Stack([to_res(r) for r in resources])
    judged: list[Judged] = []
    findings: dict[str, list[Violation]] = {}
    notes: dict[str, list[str]] = {}
    current = [""]
    with recording(judged, current):
        for name, checks in CHECKS.items():
            current[0] = name
            found, unknown = run_checks(list(checks(stack)))
            findings[name] = found
            notes[name] = [what for _, what in unknown]
    return Outcome(judged, findings, notes)


def documents(resources: Sequence[Resource]) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(index of the resource, property, parsed document) of every policy document the stack registers."""
    for index, resource in enumerate(resources):
        for prop in ("policy", "assumeRolePolicy"):
            value = resource.properties.get(prop)
            if isinstance(value, str) and value.startswith("{"):
                yield index, prop, json.loads(value)


def with_document(resources: Sequence[Resource], index: int, prop: str, doc: dict[str, Any]) -> list[Resource]:
    out = list(resources)
    old = out[index]
    outputs = {**old.outputs, prop: json.dumps(doc)} if old.outputs is not None else None
    out[index] = replace(old, properties={**old.properties, prop: json.dumps(doc)}, outputs=outputs)
    return out


def for_a_service(statement: dict[str, Any], resource: Resource) -> bool:
    """Statements the components write for an AWS service: service-principal grants, and every statement of the
    roles AWS services assume (CloudTrail's CloudWatch Logs role, S3's replication role)."""
    principal = statement.get("Principal")
    if statement.get("Effect") != "Allow":
        return False
    if isinstance(principal, dict) and "Service" in principal:
        return True
    return resource.type == "aws:iam/rolePolicy:RolePolicy"


PACK_BUG = "this is a bug in the policy pack"


def pack_bugs(messages: Sequence[str]) -> list[str]:
    """The messages saying the pack itself failed: robustness tests fail on any."""
    return [m for m in messages if PACK_BUG in m]


__all__ = ["NotKnown"]
