"""Run a Pulumi program under the SDK's runtime mocks and record what it registers, as the engine would see it.

There is no Pulumi CLI, provider plugin or AWS account behind this: `PlausibleMocks` answers every resource
registration with outputs derived from its inputs (ids, names and ARNs in AWS's own formats), so references
between resources resolve to the values a real deployment would produce, and `RecordingMonitor` keeps each
registration request (inputs, parent, dependencies, property dependencies, options) for the policy pack,
checkov and the tests.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
import pulumi.runtime
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from trailguard_gate.model import Resource, ResourceOptions
from trailguard_policies.resources import (
    ALIAS,
    BUCKETS,
    EVENT_DATA_STORE,
    KEY,
    LOG_GROUP,
    MANAGED_POLICY,
    METRIC_ALARM,
    ROLE,
    TRAIL,
)

# Types the mocks answer that no policy reads.
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
TOPIC = "aws:sns/topic:Topic"


@dataclass(frozen=True)
class MockAccount:
    """The AWS identity the mocks pretend to run as."""

    account_id: str = "111111111111"
    region: str = "us-east-1"
    partition: str = "aws"
    organization_id: str = "o-a1b2c3d4e5"
    management_account_id: str = "111111111111"


def _suffix(*parts: str) -> str:
    """A short stable suffix, like Pulumi's auto-naming, but deterministic across runs."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:7]


# (service, resource path template) by type token; `{name}` is the physical name, `{id}` the physical id.
_ARN_FORMATS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(BUCKETS, ("s3", "{name}")),
    KEY: ("kms", "key/{id}"),
    ALIAS: ("kms", "{name}"),
    TRAIL: ("cloudtrail", "trail/{name}"),
    EVENT_DATA_STORE: ("cloudtrail", "eventdatastore/{id}"),
    LOG_GROUP: ("logs", "log-group:{name}"),
    METRIC_ALARM: ("cloudwatch", "alarm:{name}"),
    EVENT_RULE: ("events", "rule/{name}"),
    ROLE: ("iam", "role/{name}"),
    MANAGED_POLICY: ("iam", "policy/{name}"),
    TOPIC: ("sns", "{name}"),
}
_GLOBAL_SERVICES = {"s3", "iam"}
_NO_REGION_NO_ACCOUNT = {"s3"}

# The input that carries a resource's physical name, by type token, when it is not `name`.
_NAME_INPUTS: dict[str, str] = {**dict.fromkeys(BUCKETS, "bucket"), TOPIC: "name"}


StackOutputs = Callable[[str], Mapping[str, Any] | None]
"""Answers a `StackReference` by the referenced stack's name with that stack's outputs, or None if unknown."""


class UnresolvedStackReference(LookupError):
    """A program referenced a stack whose outputs the gate cannot know."""


