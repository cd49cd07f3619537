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

from trailguard_gate.model import UNKNOWN, Resource, ResourceOptions
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
from trailguard_policies.values import SIG_KEY

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
        invoke_results: Mapping[str, Mapping[str, Any]] | None = None,
        strict_stack_references: bool = True,
    ) -> None:
        self.account = account or MockAccount()
        self._stack_outputs = stack_outputs
        self._invoke_results = dict(invoke_results or {})
        self._strict = strict_stack_references
        self.unanswered: list[str] = []
        """The tokens of the invokes answered with an empty result, in the order the program made them."""
        self.unknown_stacks: list[str] = []
        """The referenced stacks whose outputs are unknown (only when `strict_stack_references` is off)."""

    def referenced_stack_outputs(self, name: str) -> dict[str, Any] | None:
        """The referenced stack's outputs; None (unknown, as in a preview) where nobody supplied them."""
        source = self._stack_outputs
        outputs = source(name) if callable(source) else (source or {}).get(name)
        if outputs is None:
            if self._strict:
                raise UnresolvedStackReference(
                    f"StackReference {name!r}: the gate cannot know that stack's outputs offline; supply them "
                    "with --mocks (stacks: {name: {output: value}}) or reference a stack of the same project"
                )
            self.unknown_stacks.append(name)
            return None
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
            referenced = self.referenced_stack_outputs(name)
            if referenced is None:
                # Left out, the outputs are unknown to the program, as `pulumi preview` leaves what it cannot know.
                return name, {"name": name}
            return name, {"name": name, "outputs": referenced, "secretOutputNames": []}
        if not args.custom:
            # A multi-language component (awsx, eks) is built by its provider, which the gate does not run: its
            # outputs are unknown, as a preview leaves them, never its inputs echoed back in the wrong shape. A
            # component written in the program keeps its own outputs and ignores these.
            return None, {}
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
        token = args.token
        if token in self._invoke_results:
            return dict(self._invoke_results[token])
        answer = _INVOKES.get(token)
        if answer is not None:
            return answer(self, dict(args.args))
        # Any other data source, of any provider, answers empty: the report lists it, and the stack still renders.
        self.unanswered.append(token)
        return {}

    def zone_names(self) -> list[str]:
        return [f"{self.account.region}{letter}" for letter in "abc"]

    def fake_id(self, prefix: str, *parts: Any) -> str:
        """An id in AWS's `prefix-<17 hex digits>` format, stable for the same arguments."""
        return f"{prefix}-{hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:17]}"


def _caller_identity(m: PlausibleMocks, _: dict[str, Any]) -> dict[str, Any]:
    a = m.account
    return {
        "accountId": a.account_id,
        "arn": f"arn:{a.partition}:iam::{a.account_id}:role/deployer",
        "userId": "AROAEXAMPLE:deployer",
        "id": a.account_id,
    }


def _dns_suffix(partition: str) -> str:
    return "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"


def _partition(m: PlausibleMocks, _: dict[str, Any]) -> dict[str, Any]:
    suffix = _dns_suffix(m.account.partition)
    return {
        "partition": m.account.partition,
        "dnsSuffix": suffix,
        "reverseDnsPrefix": ".".join(reversed(suffix.split("."))),
        "id": m.account.partition,
    }


def _region(m: PlausibleMocks, args: dict[str, Any]) -> dict[str, Any]:
    region = args.get("region") or args.get("name") or m.account.region
    return {
        "region": region,
        "name": region,
        "id": region,
        "endpoint": f"ec2.{region}.{_dns_suffix(m.account.partition)}",
        "description": region,
    }


def _organization(m: PlausibleMocks, _: dict[str, Any]) -> dict[str, Any]:
    a = m.account
    return {
        "id": a.organization_id,
        "arn": f"arn:{a.partition}:organizations::{a.management_account_id}:organization/{a.organization_id}",
        "masterAccountId": a.management_account_id,
        "featureSet": "ALL",
    }


def _service_principal(m: PlausibleMocks, args: dict[str, Any]) -> dict[str, Any]:
    service = str(args.get("serviceName", ""))
    region = str(args.get("region") or m.account.region)
    suffix = _dns_suffix(m.account.partition)
    return {"id": service, "name": f"{service}.{suffix}", "region": region, "suffix": suffix}


def _availability_zones(m: PlausibleMocks, _: dict[str, Any]) -> dict[str, Any]:
    short = "".join(part[0] for part in m.account.region.split("-")[:-1]) + m.account.region.split("-")[-1]
    return {
        "id": m.account.region,
        "names": m.zone_names(),
        "zoneIds": [f"{short}-az{i}" for i in (1, 2, 3)],
        "groupNames": [m.account.region],
        "state": "available",
    }


