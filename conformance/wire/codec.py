"""Encode and decode DHCPv6 messages (RFC 9915 sections 8, 9 and 21) as bytes.

Why our own codec, and not scapy's dissectors (scapy.layers.dhcp6): a verdict must see exactly what was on the wire,
and a message must either decode completely or be MALFORMED with a reason. Scapy 2.8 does neither: it accepts an
option that claims 80 bytes with 3 present (it takes what is there), it turns an IA_NA shorter than its 12-byte head
into Raw without an error, and it reports an absent Preference option the same way as a present one of value 0
once defaulted. So here:
- decoding is eager and strict: every option of the message, every option inside an IA and inside an IA Address
  or IA Prefix, and the message inside each Relay Message option, is parsed when the message is decoded; a length
  that overruns its container, a fixed-size option of the wrong size, a DUID outside RFC 9915 11's 3..130 bytes,
  or relay messages nested deeper than MAX_RELAY_DEPTH raise MalformedMessage naming the option and the byte offset;
- an absent option stays absent (None), an unknown option stays raw;
- the message a relay wrapped is decoded too, but a relay passes on what a client sent however broken, so a Relay
  Message option whose content does not decode leaves the relay message valid, with `relay_message` None and the
  reason in `relay_error`.
`tests/test_wire.py` checks these bytes against scapy's dissection of the same valid messages (a differential test).
"""
import ipaddress
import socket
import struct
from dataclasses import dataclass, field

from . import constants as c

MAX_RELAY_DEPTH = 40  # relay layers decoded: more than a 1500-byte frame can hold (38 bytes a layer), far above
                      # RFC 3315's HOP_COUNT_LIMIT of 32; deeper nesting is MALFORMED, never a deep recursion
DUID_MIN, DUID_MAX = 3, 130  # RFC 9915 11: a 2-octet type code and 1 to 128 octets of identifier
_FIXED_SIZE = {c.OPT_PREFERENCE: 1, c.OPT_ELAPSED_TIME: 2, c.OPT_RAPID_COMMIT: 0,
               c.OPT_INFORMATION_REFRESH_TIME: 4, c.OPT_SOL_MAX_RT: 4, c.OPT_INF_MAX_RT: 4}
_IA_KINDS = {c.OPT_IA_NA: "na", c.OPT_IA_TA: "ta", c.OPT_IA_PD: "pd"}


def address_text(packed: bytes) -> str:
    """An IPv6 address in RFC 5952 form (as ipaddress writes it, at a twentieth of the cost)."""
    return socket.inet_ntop(socket.AF_INET6, packed)


class MalformedMessage(ValueError):
    """The bytes are not a well-formed DHCPv6 message; the text says which option and which byte offset."""


def option(code: int, payload: bytes = b"") -> bytes:
    return struct.pack("!HH", code, len(payload)) + payload


def parse_options(data: bytes, base: int = 0, where: str = "message") -> list[tuple[int, bytes]]:
    """(code, payload) pairs of an option area; `base` is the area's offset in the message, for the reason text."""
    options, offset = [], 0
    while offset < len(data):
        if offset + 4 > len(data):
            raise MalformedMessage(f"{where}: truncated option header at byte {base + offset} "
                                   f"({len(data) - offset} of 4 bytes)")
        code, length = struct.unpack_from("!HH", data, offset)
        payload = data[offset + 4: offset + 4 + length]
        if len(payload) != length:
            raise MalformedMessage(f"{where}: option {code} at byte {base + offset} claims {length} bytes, "
                                   f"{len(payload)} present")
        options.append((code, payload))
        offset += 4 + length
    return options


def _checked_options(data: bytes, base: int, where: str):
    """(code, payload, offset) of each option of an area, each checked against its format (`_check_option`)."""
    offset = base
    for code, payload in parse_options(data, base, where):
        _check_option(code, payload, offset)
        yield code, payload, offset
        offset += 4 + len(payload)


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
    return None if payload is None else struct.unpack("!H", payload[:2])[0]


def _check_option(code: int, payload: bytes, at: int) -> None:
    """Formats of RFC 9915 section 21 the suite reads; other options are kept as they are."""
    name = c.OPTION_NAMES.get(code, f"option {code}")
    size = _FIXED_SIZE.get(code)
    if size is not None and len(payload) != size:
        raise MalformedMessage(f"{name} at byte {at} is {len(payload)} bytes long, not {size}")
    if code in (c.OPT_CLIENTID, c.OPT_SERVERID) and not DUID_MIN <= len(payload) <= DUID_MAX:
        raise MalformedMessage(f"{name} at byte {at} holds a {len(payload)}-byte DUID (RFC 9915 11: "
                               f"{DUID_MIN}..{DUID_MAX})")
    if code == c.OPT_STATUS_CODE and len(payload) < 2:
        raise MalformedMessage(f"{name} at byte {at} is {len(payload)} bytes long, shorter than its 2-byte code")
    if code in (c.OPT_ORO,) and len(payload) % 2:
        raise MalformedMessage(f"{name} at byte {at} has an odd length ({len(payload)})")
    if code == c.OPT_DNS_SERVERS and len(payload) % 16:
        raise MalformedMessage(f"{name} at byte {at} is {len(payload)} bytes long, not a multiple of 16")


def _parse_lease(code: int, body: bytes, at: int) -> Lease:
    if code == c.OPT_IAADDR:
        if len(body) < 24:
            raise MalformedMessage(f"IAADDR at byte {at} is {len(body)} bytes long, shorter than 24")
        list(_checked_options(body[24:], at + 4 + 24, "IAADDR"))
        preferred, valid = struct.unpack("!II", body[16:24])
        return Lease(address_text(body[:16]), preferred, valid)
    else:
        if len(body) < 25:
            raise MalformedMessage(f"IAPREFIX at byte {at} is {len(body)} bytes long, shorter than 25")
        preferred, valid, plen = struct.unpack("!IIB", body[:9])
        if plen > 128:
            raise MalformedMessage(f"IAPREFIX at byte {at} has prefix length {plen}")
        list(_checked_options(body[25:], at + 4 + 25, "IAPREFIX"))
        return Lease(f"{address_text(body[9:25])}/{plen}", preferred, valid)


