#!/usr/bin/env python3
"""The stand-in for a device on the bench, for the suite's own tests: ISC dhclient (or ISC dhcrelay) in a namespace
of the test's own, behind veths whose other ends are the "ports" a bench profile names.

`restart NAMESPACE IFACE FOLDER` is a client profile's reset command: it stops the program it started last (if any)
and starts a new dhclient with fresh state, in a DUT box of its own (conformance.dut.enter), as a power cycle would.
`restart-relay NAMESPACE FOLDER LOWERS UPPER DESTINATION...` does the same for dhcrelay, relaying from the
comma-separated client-side interfaces LOWERS to each DESTINATION through UPPER (the test gave the namespace the lab
plan's addresses). `stop FOLDER` ends it for good.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conformance import data
from conformance.dut.process import render_template
from conformance.dut.profile import DUT_PRIVILEGES
from conformance.lab.syscalls import CAPABILITY_NUMBERS


def stop(folder: Path) -> None:
    try:
        keeper = int((folder / "keeper.pid").read_text())
    except (FileNotFoundError, ValueError):
        return
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(keeper, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while Path(f"/proc/{keeper}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    (folder / "keeper.pid").unlink(missing_ok=True)


def _fresh_state(folder: Path) -> Path:
    stop(folder)
    state = folder / "state"
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(mode=0o700, parents=True)
    (state / "box").mkdir(mode=0o700)
    return state


def _start(folder: Path, namespace: str, state: Path, command: list[str], private_dirs: list[str]) -> None:
    spec = {"netns": f"/run/netns/{namespace}", "state": str(state), "private_dirs": private_dirs,
            "files_limit": 16 << 20, "capabilities": sorted(CAPABILITY_NUMBERS[n] for n in DUT_PRIVILEGES)}
    with open(folder / "device.log", "ab") as log:
        keeper = subprocess.Popen([sys.executable, "-m", "conformance.dut.enter", json.dumps(spec), "--", *command],
                                  stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=state)
    (folder / "keeper.pid").write_text(str(keeper.pid))
    print(f"stand-in device restarted: {command[0]} in {namespace} (keeper {keeper.pid})", flush=True)


def _await_link_local(namespace: str, iface: str) -> None:
    """dhclient binds to its link-local address, which Duplicate Address Detection holds tentative for a second
    after the carrier comes back (the port was just moved): a device's own client waits for it too."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and subprocess.run(
            ["ip", "-n", namespace, "-6", "addr", "show", "dev", iface, "tentative"], capture_output=True,
            text=True).stdout.strip():
        time.sleep(0.05)


def restart(namespace: str, iface: str, folder: Path) -> None:
    state = _fresh_state(folder)
    _await_link_local(namespace, iface)
    fixtures = data.fixtures() / "dhclient"
    (state / "dhclient6.conf").write_text(render_template(fixtures / "dhclient6.conf", {
        "iface": iface, "state": str(state), "fixtures": str(data.fixtures())}))
    _start(folder, namespace, state, ["dhclient", "-6", "-d", "-v", "-cf", f"{state}/dhclient6.conf", "-lf",
                                      f"{state}/dhclient6.leases", "-pf", f"{state}/dhclient.pid", "-sf",
                                      str(fixtures / "dhclient-script"), iface], ["/var/lib/dhcp"])


def restart_relay(namespace: str, folder: Path, lowers: str, upper: str, destinations: list[str]) -> None:
    state = _fresh_state(folder)
    command = ["dhcrelay", "-6", "-d", "-pf", f"{state}/dhcrelay.pid"]
    command += [arg for lower in lowers.split(",") for arg in ("-l", lower)]
    command += [arg for destination in destinations for arg in ("-u", f"{destination}%{upper}")]
    _start(folder, namespace, state, command, [])


def main(argv: list[str]) -> int:
    if argv[1:2] == ["restart"] and len(argv) == 5:
        restart(argv[2], argv[3], Path(argv[4]))
    elif argv[1:2] == ["restart-relay"] and len(argv) >= 7:
        restart_relay(argv[2], Path(argv[3]), argv[4], argv[5], argv[6:])
    elif argv[1:2] == ["stop"] and len(argv) == 3:
        stop(Path(argv[2]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
