"""Export rendered Pulumi resources as the Terraform plan JSON that checkov's `terraform_plan` framework reads.

pulumi-aws is bridged from the Terraform AWS provider, so each resource has a Terraform twin: the type token maps
to a Terraform type (`aws:s3/bucket:Bucket` -> `aws_s3_bucket`), camelCase inputs to snake_case arguments,
Pulumi's pluralised lists of blocks back to repeated blocks (`eventSelectors` -> `event_selector`), flattened
single blocks back to one-element block lists, and property dependencies to the `configuration` references that
checkov's graph checks follow to tie a bucket to its public access block, versioning, encryption and logging.
The plan format: https://developer.hashicorp.com/terraform/internals/json-format
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from trailguard_gate.model import UNKNOWN, Resource
from trailguard_policies.values import SIG_KEY

PROVIDER_NAME = "registry.terraform.io/hashicorp/aws"
TERRAFORM_VERSION = "1.9.8"

# Tokens whose Terraform type is not `aws_<module>_<snake_case resource>`. pulumi-aws keeps Terraform's name
# in its token except for these (from the provider's resource mapping); the V2 tokens are deprecated aliases.
TYPE_EXCEPTIONS: dict[str, str] = {
    "aws:cloudtrail/trail:Trail": "aws_cloudtrail",
    "aws:s3/bucketV2:BucketV2": "aws_s3_bucket",
    "aws:s3/bucketAclV2:BucketAclV2": "aws_s3_bucket_acl",
    "aws:s3/bucketLoggingV2:BucketLoggingV2": "aws_s3_bucket_logging",
    "aws:s3/bucketVersioningV2:BucketVersioningV2": "aws_s3_bucket_versioning",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": (
        "aws_s3_bucket_server_side_encryption_configuration"
    ),
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": "aws_s3_bucket_lifecycle_configuration",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2": (
        "aws_s3_bucket_object_lock_configuration"
    ),
    "aws:s3/bucketCorsConfigurationV2:BucketCorsConfigurationV2": "aws_s3_bucket_cors_configuration",
    "aws:s3/bucketWebsiteConfigurationV2:BucketWebsiteConfigurationV2": "aws_s3_bucket_website_configuration",
    "aws:s3/bucketAccelerateConfigurationV2:BucketAccelerateConfigurationV2": (
        "aws_s3_bucket_accelerate_configuration"
    ),
    "aws:s3/bucketRequestPaymentConfigurationV2:BucketRequestPaymentConfigurationV2": (
        "aws_s3_bucket_request_payment_configuration"
    ),
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "aws_s3_bucket_replication_configuration",
    "aws:s3/bucketObjectv2:BucketObjectv2": "aws_s3_object",
    "aws:s3/bucketObject:BucketObject": "aws_s3_bucket_object",
    "aws:s3/inventory:Inventory": "aws_s3_bucket_inventory",
    "aws:s3/analyticsConfiguration:AnalyticsConfiguration": "aws_s3_bucket_analytics_configuration",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "aws_iam_openid_connect_provider",
    "aws:cfg/rule:Rule": "aws_config_config_rule",
    "aws:cfg/recorder:Recorder": "aws_config_configuration_recorder",
    "aws:cfg/recorderStatus:RecorderStatus": "aws_config_configuration_recorder_status",
    "aws:rds/instance:Instance": "aws_db_instance",
    "aws:rds/subnetGroup:SubnetGroup": "aws_db_subnet_group",
    "aws:rds/parameterGroup:ParameterGroup": "aws_db_parameter_group",
    "aws:rds/optionGroup:OptionGroup": "aws_db_option_group",
    "aws:rds/snapshot:Snapshot": "aws_db_snapshot",
    "aws:rds/eventSubscription:EventSubscription": "aws_db_event_subscription",
    "aws:rds/proxy:Proxy": "aws_db_proxy",
    "aws:lb/loadBalancer:LoadBalancer": "aws_lb",
    "aws:alb/loadBalancer:LoadBalancer": "aws_alb",
    "aws:elb/loadBalancer:LoadBalancer": "aws_elb",
    "aws:appsync/graphQLApi:GraphQLApi": "aws_appsync_graphql_api",
}
# Modules whose Terraform prefix differs from the module name.
MODULE_PREFIXES: dict[str, str] = {"cfg": "config", "apigateway": "api_gateway", "index": ""}
# EC2 resources whose Terraform names carry no `ec2_` prefix (the rest, e.g. transit gateways, keep it).
EC2_UNPREFIXED: frozenset[str] = frozenset(
    {
        "Ami", "AmiCopy", "AmiFromInstance", "AmiLaunchPermission", "CustomerGateway", "DefaultNetworkAcl",
        "DefaultRouteTable", "DefaultSecurityGroup", "DefaultSubnet", "DefaultVpc", "DefaultVpcDhcpOptions",
        "EgressOnlyInternetGateway", "Eip", "EipAssociation", "FlowLog", "Instance", "InternetGateway",
        "InternetGatewayAttachment", "KeyPair", "LaunchConfiguration", "LaunchTemplate", "MainRouteTableAssociation",
        "NatGateway", "NetworkAcl", "NetworkAclAssociation", "NetworkAclRule", "NetworkInterface",
        "NetworkInterfaceAttachment", "NetworkInterfaceSecurityGroupAttachment", "PlacementGroup", "Route",
        "RouteTable", "RouteTableAssociation", "SecurityGroup", "SecurityGroupRule", "SnapshotCreateVolumePermission",
        "SpotFleetRequest", "SpotInstanceRequest", "Subnet", "VolumeAttachment", "Vpc", "VpcDhcpOptions",
        "VpcDhcpOptionsAssociation", "VpcEndpoint", "VpcEndpointService", "VpcIpv4CidrBlockAssociation",
        "VpcPeeringConnection", "VpnConnection", "VpnGateway",
    }
)  # fmt: skip

# Properties holding free-form maps: their keys are data (tag names), never converted.
MAP_PROPERTIES: frozenset[str] = frozenset({"tags", "tagsAll", "dimensions", "variables", "context", "parameters"})
# Pulumi names of scalar lists that the bridge pluralised from a singular Terraform name.
SCALAR_LIST_NAMES: dict[str, str] = {
    "startsWiths": "starts_with",
    "notStartsWiths": "not_starts_with",
    "endsWiths": "ends_with",
    "notEndsWiths": "not_ends_with",
}
# Pulumi names of block lists whose Terraform name is not the plain singular.
BLOCK_LIST_NAMES: dict[str, str] = {"ingress": "ingress", "egress": "egress"}

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_IDENTIFIER = re.compile(r"^[a-z][A-Za-z0-9]*$")


def snake(name: str) -> str:
    """camelCase (or PascalCase) to Terraform's snake_case: `cloudWatchLogsGroupArn` -> `cloud_watch_logs_group_arn`."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def singular(name: str) -> str:
    """Undo the bridge's pluralisation of a repeated block's name: `eventSelectors` -> `event_selector`."""
    if name in BLOCK_LIST_NAMES:
        return BLOCK_LIST_NAMES[name]
    word = snake(name)
    if word.endswith("ss") or not word.endswith("s"):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if re.search(r"(x|ch|sh|ss|alias|status)es$", word):
        return word[:-2]
    return word[:-1]


