"""The project's one client of the Pulumi Analyzer protocol: run a policy pack exactly as the Pulumi CLI does.

The CLI starts a Python pack through its `pulumi-analyzer-policy-python` shim, which runs
`python -u -m pulumi.policy <engine-address> .` in the pack folder with the stack's identity and config in
`PULUMI_*` environment variables; the pack prints the port of its gRPC server on its first line of output.
The CLI then calls `Handshake` (the Python SDK does not implement it, and the CLI carries on), `ConfigureStack`,
`GetAnalyzerInfo`, `Configure` with every policy's reconciled config, and for each resource `Remediate` then
`Analyze` on its inputs, and finally `AnalyzeStack` on every resource's outputs. See
pulumi/pulumi `sdk/go/common/resource/plugin/analyzer_plugin.go`, `pkg/resource/analyzer/config.go` and
`pkg/resource/deploy/step_generator.go`. This module does the same, with no Pulumi CLI or engine involved.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import difflib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, NoReturn

import grpc
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from trailguard_gate.model import Finding, Level, Resource

ENGINE_ADDRESS = "127.0.0.1:0"
"""Passed where the CLI passes its engine's address: the Python policy SDK only parses it (pulumi/policy/__main__.py)."""

_MAX_MESSAGE = 400 * 1024 * 1024  # what the policy SDK's server accepts (pulumi_policy.policy._MAX_RPC_MESSAGE_SIZE)
_TAIL_LINES = 40
_LEVELS = {
    analyzer_pb2.ADVISORY: Level.ADVISORY,
    analyzer_pb2.MANDATORY: Level.MANDATORY,
    analyzer_pb2.REMEDIATE: Level.REMEDIATE,
    analyzer_pb2.DISABLED: Level.DISABLED,
}
_WIRE_LEVELS = {level: wire for wire, level in _LEVELS.items()}
_SEVERITIES = {
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}
_POLICY_TYPES = {analyzer_pb2.POLICY_TYPE_RESOURCE: "resource", analyzer_pb2.POLICY_TYPE_STACK: "stack"}


class PolicyPackError(Exception):
    """The pack failed to start, crashed, or did not answer in time; the message ends with its stderr tail."""


class PolicyConfigError(PolicyPackError, ValueError):
    """A policy configuration the CLI would refuse: the message names each bad key and shows a valid example."""


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    description: str
    enforcement_level: Level
    severity: str | None
    url: str | None
    remediation_steps: str | None
    framework: dict[str, str] | None
    config_schema: dict[str, Any] | None
    policy_type: str
    """`resource` or `stack`."""
    tags: tuple[str, ...] = ()
    display_name: str | None = None


@dataclass(frozen=True)
class AnalyzerInfo:
    name: str
    version: str
    policies: tuple[PolicyInfo, ...]
    initial_config: dict[str, Any]

    def policy(self, name: str) -> PolicyInfo:
        for policy in self.policies:
            if policy.name == name:
                return policy
        raise KeyError(f"pack {self.name!r} has no policy {name!r}")


@dataclass(frozen=True)
class Diagnostic:
    policy_name: str
    policy_pack_name: str
    message: str
    urn: str | None
    description: str
    enforcement_level: Level
    severity: str | None


def policy_finding(diagnostic: Diagnostic, policy: PolicyInfo | None, resource: Resource | None) -> Finding:
    """A pack diagnostic as a gate finding, with the policy's fix, link and severity and the resource it names."""
    return Finding(
        tool="policy",
        rule=diagnostic.policy_name,
        level=Level(diagnostic.enforcement_level),
        message=diagnostic.message,
        urn=diagnostic.urn or None,
        resource_name=resource.name if resource else None,
        resource_type=resource.type if resource else None,
        fix=(policy.remediation_steps or None) if policy else None,
        url=(policy.url or None) if policy else None,
        severity=diagnostic.severity or (policy.severity if policy else None) or None,
        description=(policy.description if policy else None) or diagnostic.description or None,
        source=resource.source if resource else None,
    )


@dataclass(frozen=True)
class Remediation:
    policy_name: str
    properties: dict[str, Any] | None
    """The resource's whole new inputs, when the policy changed them."""
    diagnostic: str | None
    """Why the remediation could not run (e.g. a value unknown during preview)."""


