"""The lab itself: namespaces come and go, the capture sees both directions with kernel times, fake servers answer,
and nothing survives a run, a crash, Ctrl-C or SIGKILL that the next run or `cleanup` does not sweep."""
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from pyroute2 import NetNS

from conftest import PROJECT, run_cli
from conformance.lab import naming, netns
from conformance.lab.capture import Capture
from conformance.lab.naming import RunTag
from conformance.lab.timeline import Timeline
from conformance.lab.topology import Lab
from conformance.servers.fake_server import FakeServer
from conformance.servers.script import ServerScript
from conformance.testbed import default_pool
from conformance.wire import codec
from conformance.wire import constants as c
from conformance.wire.frame import build_frame, multicast_mac

pytestmark = pytest.mark.lab


def test_lab_builds_and_leaves_nothing():
    with Lab() as lab:
        dut = lab.add_host("dut")
        lab.add_host("s1")
        created = [n for n in naming.ours() if lab.tag.owns(n)]
        assert len(created) == 3
        lab.wait_link_local(dut)
        with NetNS(dut.namespace, flags=0) as ipr:
            addresses = [a.get("address") for a in ipr.get_addr(family=10)]
        assert dut.port().link_local in addresses
    assert not [n for n in naming.ours() if lab.tag.owns(n)]


def test_capture_sees_both_directions_and_server_answers():
    from scapy.arch.linux import L2Socket
    with Lab() as lab:
        dut, host = lab.add_host("dut"), lab.add_host("s1")
        timeline = Timeline()
        capture = Capture(lab.switch, dut.port().bridge_port, timeline)
        server = FakeServer("s1", host, ServerScript(preference=7, pool=default_pool(1)))
        with netns.inside(dut.namespace):
            sock = L2Socket(iface=dut.port().iface, promisc=False)
        port = dut.port()
        solicit = codec.encode(c.SOLICIT, 0x010203, [codec.client_id(b"\x00\x03\x00\x01abcdef"),
                                                     codec.elapsed_time(0), codec.ia("na", 1, 0, 0, [])])
        sent_at = time.time()
        sock.send(build_frame(port.mac, multicast_mac(c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS), port.link_local,
                              c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS, c.CLIENT_PORT, c.SERVER_PORT, solicit))
        advert = timeline.wait_for(lambda m: m.msg_type == c.ADVERTISE, timeout=2)
        server.stop()
        capture.stop()
        sock.close()
    (seen_solicit,) = timeline.messages(lambda m: m.msg_type == c.SOLICIT)
    assert advert is not None and advert.preference == 7 and advert.dst == port.link_local
    assert sent_at - 0.5 < seen_solicit.time <= advert.time < sent_at + 2  # kernel timestamps, in order
    assert len(capture.frames) >= 2