def terraform_type(token: str) -> str | None:
    """The Terraform type of a pulumi-aws type token; None for anything that is not an AWS resource."""
    if token in TYPE_EXCEPTIONS:
        return TYPE_EXCEPTIONS[token]
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != "aws" or "/" not in parts[1]:
        return None
    module, resource = parts[1].split("/")[0], parts[2]
    if module == "ec2" and resource in EC2_UNPREFIXED:
        return f"aws_{snake(resource)}"
    prefix = MODULE_PREFIXES.get(module, module)
    return "_".join(p for p in ("aws", prefix, snake(resource)) if p)


def _plain(value: Any) -> Any:
    """Strip the engine's wire wrappers: a secret becomes its value, a resource reference its URN.

    The engine's protobuf Struct carries every number as a double; Terraform's plan writes whole numbers as integers.
    """
    if isinstance(value, dict) and SIG_KEY in value:
        if "value" in value:
            return _plain(value["value"])
        return value.get("urn")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _is_map(key: str, value: dict[str, Any]) -> bool:
    return key in MAP_PROPERTIES or not all(isinstance(k, str) and _IDENTIFIER.match(k) for k in value)


def _is_policy_document(key: str, value: Any) -> bool:
    return key.lower().endswith(("policy", "policies")) and isinstance(value, dict) and "Statement" in value