def _session_context(_: PlausibleMocks, args: dict[str, Any]) -> dict[str, Any]:
    arn = str(args.get("arn", ""))
    return {"arn": arn, "issuerArn": arn, "issuerId": "", "issuerName": "", "sessionName": "", "id": arn}


def _policy_document(_: PlausibleMocks, args: dict[str, Any]) -> dict[str, Any]:
    document = policy_document(args)
    return {
        "json": json.dumps(document, indent=2),
        "minifiedJson": json.dumps(document, separators=(",", ":")),
        "id": _suffix(json.dumps(document, sort_keys=True)),
    }


def _filter_value(args: dict[str, Any], name: str, default: str) -> str:
    for entry in args.get("filters") or []:
        if isinstance(entry, dict) and entry.get("name") == name and entry.get("values"):
            return str(entry["values"][0]).replace("*", "1")
    return default


def _ami(m: PlausibleMocks, args: dict[str, Any]) -> dict[str, Any]:
    image = m.fake_id("ami", args)
    owner = str((args.get("owners") or ["137112412989"])[0])
    name = _filter_value(args, "name", str(args.get("nameRegex") or "al2023-ami-2023.1-kernel-6.1-x86_64"))
    return {
        "id": image,
        "imageId": image,
        "arn": f"arn:{m.account.partition}:ec2:{m.account.region}::image/{image}",
        "name": name,
        "ownerId": owner if owner.isdigit() else "137112412989",
        "architecture": _filter_value(args, "architecture", "x86_64"),
        "rootDeviceName": "/dev/xvda",
        "rootDeviceType": "ebs",
        "virtualizationType": "hvm",
        "state": "available",
        "public": True,
        "imageType": "machine",
        "platformDetails": "Linux/UNIX",
        "blockDeviceMappings": [],
        "tags": {},
    }


def _ami_ids(m: PlausibleMocks, args: dict[str, Any]) -> dict[str, Any]:
    return {"id": m.account.region, "ids": [_ami(m, args)["id"]]}


def _vpc(m: PlausibleMocks, args: dict[str, Any]) -> dict[str, Any]:
    vpc = str(args.get("id") or m.fake_id("vpc", "default"))
    return {
        "id": vpc,
        "arn": m.arn("ec2", f"vpc/{vpc}"),
        "cidrBlock": str(args.get("cidrBlock") or "172.31.0.0/16"),
        "default": bool(args.get("default", not args.get("id"))),
        "enableDnsHostnames": True,
        "enableDnsSupport": True,
        "instanceTenancy": "default",
        "mainRouteTableId": m.fake_id("rtb", vpc),
        "ownerId": m.account.account_id,
        "state": "available",
        "tags": {},
    }


def _subnet_ids(m: PlausibleMocks, args: dict[str, Any]) -> list[str]:
    vpc = _filter_value(args, "vpc-id", str(args.get("vpcId") or _vpc(m, {})["id"]))
    return [m.fake_id("subnet", vpc, zone) for zone in m.zone_names()]


def _subnets(m: PlausibleMocks, args: dict[str, Any]) -> dict[str, Any]:
    return {"id": m.account.region, "ids": _subnet_ids(m, args), "filters": args.get("filters") or []}


def _subnet(m: PlausibleMocks, args: dict[str, Any]) -> dict[str, Any]:
    subnet = str(args.get("id") or _subnet_ids(m, args)[0])
    zone = str(args.get("availabilityZone") or m.zone_names()[0])
    return {
        "id": subnet,
        "arn": m.arn("ec2", f"subnet/{subnet}"),
        "vpcId": str(args.get("vpcId") or _filter_value(args, "vpc-id", _vpc(m, {})["id"])),
        "availabilityZone": zone,
        "cidrBlock": "172.31.0.0/20",
        "defaultForAz": True,
        "mapPublicIpOnLaunch": True,
        "state": "available",
        "tags": {},
    }


def _security_group(m: PlausibleMocks, args: dict[str, Any]) -> dict[str, Any]:
    group = str(args.get("id") or m.fake_id("sg", args))
    return {
        "id": group,
        "arn": m.arn("ec2", f"security-group/{group}"),
        "name": str(args.get("name") or _filter_value(args, "group-name", "default")),
        "vpcId": str(args.get("vpcId") or _vpc(m, {})["id"]),
        "description": "default VPC security group",
        "tags": {},
    }


