"""A raw AF_PACKET socket on one interface of a lab namespace: frames as bytes with the kernel's receive timestamp,
the kernel's count of frames it dropped, and sending at layer 2.

Used by the capture, the fake servers and the peers instead of scapy's L2Socket/L2ListenSocket, whose recv()
dissects every frame in Python: under a burst of a few thousand frames a second that made the capture fall behind
and the kernel drop half of them (LAB-NOTES). Here a frame costs one recvmsg(); the receive buffer is large
(SO_RCVBUFFORCE, root), and PACKET_STATISTICS says what was dropped anyway, so nothing is lost silently.
"""
import errno
import socket
import struct

from . import netns

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_STATISTICS = 6
SO_RCVBUFFORCE = 33
SO_TIMESTAMPNS = 35
PACKET_OUTGOING = 4
DEFAULT_BUFFER = 32 * 1024 * 1024  # bytes: a burst of ~10,000 full-size frames waits here for the reader
_TIMESPEC = struct.Struct("@qq")


class PacketSocket:
    def __init__(self, namespace: str, iface: str, buffer: int = DEFAULT_BUFFER, receive: bool = True):
        """`receive` False: a socket that only sends (protocol 0 gets no frames to queue)."""
        protocol = ETH_P_ALL if receive else 0
        with netns.inside(namespace):
            self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(protocol))
            try:
                self._sock.bind((iface, protocol))
            except OSError:
                self._sock.close()
                raise
        self._sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, buffer)
        self._sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self._sock.setblocking(False)

    def fileno(self) -> int:
        return self._sock.fileno()

    def recv(self) -> tuple[bytes, float, bool] | None:
        """(frame, kernel timestamp, sent by this interface) for the next queued frame, or None if none is queued."""
        try:
            data, ancillary, _, address = self._sock.recvmsg(65536, socket.CMSG_SPACE(_TIMESPEC.size))
        except (BlockingIOError, InterruptedError):
            return None
        except OSError as exc:
            if exc.errno == errno.ENETDOWN:  # the interface went down (a link flap): the kernel says so once
                return None
            raise
        stamp = next((_TIMESPEC.unpack(body[:_TIMESPEC.size]) for level, kind, body in ancillary
                      if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS), None)
        when = stamp[0] + stamp[1] / 1e9 if stamp else 0.0
        return data, when, address[2] == PACKET_OUTGOING

    def new_drops(self) -> int:
        """Frames dropped since the last call (the kernel resets its counters when they are read)."""
        return struct.unpack("@II", self._sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))[1]

    def send(self, frame: bytes) -> None:
        self._sock.send(frame)

    def close(self) -> None:
        self._sock.close()
