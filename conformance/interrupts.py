"""How a run ends on a signal: SIGINT, SIGTERM and SIGHUP (a closed terminal) all unwind like Ctrl-C, so every lab
is torn down and the verdicts so far are written; a signal that comes while a testbed is being built or torn down
waits until that is over, so the evidence survives a burst of them, and signals after the first only wait for the run to
end (SIGKILL still ends it at once; the next run or `cleanup` sweeps what it leaves).

Installed explicitly in both entry points (the command line and plain pytest): a shell that starts the harness in
the background hands it SIGINT ignored. SIGHUP inherited as ignored (`nohup`) stays ignored.
"""
import os
import signal
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_HARNESS_PID = os.getpid()
_deferred: list[int] = []  # signals that arrived while a lab was being built or torn down
_deferring = 0
_interrupted = False  # one interrupt ends the run; later signals only wait for it to finish (SIGKILL still works)


def _interrupt(signum, frame):
    global _interrupted
    # pyroute2 forks helper children that inherit this handler and are ended with SIGTERM: they must just exit,
    # never unwind the harness's stack.
    if os.getpid() != _HARNESS_PID:
        os._exit(0)
    if _interrupted:
        return
    if _deferring:
        _deferred.append(signum)
        return
    _interrupted = True
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def install() -> None:
    for signum in SIGNALS:
        if signum == signal.SIGHUP and signal.getsignal(signum) == signal.SIG_IGN:
            continue  # started under nohup: the user asked to outlive the terminal
        signal.signal(signum, _interrupt)


@contextmanager
def deferred():
    """Signals wait while the block runs (building or tearing down a lab); the first of them is raised when it is
    over."""
    global _deferring, _interrupted
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
        if not _deferring and _deferred and os.getpid() == _HARNESS_PID:
            signum = _deferred[0]
            _deferred.clear()
            if signal.getsignal(signum) is _interrupt and not _interrupted:
                _interrupted = True
                raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}, deferred until teardown ended")