@dataclass
class _Process:
    """The pack's process and the threads draining its output, so its pipes never fill up."""

    popen: subprocess.Popen[bytes]
    stdout: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=_TAIL_LINES))
    stderr: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=_TAIL_LINES))
    port: int | None = None
    ready: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def tail(self) -> str:
        lines = list(self.stderr) + [f"(stdout) {line}" for line in self.stdout]
        return "\n".join(lines[-_TAIL_LINES:]) or "(the pack wrote nothing to stderr)"


def _drain(stream: IO[bytes], into: collections.deque[str], first_line: Callable[[str], None] | None) -> None:
    for raw in stream:
        line = raw.decode("utf-8", errors="replace").rstrip("\n")
        if first_line is not None:
            first_line(line)
            first_line = None
        else:
            into.append(line)


def _die_with_parent() -> None:
    # Linux: the kernel sends SIGTERM to the pack if this process dies, so a killed test run leaves no orphan.
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _stop(process: _Process | None, channel: grpc.Channel | None) -> None:
    if channel is not None:
        channel.close()
    if process is None:
        return
    if process.popen.poll() is None:
        process.popen.terminate()
        try:
            process.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.popen.kill()
            process.popen.wait()
    for thread in process.threads:
        thread.join(timeout=5)
    for stream in (process.popen.stdout, process.popen.stderr):
        if stream is not None:
            stream.close()


