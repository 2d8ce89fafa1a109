"""What the running case is waiting for, for the console: a long wait announces itself and ticks while it runs; a
console registered by the plugin draws it (a live line on a terminal, timestamped lines in a CI log). With no
console registered (the project's own tests, soak's sessions without one) it costs nothing."""
import time
from contextlib import contextmanager
from typing import Protocol

SHOWN_FROM = 3.0  # seconds: shorter waits pass without a word


class Console(Protocol):
    def wait_began(self, what: str, deadline: float) -> None: ...
    def wait_ticked(self) -> None: ...
    def wait_ended(self) -> None: ...


_console: Console | None = None


def show_on(console: Console | None) -> None:
    """Waits from now on are drawn by `console` (None: by nothing)."""
    global _console
    _console = console


@contextmanager
def waiting(what: str, seconds: float):
    """A wait of up to `seconds` for `what` (a phrase: "the DUT's Request"); shown if it may last SHOWN_FROM s."""
    console = _console if seconds >= SHOWN_FROM else None
    if console is not None:
        console.wait_began(what, time.time() + seconds)
    try:
        yield
    finally:
        if console is not None:
            console.wait_ended()


def tick() -> None:
    if _console is not None:
        _console.wait_ticked()


def sleep_until(moment: float, what: str) -> None:
    """Sleep until wall-clock time `moment`, shown as a wait for `what`."""
    with waiting(what, moment - time.time()):
        while (left := moment - time.time()) > 0:
            time.sleep(min(left, 0.25))
            tick()
