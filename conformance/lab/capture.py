"""Capture of a lab link with kernel timestamps, as a pcap and as a timeline of decoded DHCPv6 messages, with an
account of what it lost.

The socket is a raw packet socket on the bridge port facing the host under test: it sees every frame in both
directions (LAB-NOTES), where the bridge device itself misses forwarded unicast. Frame times are the kernel's
receive timestamps, so verdicts do not depend on when the harness got round to reading a frame.

Loss: after every batch of reads the capture asks the kernel how many frames it dropped for the socket
(PACKET_STATISTICS). Drops seen at one poll happened after the previous poll, so each is kept as a window
(previous poll, this poll); `lost_between` tells a case whether a window it judges absence in is complete. The
port's own frame counters, read at start and stop, go into the evidence beside the capture's figures.

Size: frames are kept for the pcap up to the profile's capture_limit (bytes of frame data per capture); past it
they are still judged (decoded into the timeline) but not kept, and the account says from when and how many.
"""
import select
import struct
import time
from dataclasses import dataclass

from ..wire.frame import decode_frame, decode_neighbor
from . import netns
from .component import Component
from .packet_socket import DEFAULT_BUFFER, PacketSocket
from .timeline import Timeline

_PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1)  # nanosecond pcap, DLT_EN10MB


@dataclass(frozen=True)
class Frame:
    time: float
    data: bytes


@dataclass(frozen=True)
class Loss:
    """`count` frames the kernel dropped somewhere between capture-clock times `start` and `end`."""

    start: float
    end: float
    count: int


def _port_counters(namespace: str, iface: str) -> tuple[int, int]:
    """(frames received, frames sent) by the interface, from the kernel's /proc/net/dev as the namespace sees it
    (cheaper than a netlink helper process)."""
    with netns.inside(namespace), open("/proc/thread-self/net/dev") as table:
        for line in table:
            name, _, counters = line.partition(":")
            if name.strip() == iface:
                fields = counters.split()
                return int(fields[1]), int(fields[9])
    raise LookupError(f"no interface {iface} in namespace {namespace}")


class Capture(Component):
    def __init__(self, namespace: str, iface: str, timeline: Timeline, link: str = "lan",
                 buffer: int = DEFAULT_BUFFER, limit: int = 1 << 62):
        super().__init__(f"capture on {link} ({iface})")
        self.link = link
        self.timeline = timeline
        self.frames: list[Frame] = []
        self.limit, self._kept = limit, 0
        self.cut_at: float | None = None  # the time of the first frame not kept for the pcap
        self.cut_frames = 0
        self.losses: list[Loss] = []
        self._namespace, self._iface = namespace, iface
        self._counters_at_start = _port_counters(namespace, iface)
        self._counters_at_stop: tuple[int, int] | None = None
        self._socket = PacketSocket(namespace, iface, buffer)
        self._last_poll = 0.0
        self._start(self._loop)

    def _loop(self) -> None:
        self._last_poll = time.time()
        while True:
            ready, _, _ = select.select([self._socket], [], [], 0.05)
            while ready and (got := self._socket.recv()) is not None:
                self._guard("a frame", self._take, *got)
            now = time.time()
            dropped = self._socket.new_drops()
            if dropped:
                self.losses.append(Loss(self._last_poll, now, dropped))
            self._last_poll = now
            if not ready and self._stop.is_set():
                return

    def _take(self, data: bytes, when: float, _outgoing: bool) -> None:
        number = 0  # the frame's number in the pcap, as Wireshark counts; 0 for a frame past the size limit
        if self.cut_at is None and self._kept + len(data) <= self.limit:
            self.frames.append(Frame(when, data))
            self._kept += len(data)
            number = len(self.frames)
        else:
            self.cut_at = self.cut_at or when
            self.cut_frames += 1
        self.timeline.saw_frame(when)
        message = decode_frame(data, when, self.link, number)
        if message is not None:
            self.timeline.add(message)
        elif number and (neighbor := decode_neighbor(data)) is not None:  # what the pcap keeps, the timeline shows
            self.timeline.add_neighbor(when, self.link, number, neighbor)

    @property
    def lost(self) -> int:
        """Frames the kernel dropped over the whole capture."""
        return sum(loss.count for loss in self.losses)

    def lost_between(self, start: float, end: float) -> int:
        """Frames the kernel dropped in windows that overlap [start, end]."""
        return sum(loss.count for loss in self.losses if loss.start <= end and loss.end >= start)

    def stop(self) -> None:
        """Stop once the socket has nothing left to read, then close it."""
        self._join()
        self._socket.close()
        self._counters_at_stop = self._guard("port counters", _port_counters, self._namespace, self._iface)

    def account(self) -> str:
        """What the capture kept and lost, beside what the port counted, for the evidence."""
        text = f"{self.link}: {len(self.frames)} frames captured, {self.lost} dropped by the kernel"
        if self._counters_at_stop:
            rx, tx = (b - a for a, b in zip(self._counters_at_start, self._counters_at_stop))
            text += f"; the port counted {rx} received and {tx} sent ({rx + tx} in all)"
        if self.cut_at is not None:
            text += (f"\n  pcap cut at {self.limit} bytes (profile key dut.capture_limit): {self.cut_frames} frames "
                     f"from {self.cut_at:.6f} on were judged but not kept")
        return text + "".join(f"\n  lost {loss.count} between {loss.start:.6f} and {loss.end:.6f}"
                              for loss in self.losses)

    def write_pcap(self, path) -> None:
        with open(path, "wb") as out:
            out.write(_PCAP_HEADER)
            for frame in self.frames:
                nanos = round(frame.time * 1e9)
                out.write(struct.pack("<IIII", nanos // 1_000_000_000, nanos % 1_000_000_000, len(frame.data),
                                      len(frame.data)))
                out.write(frame.data)