class PlausibleMocks(pulumi.runtime.Mocks):
    """Answers registrations and invokes with values in AWS's formats, derived from the inputs.

    `stack_outputs` answers `pulumi.StackReference`s: a mapping from stack name to its outputs, or a function
    (the gate renders the referenced stack of the same project under mocks and returns what it exports).
    """

    def __init__(
        self,
        account: MockAccount | None = None,
        *,
        stack_outputs: StackOutputs | Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.account = account or MockAccount()
        self._stack_outputs = stack_outputs

    def referenced_stack_outputs(self, name: str) -> dict[str, Any]:
        source = self._stack_outputs
        outputs = source(name) if callable(source) else (source or {}).get(name)
        if outputs is None:
            raise UnresolvedStackReference(
                f"StackReference {name!r}: the gate cannot know that stack's outputs offline; reference a stack "
                "of the same project (it is rendered under mocks too), e.g. pulumi.StackReference('log-archive')"
            )
        return dict(outputs)

    def arn(self, service: str, resource: str, *, region: str | None = None) -> str:
        a = self.account
        if service in _NO_REGION_NO_ACCOUNT:
            return f"arn:{a.partition}:{service}:::{resource}"
        reg = "" if service in _GLOBAL_SERVICES else (region or a.region)
        return f"arn:{a.partition}:{service}:{reg}:{a.account_id}:{resource}"

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        if args.typ == "pulumi:pulumi:StackReference":
            name = str(inputs.get("name") or args.name)
            return name, {"name": name, "outputs": self.referenced_stack_outputs(name), "secretOutputNames": []}
        if not args.custom:
            return None, inputs
        token = args.typ
        name_input = _NAME_INPUTS.get(token, "name")
        physical = inputs.get(name_input)
        if not isinstance(physical, str) or not physical:
            prefix = inputs.get(f"{name_input}Prefix")
            base = prefix if isinstance(prefix, str) and prefix else f"{args.name}-"
            physical = f"{base}{_suffix(token, args.name)}"
        outputs: dict[str, Any] = {**inputs, name_input: physical}
        physical_id = physical
        region = inputs.get("region") if isinstance(inputs.get("region"), str) else None
        if token == KEY:
            digest = hashlib.sha256(f"{token}/{args.name}".encode()).hexdigest()
            physical_id = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
            outputs["keyId"] = physical_id
        elif token == EVENT_DATA_STORE:
            physical_id = hashlib.sha256(f"{token}/{args.name}".encode()).hexdigest()[:36]
        if token in _ARN_FORMATS:
            service, template = _ARN_FORMATS[token]
            arn = self.arn(service, template.format(name=physical, id=physical_id), region=region)
            outputs["arn"] = arn
            if token in (TRAIL, EVENT_DATA_STORE, TOPIC):
                physical_id = arn
        if token.startswith("aws:s3/bucket"):
            outputs["bucketDomainName"] = f"{physical}.s3.amazonaws.com"
            outputs["bucketRegionalDomainName"] = f"{physical}.s3.{region or self.account.region}.amazonaws.com"
        if token == ROLE:
            outputs["uniqueId"] = "AROA" + _suffix(token, args.name).upper() * 2
        return physical_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        a = self.account
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": a.account_id,
                "arn": f"arn:{a.partition}:iam::{a.account_id}:role/deployer",
                "userId": "AROAEXAMPLE:deployer",
                "id": a.account_id,
            }
        if token == "aws:index/getPartition:getPartition":
            suffix = "amazonaws.com.cn" if a.partition == "aws-cn" else "amazonaws.com"
            return {
                "partition": a.partition,
                "dnsSuffix": suffix,
                "reverseDnsPrefix": ".".join(reversed(suffix.split("."))),
                "id": a.partition,
            }
        if token == "aws:index/getRegion:getRegion":
            region = args.args.get("region") or a.region
            return {
                "region": region,
                "name": region,
                "id": region,
                "endpoint": f"ec2.{region}.amazonaws.com",
                "description": region,
            }
        if token == "aws:organizations/getOrganization:getOrganization":
            return {
                "id": a.organization_id,
                "arn": f"arn:{a.partition}:organizations::{a.management_account_id}:organization/{a.organization_id}",
                "masterAccountId": a.management_account_id,
                "featureSet": "ALL",
            }
        if token == "aws:index/getServicePrincipal:getServicePrincipal":
            service = str(args.args.get("serviceName", ""))
            region = str(args.args.get("region") or a.region)
            suffix = "amazonaws.com.cn" if a.partition == "aws-cn" else "amazonaws.com"
            return {"id": service, "name": f"{service}.{suffix}", "region": region, "suffix": suffix}
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            names = [f"{a.region}{letter}" for letter in "abc"]
            return {"id": a.region, "names": names, "zoneIds": [f"use1-az{i}" for i in (1, 2, 3)], "groupNames": []}
        if token == "aws:iam/getSessionContext:getSessionContext":
            arn = str(args.args.get("arn", ""))
            return {"arn": arn, "issuerArn": arn, "issuerId": "", "issuerName": "", "sessionName": "", "id": arn}
        if token == "aws:iam/getPolicyDocument:getPolicyDocument":
            document = policy_document(args.args)
            return {
                "json": json.dumps(document, indent=2),
                "minifiedJson": json.dumps(document, separators=(",", ":")),
                "id": _suffix(json.dumps(document, sort_keys=True)),
            }
        raise NotImplementedError(
            f"no mock answers the invoke {token!r}; add it to trailguard_gate.mocks.PlausibleMocks.call"
        )