def _parse_ia(code: int, payload: bytes, at: int) -> IA:
    kind = _IA_KINDS[code]
    head = 4 if kind == "ta" else 12
    if len(payload) < head:
        raise MalformedMessage(f"IA_{kind.upper()} at byte {at} is {len(payload)} bytes long, shorter than {head}")
    iaid, t1, t2 = (struct.unpack("!I", payload[:4])[0], 0, 0) if kind == "ta" else struct.unpack("!III", payload[:12])
    leases, status = [], None
    for code_, body, offset in _checked_options(payload[head:], at + 4 + head, f"IA_{kind.upper()} at byte {at}"):
        if code_ in (c.OPT_IAADDR, c.OPT_IAPREFIX):
            leases.append(_parse_lease(code_, body, offset))
        elif code_ == c.OPT_STATUS_CODE and status is None:
            status = _status(body)
    return IA(kind, iaid, t1, t2, tuple(leases), status)


@dataclass(frozen=True)
class Dhcp6:
    """One decoded DHCPv6 message: a client/server message or a relay message (RFC 9915 sections 8 and 9), with its
    IAs and (for a relay message) the message it wraps already decoded."""

    msg_type: int
    xid: int = 0
    options: tuple[tuple[int, bytes], ...] = ()
    hop_count: int | None = None
    link_address: str | None = None
    peer_address: str | None = None
    raw: bytes = field(default=b"", repr=False)
    ias: tuple[IA, ...] = ()
    relay_message: "Dhcp6 | None" = None  # the message in the Relay Message option, if it decodes
    relay_error: str | None = None         # why it does not

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
        return payload[0] if payload is not None else None

    @property
    def elapsed(self) -> int | None:
        """Elapsed Time in hundredths of a second (RFC 9915 section 21.9)."""
        payload = self.option(c.OPT_ELAPSED_TIME)
        return struct.unpack("!H", payload)[0] if payload is not None else None

    @property
    def status(self) -> int | None:
        return _status(self.option(c.OPT_STATUS_CODE))

    @property
    def requested(self) -> set[int]:
        """The option codes of the Option Request option (RFC 9915 section 21.7); empty without one."""
        payload = self.option(c.OPT_ORO) or b""
        return {int.from_bytes(payload[i:i + 2], "big") for i in range(0, len(payload) - 1, 2)}


def _decode_layer(data: bytes, base: int) -> tuple[dict, bytes | None, int]:
    """One message's fields, and the payload of its Relay Message option (with its offset in the outermost
    message) when it is a relay message."""
    if not data:
        raise MalformedMessage(f"empty message at byte {base}")
    msg_type = data[0]
    if msg_type in (c.RELAY_FORW, c.RELAY_REPL):
        if len(data) < 34:
            raise MalformedMessage(f"relay message at byte {base} is {len(data)} bytes long, shorter than 34")
        head, fields = 34, dict(hop_count=data[1], link_address=address_text(data[2:18]),
                                peer_address=address_text(data[18:34]))
    else:
        if len(data) < 4:
            raise MalformedMessage(f"message at byte {base} is {len(data)} bytes long, shorter than 4")
        head, fields = 4, dict(xid=int.from_bytes(data[1:4], "big"))
    options, ias, inner, inner_at = [], [], None, 0
    for code, payload, offset in _checked_options(data[head:], base + head, "message"):
        options.append((code, payload))
        if code in _IA_KINDS:
            ias.append(_parse_ia(code, payload, offset))
        if code == c.OPT_RELAY_MSG and inner is None and "hop_count" in fields:
            inner, inner_at = payload, offset + 4
    if "hop_count" in fields and inner is None:
        raise MalformedMessage(f"relay message at byte {base} has no Relay Message option (RFC 9915 9.1, 9.2)")
    return dict(msg_type=msg_type, options=tuple(options), raw=data, ias=tuple(ias), **fields), inner, inner_at


def decode(data: bytes) -> Dhcp6:
    """The whole message, decoded, or MalformedMessage. Relay layers are walked iteratively, innermost last."""
    layers, payload, base, error = [], data, 0, None
    while True:
        if len(layers) > MAX_RELAY_DEPTH:
            raise MalformedMessage(f"relay messages nested deeper than {MAX_RELAY_DEPTH}")
        try:
            fields, inner, inner_at = _decode_layer(payload, base)
        except MalformedMessage as exc:
            if not layers:
                raise
            error = str(exc)
            break
        layers.append(fields)
        if inner is None:
            break
        payload, base = inner, inner_at
    message = None
    for fields in reversed(layers):
        message = Dhcp6(**fields, relay_message=message, relay_error=error if message is None else None) \
            if fields["msg_type"] in (c.RELAY_FORW, c.RELAY_REPL) else Dhcp6(**fields)
        error = None
    return message


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
    can be matched to what a peer sent even when some layer is malformed. Iterative, at most MAX_RELAY_DEPTH
    layers deep."""
    for _ in range(MAX_RELAY_DEPTH + 1):
        if len(payload) < 34 or payload[0] not in (c.RELAY_FORW, c.RELAY_REPL):
            return payload
        try:
            inner = _first(parse_options(payload[34:]), c.OPT_RELAY_MSG)
        except MalformedMessage:
            return payload
        if inner is None:
            return payload
        payload = inner
    return payload