class PolicyPack:
    """A running policy pack: a context manager owning its process, which is always stopped on exit."""

    def __init__(self, pack_dir: Path, *, python: str | Path = sys.executable, timeout: float = 120.0) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        manifest = self.pack_dir / "PulumiPolicy.yaml"
        if not manifest.is_file():
            raise PolicyPackError(
                f"{self.pack_dir} is not a policy pack: it has no PulumiPolicy.yaml "
                "(a pack folder holds PulumiPolicy.yaml, requirements.txt and __main__.py, e.g. policies/)"
            )
        self.python = str(python)
        self.timeout = timeout
        self.manifest_version = _manifest_version(manifest)
        self._env: dict[str, str] = {}
        self._stack_request: analyzer_pb2.AnalyzerStackConfigureRequest | None = None
        self._process: _Process | None = None
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._info: AnalyzerInfo | None = None
        self._policy_config: analyzer_pb2.ConfigureAnalyzerRequest | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None

    # --- lifecycle -----------------------------------------------------------------------------------

    def __enter__(self) -> PolicyPack:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the pack (idempotent); every other method starts it when needed."""
        if self._process is not None:
            return
        env = {**os.environ, **self._env}
        try:
            popen = subprocess.Popen(
                [self.python, "-u", "-m", "pulumi.policy", ENGINE_ADDRESS, "."],
                cwd=self.pack_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        except OSError as error:
            raise PolicyPackError(
                f"could not start the policy pack in {self.pack_dir} with {self.python}: {error}"
            ) from None
        process = _Process(popen)
        self._process = process
        self._finalizer = weakref.finalize(self, _stop, process, None)

        def on_port(line: str) -> None:
            with contextlib.suppress(ValueError):
                process.port = int(line.strip())
            if process.port is None:
                process.stdout.append(line)
            process.ready.set()

        assert popen.stdout is not None and popen.stderr is not None
        for stream, into, first in ((popen.stdout, process.stdout, on_port), (popen.stderr, process.stderr, None)):
            thread = threading.Thread(target=_drain, args=(stream, into, first), daemon=True)
            thread.start()
            process.threads.append(thread)
        self._await_port(process)
        self._channel = grpc.insecure_channel(
            f"127.0.0.1:{process.port}",
            options=[("grpc.max_receive_message_length", _MAX_MESSAGE), ("grpc.max_send_message_length", _MAX_MESSAGE)],
        )
        self._finalizer.detach()
        self._finalizer = weakref.finalize(self, _stop, process, self._channel)
        try:
            grpc.channel_ready_future(self._channel).result(timeout=self.timeout)
        except grpc.FutureTimeoutError:
            self._fail(
                f"the pack listens on port {process.port} but did not accept a connection within {self.timeout}s"
            )
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        self._handshake()
        if self._stack_request is not None:
            self._call("ConfigureStack", self._stack_request)
        if self._policy_config is not None:
            self._call("Configure", self._policy_config)

    def _await_port(self, process: _Process) -> None:
        deadline = time.monotonic() + self.timeout
        while not process.ready.wait(0.05):
            if process.popen.poll() is not None:
                for thread in process.threads:
                    thread.join(timeout=5)
                self._fail(f"the pack exited with code {process.popen.returncode} before it printed its port")
            if time.monotonic() > deadline:
                self._fail(f"the pack did not print its port within {self.timeout}s")
        if process.port is None:
            self._fail(f"the pack printed {process.stdout[-1]!r} where its port was expected")

    def close(self) -> None:
        """Stop the pack and release its port (idempotent)."""
        if self._finalizer is not None:
            self._finalizer()
        self._process = self._channel = self._stub = None
        self._finalizer = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.popen.poll() is None

    def _fail(self, what: str) -> NoReturn:
        process = self._process
        tail = process.tail() if process is not None else ""
        self.close()
        raise PolicyPackError(f"policy pack {self.pack_dir}: {what}\n--- the pack's stderr, last lines ---\n{tail}")

    def _call(self, method: str, request: Any) -> Any:
        if self._stub is None:
            self.start()
        assert self._stub is not None and self._process is not None
        try:
            return getattr(self._stub, method)(request, timeout=self.timeout)
        except grpc.RpcError as error:
            code, details = error.code(), error.details()
            exited = self._process.popen.poll()
            if exited is not None:
                for thread in self._process.threads:
                    thread.join(timeout=5)
            state = f"the pack exited with code {exited}" if exited is not None else f"{code.name}: {details}"
            self._fail(f"{method} failed ({state})")

    def _handshake(self) -> None:
        assert self._stub is not None
        request = analyzer_pb2.AnalyzerHandshakeRequest(
            engine_address=ENGINE_ADDRESS, root_directory=str(self.pack_dir), program_directory=str(self.pack_dir)
        )
        try:
            self._stub.Handshake(request, timeout=self.timeout)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.UNIMPLEMENTED:
                self._fail(f"Handshake failed ({error.code().name}: {error.details()})")

    # --- the protocol --------------------------------------------------------------------------------

    def info(self) -> AnalyzerInfo:
        """GetAnalyzerInfo: the pack's name, version (PulumiPolicy.yaml wins, as in the CLI) and policies."""
        if self._info is None:
            response = self._call("GetAnalyzerInfo", empty_pb2.Empty())
            self._info = AnalyzerInfo(
                name=response.name,
                version=self.manifest_version or response.version,
                policies=tuple(_policy_info(p) for p in response.policies),
                initial_config={
                    name: {
                        "enforcementLevel": _LEVELS[c.enforcementLevel].value,
                        **json_format.MessageToDict(c.properties),
                    }
                    for name, c in response.initialConfig.items()
                },
            )
        return self._info

    def configure_stack(
        self,
        *,
        stack: str,
        project: str,
        organization: str = "organization",
        tags: Mapping[str, str] | None = None,
        config: Mapping[str, str] | None = None,
        dry_run: bool = True,
    ) -> None:
        """Tell the pack which stack it judges, as the CLI does before a preview (`dry_run`) or an update.

        The CLI passes the stack's identity and config both in the pack's environment at start (`PULUMI_*`) and
        through ConfigureStack; a running pack whose environment differs is restarted and reconfigured.
        """
        env = {
            "PULUMI_PROJECT": project,
            "PULUMI_STACK": stack,
            "PULUMI_ORGANIZATION": organization,
            "PULUMI_DRY_RUN": "true" if dry_run else "false",
        }
        if config:
            env["PULUMI_CONFIG"] = json.dumps(dict(config))
        self._stack_request = analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=stack,
            project=project,
            organization=organization,
            dry_run=dry_run,
            tags=dict(tags or {}),
            config=dict(config or {}),
        )
        if self._process is not None and env != self._env:
            self.close()
        self._env = env
        if self._process is None:
            self.start()
        else:
            self._call("ConfigureStack", self._stack_request)

    def configure(self, policy_config: Mapping[str, Mapping[str, Any] | str]) -> None:
        """Configure: reconcile the given config with every policy's defaults and schema, as the CLI does.

        `policy_config` maps a policy name (or `all`) to `{"enforcementLevel": "advisory", ...properties}` or
        to a bare level. Raises `PolicyConfigError` naming every key the CLI would refuse.
        """
        reconciled = reconcile(self.info(), policy_config)
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, (level, properties) in reconciled.items():
            entry = request.policyConfig[name]
            entry.enforcementLevel = _WIRE_LEVELS[level]
            # Set even when empty: the CLI sends `properties: {}` for a policy without settings.
            entry.properties.SetInParent()
            entry.properties.update(_jsonable(properties))
        self._policy_config = request
        self._call("Configure", request)

    def configure_raw(self, policy_config: Mapping[str, tuple[Level, Mapping[str, Any]]]) -> None:
        """Configure with exactly these levels and properties, unchecked: what a pack sees when the config was
        set where no schema validation ran (tests use it to prove the pack's own defences)."""
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, (level, properties) in policy_config.items():
            entry = request.policyConfig[name]
            entry.enforcementLevel = _WIRE_LEVELS[level]
            entry.properties.SetInParent()
            entry.properties.update(_jsonable(dict(properties)))
        self._policy_config = request
        self._call("Configure", request)

    def _ensure_configured(self) -> None:
        # The CLI always sends the reconciled defaults before the first Analyze.
        if self._policy_config is None:
            self.configure({})

    def analyze(self, resource: Resource) -> list[Diagnostic]:
        """Analyze one resource's inputs (what `pulumi preview` does as each resource registers)."""
        self._ensure_configured()
        request = _analyze_request(resource)
        response = self._call("Analyze", request)
        # The engine attributes a resource's diagnostics to it whatever URN the pack reports.
        return [replace(d, urn=d.urn or resource.urn) for d in map(_diagnostic, response.diagnostics)]

    def analyze_stack(self, resources: Sequence[Resource]) -> list[Diagnostic]:
        """AnalyzeStack over every resource: their outputs when known (as the engine sends), else their inputs."""
        self._ensure_configured()
        request = analyzer_pb2.AnalyzeStackRequest(resources=[_analyzer_resource(r) for r in resources])
        response = self._call("AnalyzeStack", request)
        return [_diagnostic(d) for d in response.diagnostics]

    def remediate(self, resource: Resource) -> list[Remediation]:
        """Remediate: what each policy at the `remediate` level would change on this resource."""
        self._ensure_configured()
        request = _analyze_request(resource)
        response = self._call("Remediate", request)
        return [
            Remediation(
                policy_name=r.policyName,
                properties=json_format.MessageToDict(r.properties)
                if r.HasField("properties") and not r.diagnostic
                else None,
                diagnostic=r.diagnostic or None,
            )
            for r in response.remediations
        ]

    def preview(self, resources: Sequence[Resource]) -> list[Diagnostic]:
        """What `pulumi preview --policy-pack` does: for each resource, Remediate and carry its new inputs into
        Analyze; then AnalyzeStack over them all. Applied remediations come back as `remediate` diagnostics."""
        info = self.info()
        diagnostics: list[Diagnostic] = []
        final: list[Resource] = []
        for resource in resources:
            current = resource
            for remediation in self.remediate(resource):
                if remediation.diagnostic is not None:
                    diagnostics.append(
                        _remediation_note(info, remediation, current.urn, Level.ADVISORY, remediation.diagnostic)
                    )
                elif remediation.properties is not None:
                    changed = sorted(
                        k
                        for k in {*current.properties, *remediation.properties}
                        if current.properties.get(k) != remediation.properties.get(k)
                    )
                    diagnostics.append(
                        _remediation_note(
                            info, remediation, current.urn, Level.REMEDIATE, f"remediated: set {', '.join(changed)}"
                        )
                    )
                    current = replace(current, properties=remediation.properties)
            final.append(current)
            diagnostics += self.analyze(current)
        return diagnostics + self.analyze_stack(final)

    def findings(self, resources: Sequence[Resource]) -> list[Finding]:
        """`preview`, as the gate reports it (check and audit alike): each diagnostic a finding with its policy's
        fix, link and severity and the resource it names; a policy the config disabled reports nothing."""
        policies = {p.name: p for p in self.info().policies}
        by_urn = {r.urn: r for r in resources}
        return [
            policy_finding(d, policies.get(d.policy_name), by_urn.get(d.urn or ""))
            for d in self.preview(resources)
            if Level(d.enforcement_level) is not Level.DISABLED
        ]


