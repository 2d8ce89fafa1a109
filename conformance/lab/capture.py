"""Capture of a lab link with kernel timestamps, as a pcap and as a timeline of decoded DHCPv6 messages.

The socket is scapy's L2ListenSocket on the bridge port facing the host under test: measured to see every frame in
both directions (LAB-NOTES), where the bridge device itself misses forwarded unicast. `packet.time` is the kernel's
receive timestamp, so verdicts do not depend on when the harness got round to reading the packet.
"""
import select
import threading

from scapy.arch.linux import L2ListenSocket
from scapy.utils import wrpcap

from ..wire.frame import decode_frame
from . import netns
from .timeline import Timeline


class Capture:
    def __init__(self, namespace: str, iface: str, timeline: Timeline, link: str = "lan"):
        self.link = link
        self.timeline = timeline
        self.packets = []
        with netns.inside(namespace):
            self._socket = L2ListenSocket(iface=iface, promisc=False)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"capture-{iface}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            ready, _, _ = select.select([self._socket], [], [], 0.05)
            if not ready:
                if self._stop.is_set():
                    return
                continue
            packet = self._socket.recv()
            if packet is None:
                continue
            self.packets.append(packet)
            message = decode_frame(bytes(packet), float(packet.time), self.link)
            if message is not None:
                self.timeline.add(message)

    def stop(self) -> None:
        """Stop once the socket has nothing left to read, then close it."""
        self._stop.set()
        self._thread.join(timeout=2)
        self._socket.close()

    def write_pcap(self, path) -> None:
        wrpcap(str(path), self.packets, linktype=1)  # DLT_EN10MB, also when empty
