"""Encode and decode DHCPv6 messages (RFC 8415 sections 8, 9 and 21) as bytes.

The suite parses options itself rather than through scapy's dissectors so that a verdict sees exactly what was on the
wire: an absent Preference option stays absent, an unknown option stays raw, a malformed message is reported as such.
"""
import ipaddress
import struct
from dataclasses import dataclass, field

from . import constants as c


class MalformedMessage(ValueError):
    """The bytes are not a well-formed DHCPv6 message."""


def option(code: int, payload: bytes = b"") -> bytes:
    return struct.pack("!HH", code, len(payload)) + payload


def parse_options(data: bytes) -> list[tuple[int, bytes]]:
    options, offset = [], 0
    while offset < len(data):
        if offset + 4 > len(data):
            raise MalformedMessage(f"truncated option header at byte {offset}")
        code, length = struct.unpack_from("!HH", data, offset)
        payload = data[offset + 4: offset + 4 + length]
        if len(payload) != length:
            raise MalformedMessage(f"option {code} claims {length} bytes, {len(payload)} present")
        options.append((code, payload))
        offset += 4 + length
    return options


def _first(options, code):
    return next((payload for c_, payload in options if c_ == code), None)


@dataclass(frozen=True)
class Lease:
    """An IA Address or IA Prefix option: `address` is an address, or a prefix written with its length."""

    address: str
    preferred: int
    valid: int


@dataclass(frozen=True)
class IA:
    """An IA_NA, IA_TA or IA_PD option with what it carries."""

    kind: str  # "na", "ta" or "pd"
    iaid: int
    t1: int = 0
    t2: int = 0
    leases: tuple[Lease, ...] = ()
    status: int | None = None


def _status(payload: bytes | None) -> int | None:
    return None if payload is None or len(payload) < 2 else struct.unpack("!H", payload[:2])[0]


def _parse_ia(code: int, payload: bytes) -> IA:
    kind = {c.OPT_IA_NA: "na", c.OPT_IA_TA: "ta", c.OPT_IA_PD: "pd"}[code]
    head = 4 if kind == "ta" else 12
    if len(payload) < head:
        raise MalformedMessage(f"IA_{kind.upper()} shorter than {head} bytes")
    iaid, t1, t2 = (struct.unpack("!I", payload[:4])[0], 0, 0) if kind == "ta" else struct.unpack("!III", payload[:12])
    inner = parse_options(payload[head:])
    leases = []
    for code_, body in inner:
        if code_ == c.OPT_IAADDR and len(body) >= 24:
            preferred, valid = struct.unpack("!II", body[16:24])
            leases.append(Lease(str(ipaddress.IPv6Address(body[:16])), preferred, valid))
        elif code_ == c.OPT_IAPREFIX and len(body) >= 25:
            preferred, valid, plen = struct.unpack("!IIB", body[:9])
            leases.append(Lease(f"{ipaddress.IPv6Address(body[9:25])}/{plen}", preferred, valid))
    return IA(kind, iaid, t1, t2, tuple(leases), _status(_first(inner, c.OPT_STATUS_CODE)))


@dataclass(frozen=True)
class Dhcp6:
    """One decoded DHCPv6 message: a client/server message or a relay message (RFC 8415 sections 8 and 9)."""

    msg_type: int
    xid: int = 0
    options: tuple[tuple[int, bytes], ...] = ()
    hop_count: int | None = None
    link_address: str | None = None
    peer_address: str | None = None
    raw: bytes = field(default=b"", repr=False)

    @property
    def name(self) -> str:
        return c.MESSAGE_NAMES.get(self.msg_type, f"TYPE-{self.msg_type}")

    @property
    def is_relay(self) -> bool:
        return self.msg_type in (c.RELAY_FORW, c.RELAY_REPL)

    def option(self, code: int) -> bytes | None:
        return _first(self.options, code)

    @property
    def client_id(self) -> bytes | None:
        return self.option(c.OPT_CLIENTID)

    @property
    def server_id(self) -> bytes | None:
        return self.option(c.OPT_SERVERID)

    @property
    def preference(self) -> int | None:
        payload = self.option(c.OPT_PREFERENCE)
        return payload[0] if payload else None

    @property
    def elapsed(self) -> int | None:
        """Elapsed Time in hundredths of a second (RFC 8415 section 21.9)."""
        payload = self.option(c.OPT_ELAPSED_TIME)
        return struct.unpack("!H", payload)[0] if payload is not None and len(payload) == 2 else None

    @property
    def status(self) -> int | None:
        return _status(self.option(c.OPT_STATUS_CODE))

    @property
    def ias(self) -> tuple[IA, ...]:
        return tuple(_parse_ia(code, p) for code, p in self.options if code in (c.OPT_IA_NA, c.OPT_IA_TA, c.OPT_IA_PD))

    @property
    def relay_message(self) -> "Dhcp6 | None":
        payload = self.option(c.OPT_RELAY_MSG)
        return decode(payload) if payload is not None else None


