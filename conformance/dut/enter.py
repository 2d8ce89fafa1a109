"""Put the DUT in its box, then become it: `python -m conformance.dut.enter SPEC -- PROGRAM ARGS...`.

A program of its own rather than a preexec_fn: the harness has capture and server threads running, and Python
documents code between fork and exec in a threaded process as unsafe (it can deadlock on a lock another thread
held). In this fresh single-threaded interpreter three processes do the work:
- the keeper (the process the harness started) enters the DUT's network namespace, unshares mount, UTS and PID
  namespaces, builds the box (dut/box.py) and forks the namespace's init. When init has gone it writes the files
  the DUT wrote into the state folder and ends as the program ended (its exit status, or its signal);
- init (PID 1 of the DUT's PID namespace) mounts the namespace's /proc, gives up every capability a DHCP client or
  relay does not need (and the profile does not add), forks the program and reaps orphans. It passes SIGTERM,
  SIGINT and SIGHUP to the program's process group. When the program ends, init ends, and the kernel kills every
  process left in the namespace: a child that started its own session dies with it. Init dies with the keeper;
- the program starts its own session, gets the default signal dispositions, changes to the state folder and execs.
Any failure before the exec is one line on stderr (the DUT's log) and exit status 121.

SPEC is JSON: {"netns": path, "state": folder, "private_dirs": [...], "files_limit": bytes, "capabilities": [...],
"files": [[path in the box, name in the state folder], ...], "env": {NAME: value}}.
"""
import json
import os
import resource
import select
import signal
import sys

from ..lab.syscalls import PR_SET_PDEATHSIG, limit_capabilities, prctl
from . import box

FAILED = 121  # the exit status of a box that could not be made (the program never ran)
PASSED_ON = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _say(what: str, exc: OSError) -> None:
    print(f"conformance: {what}: {exc}", file=sys.stderr, flush=True)


def _program(spec: dict, command: list[str]) -> None:
    os.setsid()
    for sig in signal.valid_signals() - {signal.SIGKILL, signal.SIGSTOP}:
        try:
            signal.signal(sig, signal.SIG_DFL)  # Python ignores SIGPIPE and SIGXFSZ; the harness may ignore SIGINT
        except (OSError, ValueError):
            pass
    os.chdir(spec["state"])
    os.environ.update(spec.get("env", {}))  # the profile's [dut.env], for the program only: not this interpreter
    os.execvp(command[0], command)


def _init(spec: dict, command: list[str], status_out: int, lifeline: int) -> int:
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if select.select([lifeline], [], [], 0)[0]:
        return FAILED  # the keeper died before PR_SET_PDEATHSIG was in place
    program = 0

    def pass_on(sig, _frame):
        if program:
            try:
                os.killpg(program, sig)
            except ProcessLookupError:
                pass
    for sig in PASSED_ON:
        signal.signal(sig, pass_on)
    box.enter_pid_namespace()
    limit_capabilities(set(spec["capabilities"]))
    program = os.fork()
    if program == 0:
        try:
            _program(spec, command)
        except OSError as exc:
            _say("the DUT's program could not be started", exc)
        os._exit(FAILED)
    while True:
        pid, status = os.waitpid(-1, 0)
        if pid == program:
            os.write(status_out, str(status).encode())
            return 0


def _end_as(status: int) -> int:
    """Exit as the program did: with its exit status, or by its signal (no core: the program dumped its own)."""
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return code
    signal.signal(-code, signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.kill(os.getpid(), -code)
    return 128 - code


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        print("usage: python -m conformance.dut.enter SPEC -- PROGRAM [ARGS...]", file=sys.stderr)
        return FAILED
    spec, command = json.loads(argv[1]), argv[3:]
    for sig in PASSED_ON:
        signal.signal(sig, signal.SIG_IGN)  # the harness signals the whole group: init passes it on
    try:
        os.setsid()
        spec["state_fd"] = state = os.open(spec["state"], os.O_RDONLY | os.O_DIRECTORY)
        files = box.build(spec)
        status_in, status_out = os.pipe()
        lifeline, keeper_alive = os.pipe()
        init = os.fork()
    except OSError as exc:
        _say("the DUT's box could not be made", exc)
        return FAILED
    if init == 0:
        os.close(status_in)
        os.close(keeper_alive)
        try:
            code = _init(spec, command, status_out, lifeline)
        except OSError as exc:
            _say("the DUT's box could not be made", exc)
            code = FAILED
        os._exit(code)
    os.close(status_out)
    os.close(lifeline)
    os.waitpid(init, 0)
    status = os.read(status_in, 32)
    try:
        box.keep_files(files, state, spec["private_dirs"])
    except OSError as exc:
        _say("the files the DUT wrote could not be kept", exc)
    return _end_as(int(status)) if status else FAILED


if __name__ == "__main__":
    sys.exit(main(sys.argv))