# --- configuration, as the CLI reconciles it -------------------------------------------------------------


def reconcile(
    info: AnalyzerInfo, given: Mapping[str, Mapping[str, Any] | str]
) -> dict[str, tuple[Level, dict[str, Any]]]:
    """Every policy's level and properties: schema defaults, then the pack's initial config, then `given`.

    Mirrors pulumi/pulumi `pkg/resource/analyzer/config.go` (ReconcilePolicyPackConfig), with errors that
    name the key, say what is wrong and show a valid example.
    """
    names = [p.name for p in info.policies]
    result: dict[str, tuple[Level, dict[str, Any]]] = {}
    for policy in info.policies:
        schema = (policy.config_schema or {}).get("properties", {})
        defaults = {k: v["default"] for k, v in schema.items() if isinstance(v, dict) and "default" in v}
        result[policy.name] = (policy.enforcement_level, defaults)
    errors: list[str] = []
    for layer in (info.initial_config, given):
        for name, value in layer.items():
            level, properties = _split(name, value, names, errors)
            targets = names if name == "all" else [name] if name in result else []
            for target in targets:
                current_level, current = result[target]
                result[target] = (level or current_level, current if name == "all" else {**current, **properties})
    for policy in info.policies:
        errors += _schema_errors(policy, result[policy.name][1])
    if errors:
        raise PolicyConfigError("invalid policy configuration:\n  " + "\n  ".join(errors))
    return result


