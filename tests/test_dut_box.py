"""A DUT cannot leave its box (issue 9): every process it starts ends with it, it keeps only the capabilities a DHCP
client or relay needs, and nothing it writes reaches the host, whatever its profile says; what it wrote is kept in
the evidence instead."""
import hashlib
import os
import tarfile
import time
from pathlib import Path

import pytest

from conformance.dut import profile as profiles
from conformance.dut.process import ProcessDut
from conformance.lab.topology import Lab

pytestmark = pytest.mark.lab

MARK = "d6c-box-test"
# Everything a hostile DUT might try: write where the host keeps state, leave a process behind in a session of its
# own, enter the host's network namespace, remount the host read-write, reach the host's processes.
ESCAPE = f"""
import ctypes, os, time
for path in ("/etc/{MARK}", "/var/lib/{MARK}", "/run/{MARK}", "/tmp/{MARK}", "/root/{MARK}", "/usr/{MARK}"):
    try:
        open(path, "w").write("x")
        print("wrote", path)
    except OSError as exc:
        print("refused", path, exc.strerror)
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open("/proc/1/ns/net", os.O_RDONLY)
print("setns", libc.setns(fd, 0x40000000), os.strerror(ctypes.get_errno()))
print("remount", libc.mount(None, b"/", None, 0x21, None), os.strerror(ctypes.get_errno()))
print("processes", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
print("caps", next(line for line in open("/proc/self/status") if line.startswith("CapEff")).split()[1], flush=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "1000", "{MARK}"])
    os._exit(0)
time.sleep(1000)
"""


def _profile(tmp_path: Path, **dut) -> profiles.Profile:
    script = tmp_path / "escape.py"
    script.write_text(ESCAPE)
    extra = "".join(f"{key} = {value}\n" for key, value in dut.items())
    path = tmp_path / "p.toml"
    path.write_text(f'[capabilities]\nia_na = true\n[dut]\nname = "escaper"\nrole = "client"\nattach = "process"\n'
                    f'command = ["{{python}}", "{script}"]\nstop_timeout = 1\n{extra}')
    return profiles.load(path)


def _host_tree(*roots: str) -> dict[str, str]:
    seen = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not os.path.ismount(os.path.join(folder, d))]
            for name in files:
                path = os.path.join(folder, name)
                if os.path.islink(path):
                    seen[path] = "-> " + os.readlink(path)
                    continue
                try:
                    with open(path, "rb") as f:
                        seen[path] = hashlib.sha256(f.read()).hexdigest()
                except OSError:
                    seen[path] = "unreadable"
    return seen


def _run(tmp_path: Path, profile: profiles.Profile) -> tuple[str, ProcessDut]:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    with Lab() as lab:
        host = lab.add_host("dut")
        port = host.port()
        dut = ProcessDut(profile, host.namespace, port.iface, state, tmp_path / "dut.log")
        dut.start()
        deadline = time.time() + 20
        while "caps" not in (tmp_path / "dut.log").read_text() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # the grandchild's exec
        dut.stop()
    return (tmp_path / "dut.log").read_text(), dut


def _leftovers() -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if MARK.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            pass
    return found


def test_a_dut_cannot_leave_its_box(tmp_path):
    """No private_dirs at all: the host's /etc, /var/lib and /run are unchanged, nothing is written elsewhere, the
    setsid grandchild is gone after the stop, and the DUT had neither CAP_SYS_ADMIN nor a view of host processes."""
    before = _host_tree("/etc", "/var/lib")
    log, dut = _run(tmp_path, _profile(tmp_path))
    assert _leftovers() == [], log
    assert _host_tree("/etc", "/var/lib") == before
    assert not any(os.path.lexists(f"{root}/{MARK}") for root in ("/etc", "/var/lib", "/run", "/tmp", "/root", "/usr"))
    for path in ("/etc", "/var/lib", "/run", "/tmp"):
        assert f"wrote {path}/{MARK}" in log, log
    assert f"refused /root/{MARK} Read-only file system" in log and f"refused /usr/{MARK}" in log
    assert "setns -1 Operation not permitted" in log and "remount -1 Operation not permitted" in log
    processes = eval(log.split("processes ")[1].splitlines()[0])
    assert processes[0] == 1 and len(processes) <= 3, processes  # init, the program (and nothing of the host)
    caps = int(log.split("caps ")[1].split()[0], 16)
    assert not caps >> 21 & 1 and not caps >> 19 & 1 and caps >> 12 & 1 and caps >> 13 & 1  # SYS_ADMIN, PTRACE


def test_what_the_dut_wrote_is_kept_as_evidence(tmp_path):
    _, dut = _run(tmp_path, _profile(tmp_path, private_dirs='["/var/lib/d6c-box-test-private"]'))
    with tarfile.open(dut.files_path) as tar:
        names = tar.getnames()
    for name in (f"etc/{MARK}", f"var/lib/{MARK}", f"run/{MARK}", f"tmp/{MARK}", "state"):
        assert name in names, names
    assert f"private/var/lib/{MARK}-private" in names
    assert not os.path.exists(f"/var/lib/{MARK}-private")  # made in the DUT's copy of /var only
    assert f"etc/{MARK}  1 bytes" in dut.files_path.with_suffix(".txt").read_text()


def test_the_box_has_a_size_limit(tmp_path):
    """A DUT that writes without end fills its box, not the host's disk."""
    profile = _profile(tmp_path, files_limit=1 << 20)
    script = tmp_path / "escape.py"
    script.write_text("import time\ntry:\n    open('/tmp/big', 'wb').write(bytes(4 << 20))\n"
                      "except OSError as exc:\n    print('full', exc.strerror)\nprint('caps', flush=True)\n"
                      "time.sleep(100)\n")
    log, dut = _run(tmp_path, profile)
    assert "full No space left on device" in log
    assert dut.files_path.stat().st_size < 2 << 20


def test_placed_files_and_the_environment_reach_the_program_and_nothing_reaches_the_host(tmp_path):
    """[dut.files] puts a rendered template where the program reads it (here under /run and /etc), [dut.env] sets
    its environment, and a hook-style file it writes into its state folder is in the evidence; the host has none
    of them."""
    (tmp_path / "placed.conf").write_text("iface=@IFACE@ here=@HERE@\n")
    profile = _profile(tmp_path, env='{ D6C_GREETING = "hello {iface}", D6C_SHELL = "${HOME}" }',
                       files=f'{{ "/run/{MARK}/a.conf" = "{{here}}/placed.conf", "/etc/{MARK}.d/b.conf" = '
                             f'"{{here}}/placed.conf" }}')
    (tmp_path / "escape.py").write_text(
        f"import os, time\nprint(open('/run/{MARK}/a.conf').read().strip(), oct(os.stat('/etc/{MARK}.d/b.conf')"
        ".st_mode & 0o777))\nprint('env', os.environ['D6C_GREETING'], os.environ['D6C_SHELL'])\n"
        "open('hook-output.txt', 'w').write('bound')\nprint('caps', flush=True)\ntime.sleep(100)\n")
    log, dut = _run(tmp_path, profile)
    iface = log.split("iface=")[1].split()[0]
    assert f"iface={iface} here={tmp_path} 0o644" in log, log
    assert f"env hello {iface} ${{HOME}}" in log, log
    assert not os.path.lexists(f"/run/{MARK}") and not os.path.lexists(f"/etc/{MARK}.d")
    with tarfile.open(dut.files_path) as tar:
        names = tar.getnames()
    assert f"run/{MARK}/a.conf" in names and "state/hook-output.txt" in names, names
