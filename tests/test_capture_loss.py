"""Loss is visible: what the kernel dropped on a capture socket is counted, written into the evidence and JUnit, and
a verdict that rests on something not happening in a window where frames were lost is ERROR, never PASS or FAIL.

The loss is forced the way it happens on a slow lab host: a burst of frames (here 3,000 malformed ones, sent at
once right after the DUT's first Solicit) into a capture socket whose receive buffer is too small for it
(DHCPV6_CONFORMANCE_CAPTURE_BUFFER). C-PREF-WAIT rests on absence: no Request before the first RT.
"""
import pytest

from conftest import control_profile, junit_outcomes, run_cli

pytestmark = pytest.mark.lab


def _judge(tmp_path, env):
    junit = tmp_path / "junit.xml"
    profile = control_profile(tmp_path, "none", "na", "--burst", "3000")
    result = run_cli("run", "--profile", str(profile), "--case", "C-PREF-WAIT", "--report-dir",
                     str(tmp_path / "reports"), "--junit", str(junit), env=env)
    return result, junit_outcomes(junit)["C-PREF-WAIT"], next((tmp_path / "reports").glob("*/C-PREF-WAIT"))


def test_lost_frames_turn_an_absence_verdict_into_error(tmp_path):
    result, junit, evidence = _judge(tmp_path, {"DHCPV6_CONFORMANCE_CAPTURE_BUFFER": "4096"})
    assert junit["outcome"] == "ERROR", result.stdout
    assert int(junit["capture_drops"]) > 0
    assert "the capture lost" in (evidence / "verdict.txt").read_text()
    assert "dropped by the kernel" in (evidence / "capture.txt").read_text()
    assert result.returncode == 3


def test_the_default_buffer_holds_the_same_burst(tmp_path):
    result, junit, evidence = _judge(tmp_path, {})
    assert (junit["outcome"], junit["capture_drops"]) == ("PASS", "0"), result.stdout
    assert " 0 dropped by the kernel" in (evidence / "capture.txt").read_text()


def test_a_capture_stops_keeping_frames_at_its_limit(tmp_path):
    """A burst past dut.capture_limit: the pcap stops growing at the limit, the account says how much was not kept,
    and the case is still judged from every frame."""
    profile = control_profile(tmp_path, "none", "na", "--burst", "6000")
    profile.write_text(profile.read_text().replace("stop_timeout = 2", "stop_timeout = 2\ncapture_limit = 1048576"))
    junit = tmp_path / "junit.xml"
    result = run_cli("run", "--profile", str(profile), "--case", "C-PREF-WAIT", "--report-dir",
                     str(tmp_path / "reports"), "--junit", str(junit))
    evidence = next((tmp_path / "reports").glob("*/C-PREF-WAIT"))
    assert junit_outcomes(junit)["C-PREF-WAIT"]["outcome"] == "PASS", result.stdout
    assert "pcap cut at 1048576 bytes" in (evidence / "capture.txt").read_text()
    assert (evidence / "capture.pcap").stat().st_size < 1048576 + 6000 * 16 + 64
