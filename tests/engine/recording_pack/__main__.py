"""Serve the Analyzer protocol on loopback, record each request as one JSON line, and report nothing.

Started as `python -u -m pulumi.policy <engine> <this folder>` (by the CLI's language host, or by
trailguard_gate.analyzer), it prints its port first, as the policy SDK's server does, then serves until stopped.
Handshake is left unimplemented, as the Python policy SDK leaves it.
"""

import json
import threading
import time
from concurrent import futures
from pathlib import Path

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, plugin_pb2

RECORD = Path(__file__).resolve().with_name("requests.jsonl")
_LOCK = threading.Lock()


def _record(method, request):
    line = json.dumps({"method": method, "request": json_format.MessageToDict(request)}, sort_keys=True)
    with _LOCK, RECORD.open("a", encoding="utf-8") as out:
        out.write(line + "\n")


def _schema(properties):
    struct = struct_pb2.Struct()
    struct.update(properties)
    return analyzer_pb2.PolicyConfigSchema(properties=struct)


class Recorder(analyzer_pb2_grpc.AnalyzerServicer):
    def GetAnalyzerInfo(self, request, context):
        _record("GetAnalyzerInfo", request)
        return analyzer_pb2.AnalyzerInfo(
            name="recording",
            version="0.0.1",
            supportsConfig=True,
            policies=[
                analyzer_pb2.PolicyInfo(
                    name="record-resources",
                    description="Records each resource.",
                    enforcementLevel=analyzer_pb2.ADVISORY,
                    policy_type=analyzer_pb2.POLICY_TYPE_RESOURCE,
                    configSchema=_schema({"threshold": {"type": "integer", "default": 3}}),
                ),
                analyzer_pb2.PolicyInfo(
                    name="record-stack",
                    description="Records the stack.",
                    enforcementLevel=analyzer_pb2.MANDATORY,
                    policy_type=analyzer_pb2.POLICY_TYPE_STACK,
                ),
            ],
        )

    def GetPluginInfo(self, request, context):
        _record("GetPluginInfo", request)
        return plugin_pb2.PluginInfo(version="0.0.1")

    def ConfigureStack(self, request, context):
        _record("ConfigureStack", request)
        return analyzer_pb2.AnalyzerStackConfigureResponse()

    def Configure(self, request, context):
        _record("Configure", request)
        return empty_pb2.Empty()

    def Analyze(self, request, context):
        _record("Analyze", request)
        return analyzer_pb2.AnalyzeResponse()

    def Remediate(self, request, context):
        _record("Remediate", request)
        return analyzer_pb2.RemediateResponse()

    def AnalyzeStack(self, request, context):
        _record("AnalyzeStack", request)
        return analyzer_pb2.AnalyzeResponse()

    def Cancel(self, request, context):
        return empty_pb2.Empty()


limit = 400 * 1024 * 1024
server = grpc.server(
    futures.ThreadPoolExecutor(max_workers=4),
    options=[("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)],
)
analyzer_pb2_grpc.add_AnalyzerServicer_to_server(Recorder(), server)
port = server.add_insecure_port("127.0.0.1:0")
server.start()
print(port, flush=True)
# Served until the CLI or the test stops this process; the deadline only keeps a forgotten one from lingering.
time.sleep(600)
server.stop(0)