def convert_values(properties: dict[str, Any]) -> dict[str, Any]:
    """Pulumi inputs (camelCase, flattened, pluralised) to Terraform plan `values`; unknowns are left out."""
    values: dict[str, Any] = {}
    for key, raw in properties.items():
        value = _plain(raw)
        if value == UNKNOWN or value is None:
            continue
        if _is_policy_document(key, value):
            values[snake(key)] = json.dumps(value)
        elif isinstance(value, dict):
            values[snake(key)] = dict(value) if _is_map(key, value) else [convert_values(value)]
        elif isinstance(value, list) and any(isinstance(_plain(v), dict) for v in value):
            values[singular(key)] = [convert_values(_plain(v)) for v in value if isinstance(_plain(v), dict)]
        elif isinstance(value, list):
            values[SCALAR_LIST_NAMES.get(key) or snake(key)] = [
                _plain(v) for v in value if _plain(v) not in (UNKNOWN, None)
            ]
        else:
            values[snake(key)] = value
    return values


def _tf_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", name)
    return cleaned if re.match(r"^[A-Za-z_]", cleaned) else f"r_{cleaned}"


@dataclass(frozen=True)
class TerraformPlan:
    """A plan document and, for each Terraform address in it, the Pulumi resource it came from."""

    document: dict[str, Any]
    resources: dict[str, Resource] = field(default_factory=dict)

    def dumps(self) -> str:
        return json.dumps(self.document, indent=1, sort_keys=False)


def _reference_attribute(value: Any) -> str:
    return "arn" if isinstance(value, str) and value.startswith("arn:") else "id"


def export_plan(resources: Sequence[Resource], *, region: str | None = None) -> TerraformPlan:
    """The Terraform plan JSON for every AWS resource in `resources` (components and providers have no twin)."""
    addresses: dict[str, str] = {}
    by_address: dict[str, Resource] = {}
    planned: list[dict[str, Any]] = []
    configured: list[dict[str, Any]] = []
    for resource in resources:
        tf_type = terraform_type(resource.type)
        if tf_type is None or not resource.custom:
            continue
        name = _tf_name(resource.name)
        if f"{tf_type}.{name}" in by_address:
            name = f"{name}_{hashlib.sha256(resource.urn.encode()).hexdigest()[:6]}"
        address = f"{tf_type}.{name}"
        addresses[resource.urn] = address
        by_address[address] = resource
    for address, resource in by_address.items():
        tf_type, name = address.split(".", 1)
        values = convert_values(resource.properties)
        expressions: dict[str, Any] = {}
        for key, urns in resource.property_dependencies.items():
            targets = [addresses[u] for u in urns if u in addresses]
            if not targets:
                continue
            raw = _plain(resource.properties.get(key))
            attribute = singular(key) if isinstance(raw, list) and raw and isinstance(raw[0], dict) else snake(key)
            references = [r for t in targets for r in (f"{t}.{_reference_attribute(raw)}", t)]
            expressions[attribute] = {"references": references}
            # checkov connects two resources only through an argument whose value is the reference itself,
            # as in a first `terraform plan` where the referenced id is still unknown: leave that value out.
            if isinstance(raw, str) and not raw.lstrip().startswith(("{", "[")):
                values.pop(attribute, None)
        planned.append(
            {
                "address": address,
                "mode": "managed",
                "type": tf_type,
                "name": name,
                "provider_name": PROVIDER_NAME,
                "schema_version": 0,
                "values": values,
                "sensitive_values": {},
            }
        )
        configured.append(
            {
                "address": address,
                "mode": "managed",
                "type": tf_type,
                "name": name,
                "provider_config_key": "aws",
                "expressions": expressions,
                "schema_version": 0,
            }
        )
    provider: dict[str, Any] = {"name": "aws", "full_name": PROVIDER_NAME}
    if region:
        provider["expressions"] = {"region": {"constant_value": region}}
    document = {
        "format_version": "1.2",
        "terraform_version": TERRAFORM_VERSION,
        "planned_values": {"root_module": {"resources": planned}},
        "configuration": {"provider_config": {"aws": provider}, "root_module": {"resources": configured}},
    }
    return TerraformPlan(document=document, resources=by_address)
