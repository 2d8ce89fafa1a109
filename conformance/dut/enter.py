"""Put the DUT in its box, then become it: `python -m conformance.dut.enter SPEC -- PROGRAM ARGS...`.

A program of its own rather than a preexec_fn: the harness has capture and server threads running, and Python
documents code between fork and exec in a threaded process as unsafe (it can deadlock on a lock another thread
held). Here, in a fresh single-threaded interpreter, the steps are:
- enter the DUT's network namespace; unshare mount and UTS namespaces;
- make every mount private, so that nothing mounted here propagates to the host (this needs / to be a mount point,
  which the harness's environment check makes sure of);
- mount a fresh sysfs (it shows the namespace of whoever mounts it, as `ip netns exec` does), an empty tmpfs on /run,
  the case's resolv.conf over /etc/resolv.conf and a private folder over each of the profile's private_dirs;
- start a new session, change to the state folder, and exec the program.
Any failure is one line on stderr (the DUT's log) and exit status 121, before the program runs.

SPEC is JSON: {"netns": path, "state": folder, "private_dirs": [...]}.
"""
import json
import os
import sys

from ..lab.syscalls import (CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWUTS, MS_BIND, MS_PRIVATE, MS_REC, mount, setns,
                            umount, unshare)

FAILED = 121  # the exit status of a box that could not be made (the program never ran)


def enter(spec: dict) -> None:
    with open(spec["netns"]) as target:
        setns(target.fileno(), CLONE_NEWNET)
    unshare(CLONE_NEWNS | CLONE_NEWUTS)
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing mounted here reaches the host (/ is a mount point:
    # the environment check refuses to run where it is not)
    umount("/sys")
    mount("sysfs", "/sys", "sysfs", 0)
    if os.path.exists("/etc/resolv.conf"):
        mount(os.path.join(spec["state"], "resolv.conf"), "/etc/resolv.conf", None, MS_BIND)
    mount("tmpfs", "/run", "tmpfs", 0)
    for index, folder in enumerate(spec["private_dirs"]):
        os.makedirs(folder, exist_ok=True)  # only ever needed under the private /run (profile validation)
        mount(os.path.join(spec["state"], f"private{index}"), folder, None, MS_BIND)
    os.setsid()
    os.chdir(spec["state"])


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        print("usage: python -m conformance.dut.enter SPEC -- PROGRAM [ARGS...]", file=sys.stderr)
        return FAILED
    try:
        enter(json.loads(argv[1]))
        os.execvp(argv[3], argv[3:])
    except OSError as exc:
        print(f"conformance: the DUT's box could not be made or the program not started: {exc}", file=sys.stderr,
              flush=True)
    return FAILED


if __name__ == "__main__":
    sys.exit(main(sys.argv))
