"""A device on a port of the lab host (attach = "interface", issue 10), with a stand-in for the hardware: a veth pair
whose one end is the "port" in the host's own namespace and whose other end sits in a namespace of the test's own,
where ISC dhclient runs as the device (tests/controls/bench_device.py; the profile's reset restarts it with fresh
state). The port is lent to each case's lab and must come back exactly as it was, however the run ends."""
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import CONTROLS, PROJECT, junit_outcomes, run_cli
from conformance.lab import naming

pytestmark = pytest.mark.lab

LONGEST = ["C-REQUEST-FAILOVER"]  # about 180 s alone: the other client cases run beside it, in a test of their own
# The one case for which the lab turns Duplicate Address Detection on in a process DUT's namespace: a device does it
# always, so the stand-in does it too, for this case.
WITH_DAD = ["C-DECLINE-DUP"]
# dhclient sets its timers in whole seconds after its hook script returns (LAB-NOTES), so its Renew moves with the
# host's load, and its Solicit after the leases expire with the sub-second moment of the Reply (seen 0.801 s early
# in one run, 0.02 to 0.95 s late in others; its Renew early, a WARN, once). Either run may get any verdict: both
# must be judged (not ERROR or SKIP), not alike.
NOT_REPEATABLE = ["C-RENEW-T1", "C-RESOLICIT-EXPIRY[split]", "C-RESOLICIT-EXPIRY[unique]",
                  "C-RESOLICIT-EXPIRY[identical]"]
_serial = iter(range(1000))
STAND_IN = "d6cb"  # the name of every stand-in port begins so