def _split(name: str, value: Any, names: list[str], errors: list[str]) -> tuple[Level | None, dict[str, Any]]:
    example = f'{{"{names[0]}": {{"enforcementLevel": "advisory"}}}}' if names else '{"all": "advisory"}'
    if name != "all" and name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        errors.append(f"{name!r} is not a policy of this pack; {hint}use a policy name or 'all', e.g. {example}")
        return None, {}
    if isinstance(value, str):
        value = {"enforcementLevel": value}
    if not isinstance(value, Mapping):
        errors.append(f"{name}: {value!r} is not a level or an object; expected e.g. {example}")
        return None, {}
    properties = {k: v for k, v in value.items() if k != "enforcementLevel"}
    raw_level = value.get("enforcementLevel")
    if raw_level is None:
        return None, properties
    try:
        return Level(raw_level), properties
    except ValueError:
        errors.append(
            f"{name}.enforcementLevel: {raw_level!r} is not an enforcement level; expected one of "
            f"{', '.join(level.value for level in Level)}, e.g. {example}"
        )
        return None, properties


def _schema_errors(policy: PolicyInfo, properties: dict[str, Any]) -> list[str]:
    import jsonschema  # the one schema validator the gate uses

    schema = {"type": "object", **(policy.config_schema or {})}
    schema.setdefault("properties", {})
    schema["properties"] = {**schema["properties"], "enforcementLevel": {"type": "string"}}
    errors = []
    for error in sorted(jsonschema.Draft7Validator(schema).iter_errors(properties), key=lambda e: list(e.path)):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        hint = _hint(schema, list(error.absolute_path))
        errors.append(f"{policy.name}{path}: {error.message}{hint}")
    return errors


def _hint(schema: dict[str, Any], path: list[Any]) -> str:
    """The description of the top-level property at fault, which carries an example."""
    if not path or not isinstance(path[0], str):
        return ""
    description = schema.get("properties", {}).get(path[0], {}).get("description")
    return f" ({description})" if description else ""


# --- wire conversions --------------------------------------------------------------------------------------