def _one_or_many(values: Any) -> Any:
    """Terraform's aws_iam_policy_document writes a single value as a string and several as a sorted list."""
    items = list(values or [])
    return items[0] if len(items) == 1 else items


def policy_document(args: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON document `aws.iam.get_policy_document` returns for these arguments, as Terraform renders it.

    Statements with the same `sid` in `overridePolicyDocuments` replace the generated ones, as the data source does.
    """
    statements: list[dict[str, Any]] = []
    for source in args.get("sourcePolicyDocuments") or []:
        statements.extend(json.loads(source).get("Statement", []))
    for st in args.get("statements") or []:
        rendered: dict[str, Any] = {}
        if st.get("sid"):
            rendered["Sid"] = st["sid"]
        rendered["Effect"] = st.get("effect") or "Allow"
        for key, out in (("actions", "Action"), ("notActions", "NotAction")):
            if st.get(key):
                rendered[out] = _one_or_many(st[key])
        for key, out in (("resources", "Resource"), ("notResources", "NotResource")):
            if st.get(key):
                rendered[out] = _one_or_many(st[key])
        for key, out in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            if st.get(key):
                principals: dict[str, Any] = {}
                for p in st[key]:
                    if p.get("type") == "*" and p.get("identifiers") == ["*"]:
                        principals = {"*": "*"}
                        break
                    principals[p["type"]] = _one_or_many(p.get("identifiers"))
                rendered[out] = "*" if principals == {"*": "*"} else principals
        if st.get("conditions"):
            conditions: dict[str, dict[str, Any]] = {}
            for c in st["conditions"]:
                conditions.setdefault(c["test"], {})[c["variable"]] = _one_or_many(c.get("values"))
            rendered["Condition"] = conditions
        statements = [s for s in statements if not rendered.get("Sid") or s.get("Sid") != rendered["Sid"]]
        statements.append(rendered)
    for override in args.get("overridePolicyDocuments") or []:
        for st in json.loads(override).get("Statement", []):
            statements = [s for s in statements if not st.get("Sid") or s.get("Sid") != st["Sid"]]
            statements.append(st)
    document: dict[str, Any] = {"Version": args.get("version") or "2012-10-17"}
    if args.get("policyId"):
        document["Id"] = args["policyId"]
    document["Statement"] = statements
    return document


@dataclass
class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, keeping every registration request as a `Resource`."""

    mocks: pulumi.runtime.Mocks
    recorded: list[Resource] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.mocks)

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine qualifies a child's type with its parent's whole qualified type (`A$B$child`) and leaves the
        # root stack out; the SDK's mock keeps only the parent's last type and keeps the stack.
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != "pulumi:pulumi:Stack":
                type_ = f"{parent_type}${type_}"
        return str(super().make_urn("", type_, name))

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            resource = _resource_from_request(request, response.urn, json_format.MessageToDict(response.object))
            if resource.provider_urn is not None:
                provider = next((r for r in reversed(self.recorded) if r.urn == resource.provider_urn), None)
                if provider is not None:
                    resource = replace(resource, provider_properties=dict(provider.properties))
            self.recorded.append(resource)
        return response


