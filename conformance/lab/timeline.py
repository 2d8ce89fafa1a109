"""The decoded DHCPv6 messages of a case in capture order, with kernel timestamps, to query and to wait on; and
notes from the lab's components (a message a fake server discarded, an answer it could not send)."""
import threading
import time
from typing import Callable

from ..wire import duid
from ..wire.frame import Message

Predicate = Callable[[Message], bool]


class Timeline:
    def __init__(self):
        self._messages: list[Message] = []
        self._notes: list[tuple[float, str, str]] = []
        self._changed = threading.Condition()
        self.origin: float | None = None  # time zero of the readable form: the DUT's start

    def add(self, message: Message) -> None:
        with self._changed:
            self._messages.append(message)
            self._changed.notify_all()

    def note(self, when: float, source: str, text: str) -> None:
        """A line of the readable timeline that is no captured message: `+1.043s  s1  DISCARDED REQUEST ...`."""
        with self._changed:
            self._notes.append((when, source, text))

    def messages(self, predicate: Predicate | None = None) -> list[Message]:
        with self._changed:
            return [m for m in self._messages if predicate is None or predicate(m)]

    def wait_for(self, predicate: Predicate, timeout: float, give_up=lambda: False) -> Message | None:
        """The first message matching `predicate`, waiting up to `timeout` seconds for it to be captured, or until
        `give_up()` turns true (checked every 0.1 s)."""
        deadline, seen = time.monotonic() + timeout, 0
        with self._changed:
            while True:
                # Only messages added since the last look are tested: a flood of thousands stays cheap.
                found = next((m for m in self._messages[seen:] if predicate(m)), None)
                seen = len(self._messages)
                remaining = deadline - time.monotonic()
                if found is not None or remaining <= 0 or give_up():
                    return found
                self._changed.wait(min(remaining, 0.1))

    def render(self) -> str:
        """One line a message: `+1.043s  fe80::1 -> ff02::1:2  SOLICIT xid=0x3a1f2c ...`, in capture-time order
        (captures on several links hand their messages over independently)."""
        with self._changed:
            messages, notes = list(self._messages), list(self._notes)
        origin = self.origin if self.origin is not None else min([m.time for m in messages] or [0.0])
        lines = [(m.time, format_message(m, origin)) for m in messages]
        lines += [(when, f"{when - origin:+9.3f}s  {source}  {text}") for when, source, text in notes]
        return "".join(f"{line}\n" for _, line in sorted(lines, key=lambda pair: pair[0]))


def format_message(m: Message, origin: float) -> str:
    """The message's line; never raises, whatever the message holds (a line that cannot be rendered says why)."""
    try:
        return _format(m, origin)
    except Exception as exc:  # noqa: BLE001 - evidence must be written whatever the DUT sent
        return f"{m.time - origin:+9.3f}s  {m.src} -> {m.dst}  UNRENDERABLE ({type(exc).__name__}: {exc})"


def _format(m: Message, origin: float) -> str:
    head = f"{m.time - origin:+9.3f}s  {m.link + '  ' if m.link else ''}{m.src} -> {m.dst}  {m.name}"
    if m.dhcp is None:
        return f"{head} ({m.error})"
    parts = [head]
    if m.dhcp.is_relay:
        hop_limit = f" hlim={m.hop_limit}" if m.dst.startswith("ff") else ""  # relaying to multicast: RFC 9915 19
        return f"{head} {_relay_layers(m.dhcp)}{hop_limit}"
    parts.append(f"xid=0x{m.xid:06x}")
    if m.client_id is not None:
        parts.append(f"cid={duid.describe(m.client_id)}")
    if m.server_id is not None:
        parts.append(f"sid={duid.describe(m.server_id)}")
    if m.preference is not None:
        parts.append(f"pref={m.preference}")
    if m.elapsed is not None:
        parts.append(f"elapsed={m.elapsed / 100:.2f}s")
    for ia in m.ias:
        leases = ",".join(f"{l.address}({l.preferred}/{l.valid})" for l in ia.leases)
        status = f" status={ia.status}" if ia.status is not None else ""
        parts.append(f"IA_{ia.kind.upper()}(iaid={ia.iaid} t1={ia.t1} t2={ia.t2} {leases}{status})")
    if m.status is not None:
        parts.append(f"status={m.status}")
    return " ".join(parts)


def _relay_layers(relay) -> str:
    """`hop=0 link=... peer=... [SOLICIT xid=0x3a1f2c]`, one bracket per layer a relay message wraps."""
    text = f"hop={relay.hop_count} link={relay.link_address} peer={relay.peer_address}"
    inner = relay.relay_message
    if inner is None:  # a relay may wrap what a client sent, however broken
        return f"{text} [MALFORMED ({relay.relay_error})]"
    return f"{text} [{inner.name} {_relay_layers(inner) if inner.is_relay else f'xid=0x{inner.xid:06x}'}]"