def _manifest_version(manifest: Path) -> str | None:
    try:
        data = yaml.safe_load(manifest.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise PolicyPackError(f"{manifest} cannot be read: {error}") from None
    version = data.get("version") if isinstance(data, dict) else None
    return str(version) if version is not None else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _struct(properties: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(_jsonable(properties))
    return struct


def _analyze_request(resource: Resource) -> analyzer_pb2.AnalyzeRequest:
    """One resource as Analyze and Remediate both receive it."""
    return analyzer_pb2.AnalyzeRequest(
        type=resource.type,
        properties=_struct(resource.properties),
        urn=resource.urn,
        name=resource.name,
        options=_options(resource),
        provider=_provider(resource),
    )


def _options(resource: Resource) -> analyzer_pb2.AnalyzerResourceOptions:
    # The engine sends the parent in the options of Analyze and AnalyzeStack alike (pulumi 3.274,
    # analyze_snapshot.go and step_generator.go: `Parent: v.Parent`), as tests/engine's recording pack shows.
    options = resource.options
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=options.protect,
        ignoreChanges=list(options.ignore_changes),
        deleteBeforeReplace=options.delete_before_replace,
        deleteBeforeReplaceDefined=options.delete_before_replace,
        additionalSecretOutputs=list(options.additional_secret_outputs),
        aliases=list(options.aliases),
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(),
        parent=resource.parent or "",
    )


def _provider(resource: Resource) -> analyzer_pb2.AnalyzerProviderResource | None:
    urn = resource.provider_urn
    if not urn or "::" not in urn:
        return None
    parts = urn.split("::")
    return analyzer_pb2.AnalyzerProviderResource(
        urn=urn,
        type=parts[-2].rsplit("$", 1)[-1] if len(parts) >= 2 else "",
        name=parts[-1],
        properties=_struct(resource.provider_properties or {}),
    )


def _analyzer_resource(resource: Resource) -> analyzer_pb2.AnalyzerResource:
    properties = resource.outputs if resource.outputs is not None else resource.properties
    return analyzer_pb2.AnalyzerResource(
        type=resource.type,
        properties=_struct(properties),
        urn=resource.urn,
        name=resource.name,
        options=_options(resource),
        provider=_provider(resource),
        parent=resource.parent or "",
        dependencies=list(resource.dependencies),
        # The engine leaves out properties that depend on nothing.
        propertyDependencies={
            key: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(urns))
            for key, urns in resource.property_dependencies.items()
            if urns
        },
    )


def _whole(value: Any) -> Any:
    """Struct numbers are floats; a schema's `minLength: 1.0` reads better, and validates stricter, as 1."""
    if isinstance(value, dict):
        return {k: _whole(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole(v) for v in value]
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _policy_info(policy: Any) -> PolicyInfo:
    framework = json_format.MessageToDict(policy.framework) if policy.HasField("framework") else None
    schema = _whole(json_format.MessageToDict(policy.configSchema)) if policy.HasField("configSchema") else None
    return PolicyInfo(
        name=policy.name,
        description=policy.description,
        enforcement_level=_LEVELS[policy.enforcementLevel],
        severity=_SEVERITIES.get(policy.severity),
        url=policy.url or None,
        remediation_steps=policy.remediation_steps or None,
        framework=framework or None,
        config_schema=schema,
        policy_type=_POLICY_TYPES.get(policy.policy_type, "unknown"),
        tags=tuple(policy.tags),
        display_name=policy.displayName or None,
    )


def _diagnostic(diagnostic: Any) -> Diagnostic:
    return Diagnostic(
        policy_name=diagnostic.policyName,
        policy_pack_name=diagnostic.policyPackName,
        message=diagnostic.message,
        urn=diagnostic.urn or None,
        description=diagnostic.description,
        enforcement_level=_LEVELS[diagnostic.enforcementLevel],
        severity=_SEVERITIES.get(diagnostic.severity),
    )


def _remediation_note(info: AnalyzerInfo, remediation: Remediation, urn: str, level: Level, message: str) -> Diagnostic:
    try:
        policy = info.policy(remediation.policy_name)
        description, severity = policy.description, policy.severity
    except KeyError:
        description, severity = "", None
    return Diagnostic(
        policy_name=remediation.policy_name,
        policy_pack_name=info.name,
        message=message,
        urn=urn,
        description=description,
        enforcement_level=level,
        severity=severity,
    )