def _ip(*args: str) -> str:
    return subprocess.run(["ip", *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def stand_in(request, tmp_path):
    """(the port's name, a bench profile for it, a spare routing table): the port carries a link-local address, an
    MTU of 1400, a route in a table of its own and a changed accept_ra, so that giving it back has something to
    restore. The device does no Duplicate Address Detection, as the lab's process DUTs, unless the test asks
    (indirect parameter True)."""
    dad = getattr(request, "param", False)
    n = next(_serial)
    # the suite's own name scheme (d6c-PID-...): if this test process dies, the next run or `cleanup` sweeps it
    port, namespace = f"{STAND_IN}{os.getpid() % 100000}{n}", f"{naming.PREFIX}-{os.getpid()}-bench{n}"
    table = str(10000 + os.getpid() % 50000 * 10 + n)  # tables of its own: tests side by side never share one
    try:
        _ip("netns", "add", namespace)
        _ip("link", "add", port, "type", "veth", "peer", "name", "dev0", "netns", namespace)
        for key in ("accept_dad", "router_solicitations", "accept_ra"):  # as the lab's own DUT namespaces have them
            for scope in ("all", "default", "dev0"):
                subprocess.run(["ip", "netns", "exec", namespace, "sysctl", "-qw",
                                f"net.ipv6.conf.{scope}.{key}={int(dad and key == 'accept_dad')}"], check=True)
        _ip("-n", namespace, "link", "set", "dev0", "up")
        _ip("link", "set", port, "mtu", "1400", "up")
        _ip("-6", "route", "add", "2001:db8:bb::/64", "dev", port, "table", table)
        Path(f"/proc/sys/net/ipv6/conf/{port}/accept_ra").write_text("2")
    except BaseException:
        _remove(port, namespace)
        raise
    profile = tmp_path / "bench.toml"
    profile.write_text(f'''[dut]
name = "ISC dhclient on the bench (stand-in)"
role = "client"
attach = "interface"
interface = "{port}"
reset = ["{{python}}", "{CONTROLS / 'bench_device.py'}", "restart", "{namespace}", "dev0", "{tmp_path / 'device'}"]
ready = "solicit"
ready_timeout = 20
[capabilities]
ia_na = true
''')
    yield port, profile, str(int(table) + 100000)
    subprocess.run([sys.executable, str(CONTROLS / "bench_device.py"), "stop", str(tmp_path / "device")])
    _remove(port, namespace)


PLAN = {"dev0": "2001:db8:a::1", "dev1": "2001:db8:ff::1", "dev2": "2001:db8:b::1"}  # the lab plan's relay
DESTINATIONS = ["2001:db8:ff::101", "2001:db8:ff::102", "2001:db8:ff::103"]


def _relay_profile(path: Path, ports: dict[str, str], namespace: str, folder: Path, destinations: list[str]) -> Path:
    reset = ", ".join(f'"{arg}"' for arg in ["{python}", CONTROLS / "bench_device.py", "restart-relay", namespace,
                                              folder, "dev0,dev2", "dev1", *destinations])
    path.write_text(f'''[dut]
name = "ISC dhcrelay on the bench (stand-in)"
role = "relay"
attach = "interface"
interface = "{ports['dev0']}"
upstream = "{ports['dev1']}"
second_interface = "{ports['dev2']}"
destinations = [{", ".join(f'"{d}"' for d in destinations)}]
reset = [{reset}]
ready_timeout = 20
[capabilities]
multicast_destination = true
''')
    return path


@pytest.fixture
def relay_stand_in(tmp_path):
    """(its ports, a bench profile of dhcrelay configured with the lab plan's three destinations, one of the same
    relay configured with All_DHCP_Servers): ISC dhcrelay in a namespace of its own with the plan's addresses,
    cabled to three ports of the host (client side, upstream, a second client side)."""
    n = next(_serial)
    namespace = f"{naming.PREFIX}-{os.getpid()}-bench{n}"
    ports = {dev: f"{STAND_IN}{os.getpid() % 100000}{n}{dev[-1]}" for dev in PLAN}
    try:
        _ip("netns", "add", namespace)
        for dev, port in ports.items():
            _ip("link", "add", port, "type", "veth", "peer", "name", dev, "netns", namespace)
            _ip("-n", namespace, "addr", "add", f"{PLAN[dev]}/64", "dev", dev, "nodad")
            _ip("-n", namespace, "link", "set", dev, "up")
            _ip("link", "set", port, "up")
    except BaseException:
        for port in ports.values():
            _remove(port, namespace)
        raise
    folder = tmp_path / "device"
    yield (list(ports.values()), _relay_profile(tmp_path / "relay-bench.toml", ports, namespace, folder, DESTINATIONS),
           _relay_profile(tmp_path / "relay-bench-mcast.toml", ports, namespace, folder, ["ff05::1:3"]))
    subprocess.run([sys.executable, str(CONTROLS / "bench_device.py"), "stop", str(folder)])
    for port in ports.values():
        _remove(port, namespace)


def _remove(port: str, namespace: str) -> None:
    subprocess.run(["ip", "link", "del", port], capture_output=True)
    subprocess.run(["ip", "netns", "del", namespace], capture_output=True)


def _state(port: str) -> dict:
    """The port as the host sees it: link (namespace, state, MTU, master), addresses, the routes in every table that
    are not the kernel's own (those follow the addresses, and come and go with Duplicate Address Detection), and
    its IPv6 settings."""
    link = json.loads(_ip("-j", "-d", "link", "show", port))[0]
    settings = {p.name: p.read_text() for p in Path(f"/proc/sys/net/ipv6/conf/{port}").iterdir()
                if p.name != "stable_secret"}
    return {"link": {k: link.get(k) for k in ("ifname", "operstate", "mtu", "master", "address", "flags")},
            "addresses": _ip("-br", "addr", "show", port),
            "routes": [r for r in _ip("-6", "route", "show", "table", "all", "dev", port).splitlines()
                       if "proto kernel" not in r], "settings": settings}


class _Sniffer:
    """Every DHCPv6 frame the host's own namespace sees on any interface but the stand-in ports (this test's, and
    those of the bench tests beside it, whose devices talk while their port is home between cases)."""

    def __init__(self):
        self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86DD))
        self._sock.settimeout(0.2)
        self.seen: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                frame, address = self._sock.recvfrom(65536)
            except socket.timeout:
                continue
            if not address[0].startswith(STAND_IN) and len(frame) > 58 and frame[20] == 17 and \
                    {int.from_bytes(frame[54:56], "big"), int.from_bytes(frame[56:58], "big")} & {546, 547}:
                self.seen.append(address[0])

    def stop(self) -> list[str]:
        self._stop.set()
        self._thread.join()
        self._sock.close()
        return self.seen


