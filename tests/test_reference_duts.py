"""The process adapter drives each reference client for real: a verdict comes out (PASS or FAIL, never ERROR), the
evidence is complete, and nothing of the DUT (lease, DUID, resolver) reaches the host.

The verdict itself is not asserted: the suite never encodes what a particular program does.
"""
import hashlib
from pathlib import Path

import pytest

from conftest import PROJECT, junit_outcomes, run_cli

pytestmark = pytest.mark.lab

HOST_STATE = ["/var/lib/dhcp", "/var/lib/dhcpcd", "/var/lib/dhcpv6", "/var/lib/systemd/network", "/etc/resolv.conf",
              "/etc/hostname", "/run/systemd/netif", "/run/systemd/network"]


def snapshot():
    """Names and contents of the host's DHCP client state, to compare before and after."""
    seen = {}
    for root in map(Path, HOST_STATE):
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
        for path in files:
            seen[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    for path in Path("/run").rglob("*dhcp*"):  # pid files and sockets: names only, /run changes under us
        seen[str(path)] = "present"
    return seen


CLIENTS = ["dhclient", "dhcpcd", "dhcp6c", "systemd-networkd"]
# what each configuration is first judged on, and the message its timeline must show
MODES = {"": ("C-PREF-255", "SOLICIT"), "-pd": ("C-PD-PREF-255", "SOLICIT"),
         "-stateless": ("C-INFO-REQ", "INFORMATION-REQUEST")}


@pytest.mark.parametrize("name", [client + mode for client in CLIENTS for mode in MODES])
def test_reference_client_is_judged_without_touching_the_host(tmp_path, name):
    case_id, first = next(MODES[mode] for mode in sorted(MODES, key=len, reverse=True) if name.endswith(mode))
    before = snapshot()
    junit = tmp_path / "junit.xml"
    result = run_cli("run", "--profile", str(PROJECT / "profiles" / f"{name}.toml"), "--case", case_id,
                     "--report-dir", str(tmp_path), "--junit", str(junit))
    outcome = junit_outcomes(junit)[case_id]["outcome"]
    assert outcome in ("PASS", "FAIL"), result.stdout
    evidence = tmp_path / name / case_id
    for artefact in ("capture.pcap", "dut.log", "timeline.txt", "verdict.txt"):
        assert (evidence / artefact).stat().st_size > 0, artefact
    assert first in (evidence / "timeline.txt").read_text()
    assert snapshot() == before
