"""Shared helpers for the suite's own tests."""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.schedule import order

PROJECT = Path(__file__).resolve().parents[1]
CONTROLS = PROJECT / "tests" / "controls"


def pytest_collection_modifyitems(config, items):
    if os.geteuid() != 0:
        skip = pytest.mark.skip(reason="needs root to build network namespaces")
        for item in items:
            if "lab" in item.keywords:
                item.add_marker(skip)
    # Longest first: side by side (-n) the slowest runs start at once and the run ends on short tests; each of the
    # longest has a short one queued behind it (xdist hands every worker two tests at the start: schedule.py).
    workers = config.workerinput.get("workercount", 1) if hasattr(config, "workerinput") else 1
    items[:] = order(items, lambda item: item.get_closest_marker("cost").args[0] if item.get_closest_marker("cost")
                     else 1, workers)


def run_cli(*args: str, timeout: float = 300, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The command line, run as a user runs it (in `cwd`); `env` adds variables to the inherited environment. The
    result's `pid` names the run (its namespaces are d6c-<pid>-...), so a test can tell them from other tests'."""
    with subprocess.Popen([sys.executable, "-m", "conformance.cli", *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
                          cwd=cwd) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    result.pid = process.pid
    return result


CAPABILITY = {"na": "ia_na", "pd": "ia_pd", "stateless": "stateless", "na+pd": "ia_na = true\nia_pd"}


def control_profile(folder: Path, defect: str, mode: str = "na", *extra: str) -> Path:
    """A profile for the control client with `defect` ("none" for the correct client), asking for an address
    (mode "na"), a delegated prefix ("pd"), both ("na+pd") or configuration only ("stateless"); `extra` arguments (a preface, a
    burst) go on its command line."""
    tail = "".join(f', "{arg}"' for arg in extra)
    suffix = "".join("-" + arg.lstrip("-") for arg in extra)
    path = folder / f"control-{mode}-{defect}{suffix}.toml"
    path.write_text(f"""[dut]
name = "control client ({mode}, {defect}{suffix})"
role = "client"
attach = "process"
command = ["{{python}}", "{CONTROLS / 'scapy_client.py'}", "--iface", "{{iface}}", "--defect", "{defect}",
           "--mode", "{mode}"{tail}]
stop_timeout = 2

[capabilities]
{CAPABILITY[mode]} = true
""")
    return path


SCHEMAS = PROJECT / "tests" / "schemas"


def junit_outcomes(path: Path) -> dict[str, dict[str, str]]:
    """case ID -> what the JUnit file's system-out says of it (outcome, level, measured, expected, ...). Every file
    read here is first validated against both Jenkins schemas (tests/schemas): every JUnit the tests see."""
    from lxml import etree
    document = etree.parse(str(path))
    for name in ("junit-10.xsd", "jenkins-junit.xsd"):
        schema = etree.XMLSchema(etree.parse(str(SCHEMAS / name)))
        assert schema.validate(document), f"{path} breaks {name}: {schema.error_log}"
    root = ET.parse(path).getroot()
    out = {}
    for case in root.iter("testcase"):
        lines = (case.findtext("system-out") or "").splitlines()[1:]
        out[case.get("name")] = dict(line.split(": ", 1) for line in lines if ": " in line
                                     and not line.startswith("[[ATTACHMENT|"))
    return out
