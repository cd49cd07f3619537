"""How every trailguard policy is built: pure checks over plain resources, and one thin layer that reports.

A policy module supplies a `Spec` (name, level, severity, mappings, docs) and checks: functions over `Res`
(and, for stack policies, the `Stack` index) yielding `Violation`s. This module turns them into pulumi-policy
objects that

- filter by type token before touching any property (most resources concern no policy here),
- honour the `exclude` config (each entry must carry a `reason`; one without is reported, not honoured),
- turn `Malformed` values into violations of the policy that needed them and any unexpected error into a
  violation naming the bug, so nothing ever raises out of the pack (a crash fails every preview),
- turn `NotKnown` values into one advisory note listing what could not be checked until update, raised
  only after every other check has run and reported. The SDK reports an `UnknownValueError` as an
  advisory "can't run policy ... during preview" diagnostic (pulumi_policy/policy.py, `Analyze`); raising
  it last, with our own message, keeps the mandatory findings of the known parts at their level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from trailguard_policies import iam
from trailguard_policies.resources import Res, res_from_args, res_from_policy_resource
from trailguard_policies.stack import Stack, referrer_from_policy_resource
from trailguard_policies.values import Malformed, NotInStack, NotKnown, Outside, as_int, describe, plain

BUG_REPORT = "https://github.com/trailguard/trailguard/issues"


@dataclass(frozen=True)
class Violation:
    """What is wrong (and which argument fixes it); `urn` names the resource when it is not the judged one."""

    message: str
    urn: str | None = None


Check = Callable[[], Iterable[Violation]]
"""One independent check: run lazily so an unknown or malformed value stops only this check."""


@dataclass(frozen=True)
class Mappings:
    """The controls of public benchmarks and scanners a policy corresponds to (all verified, none guessed)."""

    cis: tuple[tuple[str, str], ...] = ()
    """(CIS AWS Foundations Benchmark version, control id), e.g. ("1.4.0", "3.1")."""
    security_hub: tuple[str, ...] = ()
    """AWS Security Hub control ids, e.g. "CloudTrail.1"."""
    aws_config: tuple[str, ...] = ()
    """AWS Config managed rule identifiers, e.g. "multi-region-cloudtrail-enabled"."""
    checkov: tuple[str, ...] = ()
    """checkov check ids, e.g. "CKV_AWS_67"."""

    def tags(self) -> list[str]:
        tags = [f"cis-{version}:{control}" for version, control in self.cis]
        tags += [f"security-hub:{c}" for c in self.security_hub]
        tags += [f"aws-config:{r}" for r in self.aws_config]
        tags += [f"checkov:{c}" for c in self.checkov]
        return tags or ["unmapped"]

    def framework(self) -> PolicyComplianceFramework | None:
        if not self.cis:
            return None
        version, control = self.cis[0]
        return PolicyComplianceFramework(
            name="CIS AWS Foundations Benchmark", version=version, reference=control, specification="cis-aws"
        )


@dataclass(frozen=True)
class Spec:
    """Everything about a policy except its checks."""

    name: str
    description: str
    level: EnforcementLevel
    severity: Severity
    url: str
    remediation_steps: str
    mappings: Mappings = Mappings()
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """JSON-schema properties of the policy's own settings (besides `exclude`), each with a `default`."""


EXCLUDE_EXAMPLE = '{"resource": "legacy-trail", "reason": "replaced by the organization trail in Q3"}'
EXCLUDE_SCHEMA: dict[str, Any] = {
    "type": "array",
    "description": (
        "Resources this policy does not judge: each entry names a resource (its name, or a URN pattern with * "
        f"wildcards) and says why, e.g. {EXCLUDE_EXAMPLE}."
    ),
    "items": {
        "type": "object",
        "properties": {
            "resource": {"type": "string", "minLength": 1, "description": "A resource name or URN pattern."},
            "reason": {"type": "string", "minLength": 1, "description": "Why this resource is exempt."},
        },
        "required": ["resource", "reason"],
        "additionalProperties": False,
    },
    "default": [],
}


@dataclass(frozen=True)
class Exclusion:
    index: int
    resource: str
    reason: str | None

    def matches(self, name: str, urn: str) -> bool:
        return (
            self.resource == name
            or bool(iam.match(self.resource, iam.known(urn)))
            or bool(iam.match(self.resource, iam.known(name)))
        )


