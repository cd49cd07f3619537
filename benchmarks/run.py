"""Run every trailguard benchmark and print their tables with the machine they ran on (`make bench`).

Benchmarks are scripts, never tests: speed goals are read from these tables, not asserted.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("matcher.py", "pack.py", "gate.py")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}, {platform.system()}"


def main() -> int:
    print(f"machine: {machine()}\n", flush=True)
    status = 0
    for name in BENCHMARKS:
        script = HERE / name
        if not script.exists():
            print(f"{name}: missing", file=sys.stderr)
            status = 1
            continue
        print(f"## {name}", flush=True)
        status |= subprocess.run([sys.executable, str(script)], check=False).returncode
        print(flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