def _client_cases(group: str) -> list[str]:
    from conformance import caseinfo
    every = [cid for cid, info in caseinfo.load_all().items() if info.role == "client"]
    return {"longest": LONGEST, "dad": WITH_DAD}.get(group) or [c for c in every if c not in LONGEST + WITH_DAD]


@pytest.mark.parametrize("group, stand_in", [pytest.param("longest", False, marks=pytest.mark.cost(190)),
                                             pytest.param("others", False, marks=pytest.mark.cost(150)),
                                             pytest.param("dad", True, marks=pytest.mark.cost(15))],
                         indirect=["stand_in"])
def test_a_device_on_a_port_gets_the_verdicts_the_same_program_gets_as_a_process(tmp_path, stand_in, group):
    """Every client case, on the stand-in and on the process profile of the same dhclient side by side, comes out
    the same; the port comes back exactly as it was; no DHCPv6 frame appears on any other interface of the host."""
    port, profile, _ = stand_in
    before = _state(port)
    sniffer = _Sniffer()
    cases = _client_cases(group)
    args = [arg for case_id in cases for arg in ("--case", case_id)]
    bench = subprocess.Popen([sys.executable, "-m", "conformance.cli", "run", "--profile", str(profile), *args,
                              "--report-dir", str(tmp_path / "bench")], stdout=subprocess.PIPE, text=True)
    process = run_cli("run", "--profile", str(PROJECT / "profiles" / "dhclient.toml"), *args, "--report-dir",
                      str(tmp_path / "process"), timeout=600)
    bench_output, _ = bench.communicate(timeout=600)
    leaked = sniffer.stop()
    on_bench = {k: v["outcome"] for k, v in junit_outcomes(tmp_path / "bench" / "junit-bench.xml").items()}
    as_process = {k: v["outcome"] for k, v in junit_outcomes(tmp_path / "process" / "junit-dhclient.xml").items()}
    assert {name.split("[")[0] for name in on_bench} == set(cases), bench_output  # every case, each model
    for name in set(NOT_REPEATABLE) & set(on_bench):
        assert {on_bench.pop(name), as_process.pop(name)} <= {"PASS", "WARN", "FAIL"}, bench_output + process.stdout
    assert on_bench == as_process, bench_output + process.stdout
    assert _state(port) == before
    assert leaked == [], leaked
    assert not Path(f"/run/d6c-ports/{port}.json").exists()