def decode(data: bytes) -> Dhcp6:
    if not data:
        raise MalformedMessage("empty message")
    msg_type = data[0]
    if msg_type in (c.RELAY_FORW, c.RELAY_REPL):
        if len(data) < 34:
            raise MalformedMessage("relay message shorter than 34 bytes")
        return Dhcp6(msg_type, options=tuple(parse_options(data[34:])), hop_count=data[1],
                     link_address=str(ipaddress.IPv6Address(data[2:18])),
                     peer_address=str(ipaddress.IPv6Address(data[18:34])), raw=data)
    if len(data) < 4:
        raise MalformedMessage("message shorter than 4 bytes")
    xid = int.from_bytes(data[1:4], "big")
    return Dhcp6(msg_type, xid, tuple(parse_options(data[4:])), raw=data)


def encode(msg_type: int, xid: int, options: list[bytes]) -> bytes:
    return bytes([msg_type]) + xid.to_bytes(3, "big") + b"".join(options)


def encode_relay(msg_type: int, hop_count: int, link_address: str, peer_address: str, options: list[bytes]) -> bytes:
    return (bytes([msg_type, hop_count]) + ipaddress.IPv6Address(link_address).packed
            + ipaddress.IPv6Address(peer_address).packed + b"".join(options))


# Option builders ------------------------------------------------------------------------------------------------

def client_id(duid: bytes) -> bytes:
    return option(c.OPT_CLIENTID, duid)


def server_id(duid: bytes) -> bytes:
    return option(c.OPT_SERVERID, duid)


def preference(value: int) -> bytes:
    return option(c.OPT_PREFERENCE, bytes([value]))


def elapsed_time(centiseconds: int) -> bytes:
    return option(c.OPT_ELAPSED_TIME, struct.pack("!H", min(centiseconds, 0xFFFF)))


def status_code(code: int, text: str = "") -> bytes:
    return option(c.OPT_STATUS_CODE, struct.pack("!H", code) + text.encode())


def ia_address(address: str, preferred: int, valid: int) -> bytes:
    return option(c.OPT_IAADDR, ipaddress.IPv6Address(address).packed + struct.pack("!II", preferred, valid))


def ia_prefix(prefix: str, preferred: int, valid: int) -> bytes:
    net = ipaddress.IPv6Network(prefix, strict=False)
    return option(c.OPT_IAPREFIX, struct.pack("!IIB", preferred, valid, net.prefixlen) + net.network_address.packed)


def ia(kind: str, iaid: int, t1: int, t2: int, inner: list[bytes]) -> bytes:
    code = {"na": c.OPT_IA_NA, "pd": c.OPT_IA_PD}[kind]
    return option(code, struct.pack("!III", iaid, t1, t2) + b"".join(inner))


def encode_ia(value: IA) -> bytes:
    """An IA option carrying `value`'s leases (addresses for IA_NA, prefixes for IA_PD) and status."""
    lease_option = ia_prefix if value.kind == "pd" else ia_address
    inner = [lease_option(lease.address, lease.preferred, lease.valid) for lease in value.leases]
    if value.status is not None:
        inner.append(status_code(value.status))
    return ia(value.kind, value.iaid, value.t1, value.t2, inner)


def relay_msg(inner: bytes) -> bytes:
    return option(c.OPT_RELAY_MSG, inner)


def interface_id(value: bytes) -> bytes:
    return option(c.OPT_INTERFACE_ID, value)


def innermost(payload: bytes) -> bytes:
    """The message at the core of a (possibly nested) Relay-forward or Relay-reply payload: unwrapped layer by
    layer as long as each layer reads as a relay message with a Relay Message option, so what a relay wrapped
    can be matched to what a peer sent even when some layer is malformed."""
    while len(payload) >= 34 and payload[0] in (c.RELAY_FORW, c.RELAY_REPL):
        try:
            inner = _first(parse_options(payload[34:]), c.OPT_RELAY_MSG)
        except MalformedMessage:
            return payload
        if inner is None:
            return payload
        payload = inner
    return payload