class Settings:
    """A policy's configuration as the engine passed it, read defensively: bad values never raise."""

    def __init__(self, spec: Spec, config: Mapping[str, Any] | None) -> None:
        self.spec = spec
        self.config = plain(config) if config else {}
        self.problems: list[str] = []
        self.exclusions = self._exclusions()

    def _exclusions(self) -> list[Exclusion]:
        raw = self.config.get("exclude") or []
        if not isinstance(raw, list):
            self.problems.append(f"`exclude` is {describe(raw)}; expected a list such as [{EXCLUDE_EXAMPLE}]")
            return []
        found = []
        for index, entry in enumerate(raw):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            reason = entry.get("reason") if isinstance(entry, dict) else None
            if not isinstance(resource, str) or not resource:
                self.problems.append(
                    f"`exclude` entry {index} is {describe(entry)}; expected an object such as {EXCLUDE_EXAMPLE}"
                )
                continue
            found.append(Exclusion(index, resource, reason if isinstance(reason, str) and reason.strip() else None))
        return found

    def number(self, key: str) -> int:
        default = int(self.spec.settings[key]["default"])
        value = self.config.get(key, default)
        number = as_int(value)
        if number is None or number < int(self.spec.settings[key].get("minimum", 0)):
            self.problems.append(f"setting `{key}` is {describe(value)}; expected a whole number such as {default}")
            return default
        return number

    def strings(self, key: str) -> list[str]:
        default = list(self.spec.settings[key]["default"])
        value = self.config.get(key, default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.append(f"setting `{key}` is {describe(value)}; expected a list of strings")
            return default
        return value

    def excluded(self, name: str, urn: str) -> bool:
        return any(e.reason is not None and e.matches(name, urn) for e in self.exclusions)

    def reasonless(self, name: str, urn: str) -> list[Exclusion]:
        return [e for e in self.exclusions if e.reason is None and e.matches(name, urn)]


def run(checks: Iterable[tuple[Res, Check]]) -> tuple[list[Violation], list[tuple[str, str]]]:
    """Run each check on its own: findings (with the URN they concern) and (URN, what) not known yet."""
    findings: list[Violation] = []
    unknown: list[tuple[str, str]] = []
    for subject, check in checks:
        try:
            for finding in check():
                findings.append(finding if finding.urn else Violation(finding.message, subject.urn))
        except NotInStack as signal:
            unknown.append((subject.urn, Outside(signal.what)))
        except NotKnown as signal:
            unknown.append((subject.urn, signal.what))
        except Malformed as signal:
            findings.append(Violation(signal.message, subject.urn))
        except Exception as error:
            findings.append(
                Violation(
                    f"trailguard could not evaluate {subject.label} ({type(error).__name__}: {error}); "
                    f"this is a bug in the policy pack, please report it at {BUG_REPORT}",
                    subject.urn,
                )
            )
    return findings, unknown


def _report(
    spec: Spec,
    settings: Settings,
    findings: list[Violation],
    unknown: list[tuple[str, str]],
    names: Mapping[str, str],
    report_violation: Callable[[str, str | None], None],
    urn_for_report: Callable[[str], str | None],
) -> None:
    flagged: dict[str, None] = {}
    for finding in dict.fromkeys(findings):  # two checks reading the same malformed value report it once
        urn = finding.urn or ""
        name = names.get(urn, urn.rsplit("::", 1)[-1])
        if settings.excluded(name, urn):
            continue
        flagged[urn] = None
        report_violation(finding.message, urn_for_report(urn))
    for urn in flagged:
        name = names.get(urn, urn.rsplit("::", 1)[-1])
        for entry in settings.reasonless(name, urn):
            report_violation(
                f"exclude entry {entry.index} ({entry.resource!r}) of policy {spec.name} has no `reason`, so it is "
                f"ignored: every exclusion must say why, e.g. {EXCLUDE_EXAMPLE}",
                urn_for_report(urn),
            )
    for problem in dict.fromkeys(settings.problems):
        report_violation(f"the configuration of policy {spec.name} is invalid: {problem}", None)
    notes = [what for urn, what in unknown if not settings.excluded(names.get(urn, ""), urn)]
    if notes:
        later = [n for n in dict.fromkeys(notes) if not isinstance(n, Outside)]
        elsewhere = [n for n in dict.fromkeys(notes) if isinstance(n, Outside)]
        parts = (
            [f"could not check until update, because {'; '.join(later)} is not known during preview"] if later else []
        )
        parts += [f"did not check {n}" for n in elsewhere]
        error = UnknownValueError(UNKNOWN_STRING_VALUE, [])
        error.message = f"{'; '.join(parts)}; everything else was checked"
        raise error


def _schema(spec: Spec) -> PolicyConfigSchema:
    return PolicyConfigSchema(properties={"exclude": EXCLUDE_SCHEMA, **{k: dict(v) for k, v in spec.settings.items()}})


def _common(spec: Spec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "description": spec.description,
        "enforcement_level": spec.level,
        "config_schema": _schema(spec),
        "severity": spec.severity,
        "framework": spec.mappings.framework(),
        "tags": spec.mappings.tags(),
        "remediation_steps": spec.remediation_steps,
        "url": spec.url,
    }


ResourceChecks = Callable[[Res, Settings], Iterable[Check]]
StackChecks = Callable[[Stack, Settings], Iterable[tuple[Res, Check]]]
Fix = Callable[[Res], Mapping[str, Any] | None]


def resource_policy(
    spec: Spec, types: Iterable[str], checks: ResourceChecks, fix: Fix | None = None
) -> ResourceValidationPolicy:
    """A policy judging each resource of `types` on its own; `fix` returns the properties a remediation sets."""
    wanted = frozenset(types)

    def validate(args: Any, report_violation: Callable[[str, str | None], None]) -> None:
        if args.resource_type not in wanted:
            return
        res = res_from_args(args)
        settings = Settings(spec, args.get_config())
        findings, unknown = run((res, check) for check in checks(res, settings))
        _report(spec, settings, findings, unknown, {res.urn: res.name}, report_violation, lambda _: None)

    def remediate(args: Any) -> Mapping[str, Any] | None:
        if fix is None or args.resource_type not in wanted:
            return None
        settings = Settings(spec, args.get_config())
        if settings.excluded(args.name, args.urn):
            return None
        try:
            changes = fix(res_from_args(args))
        except Exception:
            return None
        if not changes:
            return None
        props = args.props
        for key, value in changes.items():
            props[key] = value
        return props  # type: ignore[no-any-return]

    # The SDK's annotation wants an awaitable, but its Remediate accepts a plain mapping (policy.py, `Remediate`).
    remediation = cast(Any, remediate) if fix else None
    return ResourceValidationPolicy(validate=_guarded(validate), remediate=remediation, **_common(spec))


def stack_policy(
    spec: Spec, types: Iterable[str], checks: StackChecks, *, referrers: bool = False
) -> StackValidationPolicy:
    """A policy judging the stack as a whole; resources of `types` are indexed in full, and with `referrers`
    every other resource is kept too, reduced to its links and top-level strings."""
    wanted = frozenset(types)

    def validate(args: Any, report_violation: Callable[[str, str | None], None]) -> None:
        settings = Settings(spec, args.get_config())
        stack = Stack(
            (res_from_policy_resource(r) for r in args.resources if r.resource_type in wanted),
            (referrer_from_policy_resource(r) for r in args.resources if r.resource_type not in wanted)
            if referrers
            else (),
        )
        try:
            pairs = list(checks(stack, settings))
        except Exception as error:
            pairs = [(_STACK, _failing(error))]
        findings, unknown = run(pairs)
        names = {r.urn: r.name for r in stack.resources}
        _report(spec, settings, findings, unknown, names, report_violation, lambda urn: urn or None)

    return StackValidationPolicy(validate=_guarded(validate), **_common(spec))


_STACK = Res(urn="", type="stack", name="the stack", props={})

Validate = Callable[[Any, Callable[[str, str | None], None]], None]


def _guarded(validate: Validate) -> Validate:
    """The last line of defence: whatever escapes the checks becomes a violation naming the bug, never a crash."""

    def guarded(args: Any, report_violation: Callable[[str, str | None], None]) -> None:
        try:
            validate(args, report_violation)
        except UnknownValueError:
            raise  # the advisory note of what could not be checked, reported by the SDK
        except Exception as error:
            report_violation(
                f"trailguard could not evaluate this policy ({type(error).__name__}: {error}); this is a bug in the "
                f"policy pack, please report it at {BUG_REPORT}",
                None,
            )

    return guarded


def _failing(error: Exception) -> Check:
    def check() -> Iterable[Violation]:
        raise error

    return check