def _resource_from_request(request: Any, urn: str, outputs: dict[str, Any] | None = None) -> Resource:
    position = request.sourcePosition if request.HasField("sourcePosition") else None
    source = f"{position.uri.removeprefix('file://')}:{position.line}" if position and position.uri else None
    aliases = tuple(spec.urn or spec.spec.name for spec in request.aliases)
    return Resource(
        urn=urn,
        type=request.type,
        name=request.name,
        properties=json_format.MessageToDict(request.object),
        custom=bool(request.custom),
        parent=request.parent or None,
        dependencies=tuple(sorted(request.dependencies)),
        property_dependencies={k: tuple(sorted(v.urns)) for k, v in request.propertyDependencies.items()},
        options=ResourceOptions(
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            ignore_changes=tuple(request.ignoreChanges),
            delete_before_replace=bool(request.deleteBeforeReplace),
            aliases=tuple(a for a in aliases if a),
            additional_secret_outputs=tuple(request.additionalSecretOutputs),
        ),
        # A provider reference is `<provider urn>::<provider id>`.
        provider_urn=request.provider.rsplit("::", 1)[0] if request.provider else None,
        source=source,
        outputs=outputs,
    )


@dataclass(frozen=True)
class Rendering:
    """What a program registered under mocks, and what it exported."""

    resources: list[Resource]
    outputs: dict[str, Any]

    def by_type(self, token: str) -> list[Resource]:
        return [r for r in self.resources if r.type == token]

    def one(self, token: str) -> Resource:
        found = self.by_type(token)
        if len(found) != 1:
            raise AssertionError(f"expected exactly one {token}, found {[r.name for r in found]}")
        return found[0]

    def named(self, name: str) -> Resource:
        for r in self.resources:
            if r.name == name:
                return r
        raise KeyError(f"no resource named {name!r}; registered: {[r.name for r in self.resources]}")


def render(
    program: Callable[[], None],
    *,
    project: str = "trailguard",
    stack: str = "test",
    config: Mapping[str, Any] | None = None,
    mocks: pulumi.runtime.Mocks | None = None,
    secret_keys: Sequence[str] = (),
) -> Rendering:
    """Run `program` as a Pulumi stack program under mocks and return what it registered and exported.

    `config` holds fully qualified keys (`trailguard:organizationId`) with the values a stack file holds
    (structured values as Python objects; they reach the program JSON-encoded, as the CLI passes them).
    `secret_keys` name the config keys the stack file holds as secrets. Exceptions from the program propagate
    unchanged.
    """
    monitor = RecordingMonitor(mocks or PlausibleMocks())
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # The SDK's mock monitor runs each RPC on the loop's default executor and, on an invoke, opens an event loop
    # in that worker thread which it never closes. Give every worker its loop up front and close them all after.
    worker_loops: list[asyncio.AbstractEventLoop] = []

    def give_worker_a_loop() -> None:
        worker_loop = asyncio.new_event_loop()
        asyncio.set_event_loop(worker_loop)
        worker_loops.append(worker_loop)

    executor = ThreadPoolExecutor(thread_name_prefix="trailguard-mocks", initializer=give_worker_a_loop)
    loop.set_default_executor(executor)
    try:
        pulumi_settings.reset_options(project=project, stack=stack)
        pulumi.runtime.set_all_config(
            {k: v if isinstance(v, str) else json.dumps(v) for k, v in (config or {}).items()},
            list(secret_keys),
        )
        pulumi_settings.SETTINGS.rpc_manager.clear()
        pulumi_settings.SETTINGS.outputs.clear()
        # set_mocks makes the root Stack that the program's resources and exports attach to.
        pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=False, monitor=monitor)
        _sync_await(run_pulumi_func(program))
        root = pulumi_settings.get_root_resource()
        exports: dict[str, Any] = dict(getattr(root, "outputs", None) or {})
        outputs = {k: _sync_await(pulumi.Output.from_input(v).future()) for k, v in exports.items()}
    finally:
        asyncio.set_event_loop(None)
        loop.close()
        executor.shutdown(wait=True)
        for worker_loop in worker_loops:
            worker_loop.close()
    return Rendering(resources=list(monitor.recorded), outputs=outputs)