def _ssm_parameter(m: PlausibleMocks, args: dict[str, Any]) -> dict[str, Any]:
    name = str(args.get("name", ""))
    # Public parameters such as /aws/service/ami-amazon-linux-latest/... hold AMI ids.
    value = _ami(m, {"name": name})["id"] if "/ami" in name else f"placeholder-for-{name.strip('/')}"
    return {
        "id": name,
        "name": name,
        "arn": m.arn("ssm", f"parameter/{name.lstrip('/')}"),
        "type": "String",
        "value": value,
        "insecureValue": value,
        "version": 1,
        "withDecryption": bool(args.get("withDecryption", True)),
    }


def _route53_zone(m: PlausibleMocks, args: dict[str, Any]) -> dict[str, Any]:
    name = str(args.get("name") or "example.com").rstrip(".")
    zone = str(args.get("zoneId") or "Z" + hashlib.sha256(name.encode()).hexdigest()[:20].upper())
    return {
        "id": zone,
        "zoneId": zone,
        "name": name,
        "arn": f"arn:{m.account.partition}:route53:::hostedzone/{zone}",
        "privateZone": bool(args.get("privateZone", False)),
        "nameServers": [f"ns-{i}.awsdns-{i:02d}.{tld}" for i, tld in ((1, "com"), (2, "net"), (3, "org"))],
        "resourceRecordSetCount": 2,
        "comment": "",
        "tags": {},
    }


def _s3_bucket(m: PlausibleMocks, args: dict[str, Any]) -> dict[str, Any]:
    bucket = str(args.get("bucket", ""))
    region = m.account.region
    return {
        "id": bucket,
        "bucket": bucket,
        "arn": m.arn("s3", bucket),
        "region": region,
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{region}.amazonaws.com",
        "hostedZoneId": "Z3AQBSTGFYJSTF",
    }


def _kms_key(m: PlausibleMocks, args: dict[str, Any]) -> dict[str, Any]:
    given = str(args.get("keyId", ""))
    if given.startswith("arn:") and ":key/" in given:
        key_id, arn = given.rsplit("/", 1)[1], given
    else:
        digest = hashlib.sha256(given.encode()).hexdigest()
        key_id = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        arn = m.arn("kms", f"key/{key_id}")
    return {
        "id": key_id,
        "keyId": given or key_id,
        "arn": arn,
        "awsAccountId": m.account.account_id,
        "enabled": True,
        "keyState": "Enabled",
        "keyManager": "CUSTOMER",
        "keyUsage": "ENCRYPT_DECRYPT",
        "keySpec": "SYMMETRIC_DEFAULT",
        "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "multiRegion": False,
        "origin": "AWS_KMS",
        "description": "",
    }


def _kms_alias(m: PlausibleMocks, args: dict[str, Any]) -> dict[str, Any]:
    name = str(args.get("name") or "alias/aws/s3")
    key = _kms_key(m, {"keyId": name})
    return {
        "id": name,
        "name": name,
        "arn": m.arn("kms", name),
        "targetKeyId": key["id"],
        "targetKeyArn": key["arn"],
    }


def _iam_role(m: PlausibleMocks, args: dict[str, Any]) -> dict[str, Any]:
    name = str(args.get("name", ""))
    return {
        "id": name,
        "name": name,
        "arn": m.arn("iam", f"role/{name}"),
        "uniqueId": "AROA" + _suffix("role", name).upper() * 2,
        "path": "/",
        "assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": []}),
        "maxSessionDuration": 3600,
        "tags": {},
    }


def _iam_policy(m: PlausibleMocks, args: dict[str, Any]) -> dict[str, Any]:
    arn = str(args.get("arn") or m.arn("iam", f"policy/{args.get('name', '')}"))
    name = arn.rsplit("/", 1)[-1]
    return {"id": arn, "arn": arn, "name": name, "path": "/", "policy": json.dumps({"Version": "2012-10-17",
            "Statement": []}), "policyId": "ANPA" + _suffix("policy", arn).upper() * 2, "tags": {}}  # fmt: skip