def _hangup_default() -> None:
    """A run started under nohup ignores SIGHUP on purpose (interrupts.install); these runs must not inherit that
    from however the tests themselves were started."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _start_run_in_background(report_dir, case_id="C-SOL-RT"):
    return subprocess.Popen([sys.executable, "-m", "conformance.cli", "run", "--profile",
                             str(PROJECT / "profiles" / "dhclient.toml"), "--case", case_id,
                             "--report-dir", str(report_dir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_hangup_default)


def _wait_for_dut(pid, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        names = [n for n in naming.ours() if n.startswith(f"{naming.PREFIX}-{pid}-") and n.endswith("-dut")]
        if names and netns.kill_processes(names[0], sig=0):
            return names[0]
        time.sleep(0.1)
    raise AssertionError("the run never started its DUT")


def _dut_processes(state_tag):
    found = []
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if state_tag.encode() in f.read():
                    found.append(int(pid))
        except (FileNotFoundError, ProcessLookupError, PermissionError, NotADirectoryError):
            continue
    return found


def _start_pytest_in_background(report_dir, case_id="C-SOL-RT"):
    """The documented plain-pytest entry point."""
    return subprocess.Popen([sys.executable, "-m", "pytest", "--pyargs", "conformance.cases", "-p", "no:cacheprovider",
                             "-q", "--dut-profile", str(PROJECT / "profiles" / "dhclient.toml"), "--case", case_id,
                             "--report-dir", str(report_dir)], cwd=report_dir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_hangup_default)


def _assert_nothing_left(pid):
    assert not [n for n in naming.ours() if n.startswith(f"{naming.PREFIX}-{pid}-")]
    assert not _dut_processes(f"{naming.PREFIX}-{pid}-")
    assert not list(Path(tempfile.gettempdir()).glob(f"{naming.PREFIX}-{pid}-*"))


@pytest.mark.parametrize("entry", ["cli", "pytest"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_interrupted_run_leaves_nothing(sig, entry, tmp_path):
    start = _start_run_in_background if entry == "cli" else _start_pytest_in_background
    run = start(tmp_path)
    _wait_for_dut(run.pid)
    run.send_signal(sig)
    assert run.wait(timeout=30) != 0
    _assert_nothing_left(run.pid)


def test_a_signal_burst_during_teardown_loses_no_evidence(tmp_path):
    """The first SIGTERM starts the teardown; the ten after it wait until it is over, so the case's evidence is
    written and the lab is gone."""
    run = _start_run_in_background(tmp_path)
    _wait_for_dut(run.pid)
    # A namespace can hold pyroute2's helper processes before the DUT starts: wait for the DUT's own log.
    deadline = time.monotonic() + 15
    while not list(tmp_path.glob("*/C-SOL-RT/dut.log")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    for _ in range(11):
        run.send_signal(signal.SIGTERM)
        time.sleep(0.02)
    assert run.wait(timeout=30) == 130
    _assert_nothing_left(run.pid)
    assert next(tmp_path.glob("*/C-SOL-RT/timeline.txt")).exists()


def test_an_interrupted_run_keeps_the_junit_of_finished_cases(tmp_path):
    """Verdicts are written as each case ends: SIGTERM in the second case leaves the first one's in the JUnit."""
    run = subprocess.Popen([sys.executable, "-m", "conformance.cli", "run", "--profile",
                            str(PROJECT / "profiles" / "dhclient.toml"), "--case", "C-PREF-255", "--case", "C-SOL-RT",
                            "--report-dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("*/C-PREF-255/verdict.txt")) and time.monotonic() < deadline:
        time.sleep(0.2)
    _wait_for_dut(run.pid)  # the second case's DUT
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=30) == 130
    assert "C-PREF-255" in (tmp_path / "junit-dhclient.xml").read_text()


def test_killed_run_is_swept_by_cleanup(tmp_path):
    run = _start_run_in_background(tmp_path)
    _wait_for_dut(run.pid)
    run.kill()
    run.wait(timeout=10)
    left = [n for n in naming.ours() if n.startswith(f"{naming.PREFIX}-{run.pid}-")]
    assert left, "SIGKILL should leave the lab for cleanup to sweep"
    result = run_cli("cleanup")
    assert result.returncode == 0
    _assert_nothing_left(run.pid)  # swept by cleanup, or by the start of a run that began meanwhile (side by side)


def test_cleanup_leaves_live_runs_alone():
    tag = RunTag()
    netns.create(tag.namespace("live"))
    try:
        run_cli("cleanup")
        assert tag.namespace("live") in naming.ours()
    finally:
        netns.remove(tag.namespace("live"))


def test_a_reused_pid_does_not_keep_a_dead_runs_lab_alive():
    """Names carry the harness pid; the owner record holds that process's start time. A lab whose pid now belongs to
    another process (here pid 1, recorded with a start time it does not have) is swept; one whose record matches
    a running process is left alone."""
    reused, live = RunTag(pid=1, seq=9999), RunTag(pid=os.getpid(), seq=9998)
    naming.OWNERS.mkdir(mode=0o700, exist_ok=True)
    record = naming.OWNERS / "1"
    before = record.read_text() if record.exists() else None
    naming.claim()
    netns.create(reused.namespace("x"))
    netns.create(live.namespace("x"))
    # The record after the namespace: a run starting side by side sweeps records of dead owners, and would take a
    # forged record made earlier for a dead one, leaving the namespace record-less (and so presumed live).
    record.write_text("123")  # pid 1 started at boot, not at tick 123
    try:
        result = run_cli("cleanup")
        assert result.returncode == 0
        assert reused.namespace("x") not in naming.ours()  # swept by cleanup, or by a run starting meanwhile
        assert live.namespace("x") in naming.ours()
    finally:
        for tag in (reused, live):
            if tag.namespace("x") in naming.ours():
                netns.remove(tag.namespace("x"))
        if before is None:
            record.unlink(missing_ok=True)
        else:
            record.write_text(before)
