"""A lab part with a thread of its own (capture, fake server, peer) that nothing the DUT sends may stop.

Each frame is handled under a guard: a frame that does not decode is the caller's to record as MALFORMED, and any
other exception is a bug of the suite's, recorded with its traceback while the thread goes on serving. Whatever is
recorded makes the case ERROR (the testbed asks every component), naming the component, with the traceback in the
evidence: a verdict never rests on a component that misbehaved.
"""
import threading
import traceback

MAX_FAILURES_KEPT = 20


class Component:
    def __init__(self, label: str):
        self.label = label  # how failures name it: "fake server s1", "capture on lan (...)"
        self.failures: list[str] = []  # tracebacks, oldest first, the first MAX_FAILURES_KEPT of them
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _start(self, loop) -> None:
        self._thread = threading.Thread(target=self._run_guarded, args=(loop,), name=self.label, daemon=True)
        self._thread.start()

    def _run_guarded(self, loop) -> None:
        try:
            loop()
        except Exception:  # noqa: BLE001 - the loop itself broke: the component is dead, and says so
            self._record(f"{self.label} stopped: {traceback.format_exc()}")

    def _guard(self, what: str, func, *args):
        """func(*args), or None after recording the exception it raised."""
        try:
            return func(*args)
        except Exception:  # noqa: BLE001
            self._record(f"{self.label}, {what}: {traceback.format_exc()}")
            return None

    def _record(self, text: str) -> None:
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append(text)
        elif len(self.failures) == MAX_FAILURES_KEPT:
            self.failures.append(f"{self.label}: more failures, not kept")

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _join(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