_Answer = Callable[["PlausibleMocks", dict[str, Any]], dict[str, Any]]
_INVOKES: dict[str, _Answer] = {
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getPartition:getPartition": _partition,
    "aws:index/getRegion:getRegion": _region,
    "aws:organizations/getOrganization:getOrganization": _organization,
    "aws:index/getServicePrincipal:getServicePrincipal": _service_principal,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:iam/getSessionContext:getSessionContext": _session_context,
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document,
    "aws:ec2/getAmi:getAmi": _ami,
    "aws:ec2/getAmiIds:getAmiIds": _ami_ids,
    "aws:ec2/getVpc:getVpc": _vpc,
    "aws:ec2/getSubnets:getSubnets": _subnets,
    "aws:ec2/getSubnetIds:getSubnetIds": _subnets,
    "aws:ec2/getSubnet:getSubnet": _subnet,
    "aws:ec2/getSecurityGroup:getSecurityGroup": _security_group,
    "aws:ssm/getParameter:getParameter": _ssm_parameter,
    "aws:route53/getZone:getZone": _route53_zone,
    "aws:s3/getBucket:getBucket": _s3_bucket,
    "aws:kms/getKey:getKey": _kms_key,
    "aws:kms/getAlias:getAlias": _kms_alias,
    "aws:iam/getRole:getRole": _iam_role,
    "aws:iam/getPolicy:getPolicy": _iam_policy,
}
"""The data sources answered with plausible values of the mocked account; `--mocks` answers any other."""
ANSWERED_INVOKES = frozenset(_INVOKES)


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
        response = super().RegisterResource(_plain_references(request))  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            resource = _resource_from_request(request, response.urn, json_format.MessageToDict(response.object))
            if resource.provider_urn is not None:
                provider = next((r for r in reversed(self.recorded) if r.urn == resource.provider_urn), None)
                if provider is not None:
                    resource = replace(resource, provider_properties=dict(provider.properties))
            self.recorded.append(resource)
        return response

    def Invoke(self, request: Any) -> Any:
        return super().Invoke(_plain_references(request, field="args"))  # type: ignore[no-untyped-call]


_RESOURCE_REFERENCE = "5cf8f73096256a8f31e491e813e4eb8e"
"""The signature of a resource reference in a property struct (pulumi.runtime.rpc._special_resource_sig)."""


def _plain_references(request: Any, *, field: str = "object") -> Any:
    """The request with each resource reference among its properties replaced by the resource's id (or URN).

    The SDK's mock monitor deserializes properties on its own worker thread, where a resource reference would
    rehydrate the resource on that thread's idle event loop, which the program's loop then waits on forever. The
    mocks need only the value; the recorded properties keep the reference as the engine would send it.
    """
    struct = getattr(request, field)
    if _RESOURCE_REFERENCE not in str(struct):
        return request
    plain = json_format.ParseDict(_replace_references(json_format.MessageToDict(struct)), type(struct)())
    copy = type(request)()
    copy.CopyFrom(request)
    getattr(copy, field).CopyFrom(plain)
    return copy


def _replace_references(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(SIG_KEY) == _RESOURCE_REFERENCE:
            return value.get("id") or value.get("urn", "")
        return {k: _replace_references(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_references(v) for v in value]
    return value


def _resource_from_request(request: Any, urn: str, outputs: dict[str, Any] | None = None) -> Resource:
    position = request.sourcePosition if request.HasField("sourcePosition") else None
    source = f"{position.uri.removeprefix('file://')}:{position.line}" if position and position.uri else None
    aliases = tuple(spec.urn or spec.spec.name for spec in request.aliases)
    return Resource(
        urn=urn,
        type=request.type,
        name=request.name,
        # The engine sends an analyzer each resource reference as the resource's id, or a component's URN
        # (plugin/analyzer_plugin.go marshals properties without KeepResources).
        properties=_replace_references(json_format.MessageToDict(request.object)),
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


async def _export_value(value: Any) -> Any:
    """A stack export's value; `UNKNOWN` where a preview cannot know it (also inside lists and dicts)."""
    output = pulumi.Output.from_input(value)
    if not await output.is_known():
        return UNKNOWN
    return _sentinels(await output.future(with_unknowns=True))


def _sentinels(value: Any) -> Any:
    if isinstance(value, pulumi.output.Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: _sentinels(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_sentinels(v) for v in value]
    return value


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
    preview: bool = False,
    organization: str | None = None,
) -> Rendering:
    """Run `program` as a Pulumi stack program under mocks and return what it registered and exported.

    `config` holds fully qualified keys (`trailguard:organizationId`) with the values a stack file holds
    (structured values as Python objects; they reach the program JSON-encoded, as the CLI passes them).
    `secret_keys` name the config keys the stack file holds as secrets. With `preview`, the program runs as under
    `pulumi preview`: `is_dry_run()` is true, outputs the mocks leave out are unknown, and `apply` callbacks on
    unknowns do not run; an unknown export is the `UNKNOWN` sentinel. Exceptions from the program propagate
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
        pulumi.runtime.set_mocks(
            monitor.mocks, project=project, stack=stack, preview=preview, monitor=monitor, organization=organization
        )
        _sync_await(run_pulumi_func(program))
        root = pulumi_settings.get_root_resource()
        exports: dict[str, Any] = dict(getattr(root, "outputs", None) or {})
        outputs = {k: _sync_await(_export_value(v)) for k, v in exports.items()}
    finally:
        asyncio.set_event_loop(None)
        loop.close()
        executor.shutdown(wait=True)
        for worker_loop in worker_loops:
            worker_loop.close()
    return Rendering(resources=list(monitor.recorded), outputs=outputs)
