"""The decoded DHCPv6 messages of a case in capture order, with kernel timestamps, to query and to wait on; the
Neighbor Discovery frames beside them (DAD probes, the suite's probes); and notes from the lab's components (a
message a fake server discarded, an answer it could not send).

Its readable form counts time from the first captured frame and numbers each line with its frame in the link's
pcap, as Wireshark does, so a line and its packet are found in one another.
"""
import datetime
import threading
import time
from typing import Callable

from . import progress
from ..wire import duid
from ..wire.frame import Message, Neighbor

Predicate = Callable[[Message], bool]
Who = Callable[[str], str | None]  # a MAC -> "the DUT", "the suite" or None, for the readable form


class Timeline:
    def __init__(self):
        self._messages: list[Message] = []
        self._notes: list[tuple[float, str, str]] = []
        self._neighbors: list[tuple[float, str, int, Neighbor]] = []
        self._labels: list[tuple[Predicate, str]] = []
        self._changed = threading.Condition()
        self.origin: float | None = None  # time zero of every "+s" the suite writes: the first captured frame

    def saw_frame(self, when: float) -> None:
        """A capture kept or judged a frame at `when`: the first of all is time zero."""
        if self.origin is None or when < self.origin:
            self.origin = when

    def add(self, message: Message) -> None:
        with self._changed:
            self._messages.append(message)
            self._changed.notify_all()

    def note(self, when: float, source: str, text: str) -> None:
        """A line of the readable timeline that is no captured message: `+1.043s  s1  DISCARDED REQUEST ...`."""
        with self._changed:
            self._notes.append((when, source, text))

    def add_neighbor(self, when: float, link: str, number: int, neighbor: Neighbor) -> None:
        with self._changed:
            self._neighbors.append((when, link, number, neighbor))

    def label(self, predicate: Predicate, text: str) -> None:
        """Messages matching `predicate` are marked `text` in the readable form (the suite's own probe Solicits)."""
        with self._changed:
            self._labels.append((predicate, text))

    def label_of(self, m: Message) -> str | None:
        with self._changed:
            labels = list(self._labels)
        return _label(m, labels)

    def notes(self) -> list[tuple[float, str, str]]:
        with self._changed:
            return list(self._notes)

    def messages(self, predicate: Predicate | None = None) -> list[Message]:
        with self._changed:
            return [m for m in self._messages if predicate is None or predicate(m)]

    def wait_for(self, predicate: Predicate, timeout: float, give_up=lambda: False,
                 what: str = "the DUT's next message") -> Message | None:
        """The first message matching `predicate`, waiting up to `timeout` seconds for it to be captured, or until
        `give_up()` turns true (checked every 0.1 s). The console shows `what` is awaited and the time left."""
        deadline, seen = time.monotonic() + timeout, 0
        with progress.waiting(what, timeout):
            while True:
                with self._changed:
                    # Only messages added since the last look are tested: a flood of thousands stays cheap.
                    found = next((m for m in self._messages[seen:] if predicate(m)), None)
                    seen = len(self._messages)
                    remaining = deadline - time.monotonic()
                    if found is not None or remaining <= 0 or give_up():
                        return found
                    self._changed.wait(min(remaining, 0.1))
                progress.tick()  # outside the lock: a slow terminal must never hold up a capture

    def render(self, who: Who = lambda mac: None) -> str:
        """A header saying where time zero is, then one line a message, Neighbor Discovery frame or note:
        `#12    +1.043s  lan  fe80::1 -> ff02::1:2  SOLICIT xid=0x3a1f2c ...`, in capture-time order (captures on
        several links hand their frames over independently). `who` names the sender of a probe."""
        with self._changed:
            messages, notes, neighbors = list(self._messages), list(self._notes), list(self._neighbors)
            labels = list(self._labels)
        origin = self.origin if self.origin is not None else min([m.time for m in messages] or [0.0])
        lines = [(m.time, format_message(m, origin) + _labelled(m, labels)) for m in messages]
        lines += [(when, f"{'':6} {when - origin:+9.3f}s  {source}  {text}") for when, source, text in notes]
        lines += [(when, _format_neighbor(when - origin, link, number, n, who)) for when, link, number, n in neighbors]
        zero = datetime.datetime.fromtimestamp(origin, datetime.timezone.utc).isoformat(timespec="microseconds")
        head = (f"# +0.000s is the first frame captured, at {zero} (Wireshark's time since the beginning of the "
                "capture); #N is the frame's number in its link's pcap\n")
        return head + "".join(f"{line}\n" for _, line in sorted(lines, key=lambda pair: pair[0]))


def _labelled(m: Message, labels: list[tuple[Predicate, str]]) -> str:
    text = _label(m, labels)
    return f"  <- {text}" if text else ""


def _label(m: Message, labels: list[tuple[Predicate, str]]) -> str | None:
    return next((text for predicate, text in labels if _matches(predicate, m)), None)


def _matches(predicate: Predicate, m: Message) -> bool:
    try:
        return bool(predicate(m))
    except Exception:  # noqa: BLE001 - a label is a reading aid: a message it cannot read is simply not labelled
        return False


def _format_neighbor(since: float, link: str, number: int, n: Neighbor, who: Who) -> str:
    """`#7  +0.512s  lan  :: -> ff02::1:ff00:101  NS for 2001:db8:1::101  <- the DUT's DAD probe`."""
    sender = who(n.src_mac)
    if n.kind == "NS" and n.src == "::":
        role = f"{sender or 'a host'}'s Duplicate Address Detection probe (RFC 4862 5.4.2)"
    elif n.kind == "NS":
        role = "the suite's probe: does a host use this address?" if sender == "the suite" else sender
    else:
        role = f"{sender} answers: the address is in use" if sender else "the address is in use"
    text = f"{n.kind} for {n.target}" if n.kind == "NS" else f"NA {n.target} is at {n.src_mac}"
    return (f"#{number:<5} {since:+9.3f}s  {link}  {n.src} -> {n.dst}  {text}" + (f"  <- {role}" if role else ""))


def format_message(m: Message, origin: float) -> str:
    """The message's line; never raises, whatever the message holds (a line that cannot be rendered says why)."""
    try:
        return _format(m, origin)
    except Exception as exc:  # noqa: BLE001 - evidence must be written whatever the DUT sent
        return f"{_number(m)} {m.time - origin:+9.3f}s  {m.src} -> {m.dst}  UNRENDERABLE ({type(exc).__name__}: {exc})"


def _number(m: Message) -> str:
    return f"#{m.frame:<5}" if m.frame else "#-    "  # "-": past the pcap's size limit, judged but not kept


def _format(m: Message, origin: float) -> str:
    head = f"{_number(m)} {m.time - origin:+9.3f}s  {m.link + '  ' if m.link else ''}{m.src} -> {m.dst}  {m.name}"
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