@pytest.mark.cost(100)
def test_a_relay_on_ports_gets_the_verdicts_the_same_program_gets_as_a_process(tmp_path, relay_stand_in):
    """Every relay case, on the stand-in relay and on the process profile of the same dhcrelay side by side, comes
    out the same; R-FWD-MCAST, which needs a relay configured with All_DHCP_Servers, SKIPs on the stand-in
    configured with unicast destinations and is judged on the one configured so. The ports come back as they
    were, and no DHCPv6 frame appears on any other interface of the host."""
    ports, profile, multicast = relay_stand_in
    before = {port: _state(port) for port in ports}
    sniffer = _Sniffer()
    bench = subprocess.Popen([sys.executable, "-m", "conformance.cli", "run", "--profile", str(profile),
                              "--report-dir", str(tmp_path / "bench")], stdout=subprocess.PIPE, text=True)
    process = run_cli("run", "--profile", str(PROJECT / "profiles" / "dhcrelay.toml"), "--report-dir",
                      str(tmp_path / "process"), timeout=600)
    bench_output, _ = bench.communicate(timeout=600)
    configured = run_cli("run", "--profile", str(multicast), "--case", "R-FWD-MCAST", "--report-dir",
                         str(tmp_path / "mcast"))
    leaked = sniffer.stop()
    on_bench = {k: v["outcome"] for k, v in junit_outcomes(tmp_path / "bench" / "junit-relay-bench.xml").items()}
    as_process = {k: v["outcome"] for k, v in junit_outcomes(tmp_path / "process" / "junit-dhcrelay.xml").items()}
    assert on_bench.pop("R-FWD-MCAST") == "SKIP", bench_output
    on_bench["R-FWD-MCAST"] = junit_outcomes(tmp_path / "mcast" / "junit-relay-bench-mcast.xml")["R-FWD-MCAST"][
        "outcome"]
    assert on_bench == as_process, bench_output + process.stdout + configured.stdout
    assert {port: _state(port) for port in ports} == before
    assert leaked == [], leaked


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_the_port_comes_back_however_the_run_ends(tmp_path, stand_in, how):
    """Interrupted with Ctrl-C in the middle of a case, the run gives the port back itself; killed, `cleanup` does
    (the record written before the port moved says how it was)."""
    port, profile, _ = stand_in
    before = _state(port)
    run = subprocess.Popen([sys.executable, "-m", "conformance.cli", "run", "--profile", str(profile), "--case",
                            "C-RENEW-T1", "--report-dir", str(tmp_path / "r")], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 30
    while not Path(f"/run/d6c-ports/{port}.json").exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(1.5)  # inside the case: the device has been reset and is talking
    run.send_signal(getattr(signal, how))
    output, _ = run.communicate(timeout=60)
    if how == "SIGKILL":
        assert Path(f"/run/d6c-ports/{port}.json").exists()  # the killed run did not give it back itself
        cleanup = run_cli("cleanup")  # (or a run beside this test, whose start sweeps the same way, got there first)
        assert cleanup.returncode == 0, cleanup.stdout + cleanup.stderr
    assert _state(port) == before, output
    assert not Path(f"/run/d6c-ports/{port}.json").exists()


def test_a_port_the_host_may_be_reached_through_is_refused_unless_taken(tmp_path, stand_in):
    port, profile, spare_table = stand_in
    _ip("-6", "route", "add", "default", "dev", port, "table", spare_table)  # no rule uses it: nothing changes
    refused = run_cli("run", "--profile", str(profile), "--case", "C-PREF-255", "--report-dir", str(tmp_path / "r"))
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert f"port {port}: it carries a default route (dev {port})" in refused.stderr
    assert f"--take-port {port}" in refused.stderr and not (tmp_path / "r").exists()
    before = _state(port)
    taken = run_cli("run", "--profile", str(profile), "--case", "C-PREF-255", "--report-dir", str(tmp_path / "r"),
                    "--take-port", port)
    assert junit_outcomes(tmp_path / "r" / "junit-bench.xml")["C-PREF-255"]["outcome"] in ("PASS", "FAIL"), \
        taken.stdout
    assert _state(port) == before


def test_doctor_checks_a_bench_profile_and_gives_the_port_back(stand_in):
    port, profile, spare_table = stand_in
    before = _state(port)
    ready = run_cli("doctor", "--profile", str(profile))
    assert ready.returncode == 0 and f"ok      port {port}: can be lent" in ready.stdout, ready.stdout + ready.stderr
    assert "ok      ready: its Solicit came" in ready.stdout
    assert _state(port) == before
    _ip("-6", "route", "add", "default", "dev", port, "table", spare_table)
    refused = run_cli("doctor", "--profile", str(profile))
    assert refused.returncode == 3 and f"FAILED  port {port}: it carries a default route" in refused.stdout


def test_doctor_checks_a_relay_device_and_gives_its_ports_back(relay_stand_in):
    ports, profile, _ = relay_stand_in
    before = {port: _state(port) for port in ports}
    ready = run_cli("doctor", "--profile", str(profile))
    assert ready.returncode == 0, ready.stdout + ready.stderr
    assert all(f"ok      port {port}: can be lent" in ready.stdout for port in ports)
    assert "ok      client side: it answers for 2001:db8:a::1" in ready.stdout
    assert "ok      ready: it relayed a probe Solicit to 2001:db8:ff::101" in ready.stdout
    assert {port: _state(port) for port in ports} == before


def test_a_killed_relay_run_leaves_records_that_cleanup_gives_every_port_back_by(tmp_path, relay_stand_in):
    ports, profile, _ = relay_stand_in
    before = {port: _state(port) for port in ports}
    run = subprocess.Popen([sys.executable, "-m", "conformance.cli", "run", "--profile", str(profile), "--case",
                            "R-IFACE-ID", "--report-dir", str(tmp_path / "r")], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 30
    while not all(Path(f"/run/d6c-ports/{port}.json").exists() for port in ports) and time.time() < deadline:
        time.sleep(0.05)
    run.send_signal(signal.SIGKILL)
    output, _ = run.communicate(timeout=60)
    cleanup = run_cli("cleanup")
    assert cleanup.returncode == 0, cleanup.stdout + cleanup.stderr
    assert {port: _state(port) for port in ports} == before, output
    assert not any(Path(f"/run/d6c-ports/{port}.json").exists() for port in ports)


def test_a_vlan_the_kernel_cannot_make_is_an_error_saying_so(tmp_path, stand_in):
    """Where the kernel has no 802.1Q support (as on the machines this suite is developed on), a profile's vlan
    makes the case ERROR with one clear line, and the port still comes back. Where it has, this path is not what
    runs: that VLAN runs are judged is not shown by these tests yet."""
    if Path("/proc/net/vlan").exists():
        pytest.skip("this kernel has 802.1Q support; the VLAN path itself is not covered by a test yet")
    port, profile, _ = stand_in
    profile.write_text(profile.read_text().replace('ready = "solicit"', 'ready = "solicit"\nvlan = 101'))
    before = _state(port)
    result = run_cli("run", "--profile", str(profile), "--case", "C-PREF-255", "--report-dir", str(tmp_path / "r"))
    assert _state(port) == before
    if Path("/proc/net/vlan").exists():  # the module was loaded on demand
        pytest.skip("this kernel has 802.1Q support; the VLAN path itself is not covered by a test yet")
    assert result.returncode == 3 and "no 802.1Q VLAN support" in result.stdout, result.stdout


@pytest.mark.parametrize("change, outcome, said", [
    ('ready = ["true"]', "PASS", None),
    ('ready = ["false"]\nready_timeout = 2', "ERROR", "the ready command did not exit 0 within 2 s"),
    ('reset = ["false"]', "ERROR", "the reset command exited with status 1"),
])
def test_a_reset_or_ready_command_that_fails_is_an_error_saying_so(tmp_path, stand_in, change, outcome, said):
    port, profile, _ = stand_in
    changed = {line.split(" = ")[0] for line in change.splitlines()}
    kept = [line for line in profile.read_text().splitlines() if line.split(" = ")[0] not in changed]
    profile.write_text("\n".join(kept).replace("[capabilities]", change + "\n[capabilities]") + "\n")
    before = _state(port)
    result = run_cli("run", "--profile", str(profile), "--case", "C-PREF-255", "--report-dir", str(tmp_path / "r"))
    assert junit_outcomes(tmp_path / "r" / "junit-bench.xml")["C-PREF-255"]["outcome"] == outcome, result.stdout
    assert said is None or said in result.stdout
    assert _state(port) == before


def test_a_port_lent_to_a_live_run_is_refused(tmp_path, stand_in):
    from conformance.lab.topology import Lab
    port, profile, _ = stand_in
    before = _state(port)
    with Lab() as lab:  # this test's own process holds the port, as another run would
        lab.lend_port(port)
        busy = run_cli("run", "--profile", str(profile), "--case", "C-PREF-255", "--report-dir", str(tmp_path / "r"))
    assert busy.returncode == 2 and f"port {port} is lent to another run (pid {os.getpid()})" in busy.stderr, \
        busy.stdout + busy.stderr
    assert _state(port) == before
