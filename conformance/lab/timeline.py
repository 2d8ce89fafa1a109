"""The decoded DHCPv6 messages of a case in capture order, with kernel timestamps, to query and to wait on."""
import threading
import time
from typing import Callable

from ..wire import duid
from ..wire.codec import MalformedMessage
from ..wire.frame import Message

Predicate = Callable[[Message], bool]


class Timeline:
    def __init__(self):
        self._messages: list[Message] = []
        self._changed = threading.Condition()
        self.origin: float | None = None  # time zero of the readable form: the DUT's start

    def add(self, message: Message) -> None:
        with self._changed:
            self._messages.append(message)
            self._changed.notify_all()

    def messages(self, predicate: Predicate | None = None) -> list[Message]:
        with self._changed:
            return [m for m in self._messages if predicate is None or predicate(m)]

    def wait_for(self, predicate: Predicate, timeout: float, give_up=lambda: False) -> Message | None:
        """The first message matching `predicate`, waiting up to `timeout` seconds for it to be captured, or until
        `give_up()` turns true (checked every 0.1 s)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((m for m in self._messages if predicate(m)), None)
                remaining = deadline - time.monotonic()
                if found is not None or remaining <= 0 or give_up():
                    return found
                self._changed.wait(min(remaining, 0.1))

    def render(self) -> str:
        """One line a message: `+1.043s  fe80::1 -> ff02::1:2  SOLICIT xid=0x3a1f2c ...`, in capture-time order
        (captures on several links hand their messages over independently)."""
        messages = sorted(self.messages(), key=lambda m: m.time)
        origin = self.origin if self.origin is not None else (messages[0].time if messages else 0.0)
        return "".join(f"{format_message(m, origin)}\n" for m in messages)


def format_message(m: Message, origin: float) -> str:
    head = f"{m.time - origin:+9.3f}s  {m.link + '  ' if m.link else ''}{m.src} -> {m.dst}  {m.name}"
    if m.dhcp is None:
        return f"{head} ({m.error})"
    parts = [head]
    if m.dhcp.is_relay:
        hop_limit = f" hlim={m.hop_limit}" if m.dst.startswith("ff") else ""  # relaying to multicast: RFC 8415 19
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
    try:
        inner = relay.relay_message
    except MalformedMessage as exc:  # a relay may wrap what a client sent, however broken
        return f"{text} [MALFORMED ({exc})]"
    if inner is None:
        return text
    return f"{text} [{inner.name} {_relay_layers(inner) if inner.is_relay else f'xid=0x{inner.xid:06x}'}]"
