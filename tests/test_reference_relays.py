"""The process adapter drives each reference relay for real: a verdict comes out (PASS or FAIL, never ERROR) and the
evidence holds a capture of each of the relay's links. The verdict itself is not asserted: the suite never encodes
what a particular program does."""
import pytest

from conftest import PROJECT, junit_outcomes, run_cli

pytestmark = pytest.mark.lab


@pytest.mark.parametrize("name", ["dhcrelay", "dnsmasq-relay"])
def test_reference_relay_is_judged(tmp_path, name):
    junit = tmp_path / "junit.xml"
    result = run_cli("run", "--profile", str(PROJECT / "profiles" / f"{name}.toml"), "--case", "R-FWD-ALL",
                     "--report-dir", str(tmp_path), "--junit", str(junit))
    assert junit_outcomes(junit)["R-FWD-ALL"]["outcome"] in ("PASS", "FAIL"), result.stdout
    evidence = tmp_path / name / "R-FWD-ALL"
    for artefact in ("capture-client.pcap", "capture-upstream.pcap", "dut.log", "timeline.txt", "verdict.txt"):
        assert (evidence / artefact).stat().st_size > 0, artefact
    assert "RELAY-FORW" in (evidence / "timeline.txt").read_text()
