"""DHCPv6 encoding and decoding: what the cases read must be exactly what was on the wire."""
import pytest

from conformance.lab.topology import link_local
from conformance.wire import codec
from conformance.wire import constants as c
from conformance.wire.codec import IA, Lease, MalformedMessage
from conformance.wire.duid import duid_ll
from conformance.wire.frame import build_frame, decode_frame, multicast_mac


def test_message_round_trip_keeps_every_field():
    ia = IA("na", 7, 100, 160, (Lease("2001:db8::5", 200, 300),), status=None)
    payload = codec.encode(c.ADVERTISE, 0xABCDEF, [codec.client_id(b"\x00\x03\x00\x01abcdef"),
                                                    codec.server_id(duid_ll("02:00:00:00:00:01")),
                                                    codec.preference(255), codec.elapsed_time(150),
                                                    codec.encode_ia(ia)])
    msg = codec.decode(payload)
    assert (msg.name, msg.xid, msg.preference, msg.elapsed) == ("ADVERTISE", 0xABCDEF, 255, 150)
    assert msg.client_id == b"\x00\x03\x00\x01abcdef"
    assert msg.server_id == bytes.fromhex("00030001020000000001")
    assert msg.ias == (ia,)


def test_absent_preference_is_none_not_zero():
    assert codec.decode(codec.encode(c.ADVERTISE, 1, [])).preference is None


def test_prefix_delegation_and_status():
    ia = IA("pd", 2, 10, 20, (Lease("2001:db8:100::/56", 30, 40),), status=c.STATUS_SUCCESS)
    assert codec.decode(codec.encode(c.REPLY, 1, [codec.encode_ia(ia)])).ias == (ia,)


def test_relay_message_nests():
    inner = codec.encode(c.SOLICIT, 0x123456, [codec.elapsed_time(0)])
    relay = codec.decode(codec.encode_relay(c.RELAY_FORW, 0, "2001:db8::1", "fe80::1", [codec.relay_msg(inner)]))
    assert (relay.hop_count, relay.link_address, relay.peer_address) == (0, "2001:db8::1", "fe80::1")
    assert relay.relay_message.raw == inner


@pytest.mark.parametrize("data", [b"", b"\x01\x00", b"\x01\x00\x00\x01\x00\x07\x00\x05\x01",
                                  b"\x0c" + b"\x00" * 20])
def test_malformed_messages_are_refused(data):
    with pytest.raises(MalformedMessage):
        codec.decode(data)


def test_frame_round_trip_and_malformed_payload_is_kept():
    frame = build_frame("02:00:00:00:00:01", multicast_mac("ff02::1:2"), "fe80::1", "ff02::1:2", 546, 547,
                        b"\x01\x00\x00\x01\x00\x08\x00")
    message = decode_frame(frame, 12.5)
    assert (message.time, message.dst_mac, message.dport, message.dhcp) == (12.5, "33:33:00:01:00:02", 547, None)
    assert "truncated" in message.error


def test_link_local_is_eui64():
    assert link_local("02:d6:00:01:02:03") == "fe80::d6:ff:fe01:203"
