#!/usr/bin/env python3
"""Fuzzes every part of the suite that reads what a DUT sends, with malformed DHCPv6 frames from three sources:
scapy's fuzz() of DHCPv6 messages and options, hypothesis (random bytes, and valid messages cut, extended and
bit-flipped), and the control client's malformed kinds (tests/controls/malformed.py), mutated.

Offline, each frame goes through the frame decoder, the codec, the timeline's rendering, the fake server's logic
(validation, answers, relayed answers: every answer it makes must decode) and the relay peers' matching (innermost,
same_message); the contract is that nothing raises but MalformedMessage from the codec. In the lab, the frames are
sent at a live fake server, a capture and the two relay peers; afterwards each must be alive with no failure
recorded, the capture must hold every frame, and the server must still answer a valid Solicit.

    .venv/bin/python benchmarks/fuzz.py [--frames 10000] [--seed 1] [--no-lab]

Prints frames per source, contract violations (0 expected), and the lab's figures; exit status 1 on a violation.
tests/test_robustness.py runs a short version of the same functions.
"""
import argparse
import random
import sys
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scapy.layers import dhcp6 as sd
from scapy.packet import fuzz

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "controls"))
import malformed  # noqa: E402

from conformance.relaybed import same_message  # noqa: E402
from conformance.servers.logic import ServerLogic  # noqa: E402
from conformance.servers.script import ServerScript  # noqa: E402
from conformance.testbed import default_pd_pool, default_pool  # noqa: E402
from conformance.lab.timeline import format_message  # noqa: E402
from conformance.wire import codec  # noqa: E402
from conformance.wire import constants as c  # noqa: E402
from conformance.wire.duid import duid_ll  # noqa: E402
from conformance.wire.frame import build_frame, decode_frame, multicast_mac  # noqa: E402

CLIENT_MAC, SERVER_MAC = "02:00:5e:00:53:aa", "02:00:5e:00:53:bb"
CLIENT_DUID = duid_ll(CLIENT_MAC)
GROUP = c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS
_LOGIC = ServerLogic(duid_ll(SERVER_MAC), ServerScript(preference=10, pool=default_pool(1), pd_pool=default_pd_pool(1)))
_SCAPY_MESSAGES = [sd.DHCP6_Solicit, sd.DHCP6_Request, sd.DHCP6_Confirm, sd.DHCP6_Renew, sd.DHCP6_Rebind,
                   sd.DHCP6_Release, sd.DHCP6_Decline, sd.DHCP6_InfoRequest, sd.DHCP6_RelayForward]
_SCAPY_OPTIONS = [sd.DHCP6OptClientId, sd.DHCP6OptServerId, sd.DHCP6OptIA_NA, sd.DHCP6OptIA_TA, sd.DHCP6OptIA_PD,
                  sd.DHCP6OptIAAddress, sd.DHCP6OptIAPrefix, sd.DHCP6OptElapsedTime, sd.DHCP6OptPref,
                  sd.DHCP6OptRelayMsg, sd.DHCP6OptStatusCode, sd.DHCP6OptOptReq, sd.DHCP6OptIfaceId,
                  sd.DHCP6OptRapidCommit, sd.DHCP6OptInfoRefreshTime, sd.DHCP6OptDNSServers]


def frame_of(payload: bytes) -> bytes:
    return build_frame(CLIENT_MAC, multicast_mac(GROUP), "fe80::aa", GROUP, c.CLIENT_PORT, c.SERVER_PORT, payload)


def contract_violations(frame: bytes) -> list[str]:
    """What any offline component did wrong with `frame`: each entry names it, with the traceback."""
    problems = []

    def check(what, func, *args):
        try:
            return func(*args)
        except Exception:  # noqa: BLE001 - the contract: nothing escapes
            problems.append(f"{what}: {traceback.format_exc()}")
            return None

    message = check("decode_frame", decode_frame, frame, time.time(), "lan")
    if message is None:
        return problems
    check("format_message", format_message, message, message.time - 1)
    check("innermost", codec.innermost, message.payload)
    check("same_message", same_message, message.payload, message.payload[:40])
    if message.dhcp is not None:
        check("discard_reason", _LOGIC.discard_reason, message.dhcp)
        for what, answer in (("answer", _LOGIC.answer), ("answer_relayed", _LOGIC.answer_relayed)):
            if what == "answer_relayed" and not message.dhcp.is_relay:
                continue
            payload = check(what, answer, message.dhcp)
            if payload is not None:
                check(f"decoding the server's {what}", codec.decode, payload)
    elif not message.error.startswith("UDP length"):  # a frame-level fault leaves the payload's own verdict open
        try:
            codec.decode(message.payload)
            problems.append("decode_frame called a payload MALFORMED that codec.decode accepts")
        except codec.MalformedMessage:
            pass
        except Exception:  # noqa: BLE001
            problems.append(f"codec.decode: {traceback.format_exc()}")
    return problems


# sources ---------------------------------------------------------------------------------------------------------
def scapy_frames(rng: random.Random, count: int) -> list[bytes]:
    """scapy's fuzz(): a DHCPv6 message with one to three options, every field random (lengths included)."""
    out = []
    while len(out) < count:
        packet = fuzz(rng.choice(_SCAPY_MESSAGES)())
        for _ in range(rng.randrange(1, 4)):
            packet = packet / fuzz(rng.choice(_SCAPY_OPTIONS)())
        try:
            out.append(frame_of(bytes(packet)[:1400]))
        except Exception:  # noqa: BLE001 - scapy could not build this draw; draw again
            continue
    return out


def mutated_frames(rng: random.Random, count: int) -> list[bytes]:
    """The control client's malformed kinds, then bytes flipped, cut or repeated."""
    out = []
    for frame in malformed.frames(rng, CLIENT_MAC, "fe80::aa", count, CLIENT_DUID):
        data = bytearray(frame)
        for _ in range(rng.randrange(0, 4)):
            at = rng.randrange(54, len(data)) if len(data) > 54 else len(data)
            action = rng.randrange(3)
            if action == 0 and at < len(data):
                data[at] ^= 1 << rng.randrange(8)
            elif action == 1:
                del data[at:at + rng.randrange(1, 8)]
            else:
                data[at:at] = data[at - 4:at]
        out.append(bytes(data))
    return out


def _valid_message() -> st.SearchStrategy[bytes]:
    lease = st.builds(codec.ia_address, st.sampled_from(["2001:db8:1::1", "2001:db8:2::5", "fe80::1"]),
                      st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
    option = st.one_of(
        st.just(codec.client_id(CLIENT_DUID)), st.just(codec.server_id(duid_ll(SERVER_MAC))),
        st.integers(0, 255).map(codec.preference), st.integers(0, 0xFFFF).map(codec.elapsed_time),
        st.builds(lambda i, a, b, ls: codec.ia("na", i, a, b, ls), st.integers(0, 2**32 - 1),
                  st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.lists(lease, max_size=3)),
        st.builds(lambda code, body: codec.option(code, body), st.integers(0, 0xFFFF), st.binary(max_size=40)))
    return st.builds(lambda t, x, opts: codec.encode(t, x, opts), st.integers(0, 255), st.integers(0, 2**24 - 1),
                     st.lists(option, max_size=6))


def _broken(data: st.DataObject) -> bytes:
    """A valid message cut, extended or bit-flipped, or plain random bytes."""
    kind = data.draw(st.sampled_from(["random", "cut", "extend", "flip", "valid"]))
    if kind == "random":
        return data.draw(st.binary(max_size=300))
    message = data.draw(_valid_message())
    if kind == "cut" and message:
        return message[:data.draw(st.integers(0, len(message) - 1))]
    if kind == "extend":
        return message + data.draw(st.binary(min_size=1, max_size=20))
    if kind == "flip" and message:
        at = data.draw(st.integers(0, len(message) - 1))
        return message[:at] + bytes([message[at] ^ data.draw(st.integers(1, 255))]) + message[at + 1:]
    return message


def hypothesis_frames(count: int, seed: int) -> list[bytes]:
    """`count` payloads drawn by hypothesis (`_broken`), framed; drawing does not check anything itself."""
    drawn: list[bytes] = []

    @settings(max_examples=count, database=None, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def draw(data):
        if len(drawn) < count:
            drawn.append(frame_of(_broken(data)))

    random.seed(seed)
    draw()
    return drawn


def hypothesis_check(count: int) -> None:
    """The contract as a hypothesis property, so a violation is shrunk to its smallest frame."""
    @settings(max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def holds(data):
        frame = frame_of(_broken(data))
        assert not contract_violations(frame), contract_violations(frame)[0]

    holds()


def _malformed_share(frames: list[bytes]) -> float:
    messages = [decode_frame(frame, 0.0) for frame in frames]
    return sum(1 for m in messages if m is not None and m.dhcp is None) / max(len(frames), 1)


def offline(count: int, seed: int) -> dict[str, tuple[int, int, float, float]]:
    """source -> (frames, violations, seconds, share decoded as MALFORMED)."""
    rng = random.Random(seed)
    results, sample = {}, None
    for name, make in (("scapy fuzz()", lambda: scapy_frames(rng, count)),
                       ("hypothesis", lambda: hypothesis_frames(count, seed)),
                       ("malformed kinds, mutated", lambda: mutated_frames(rng, count))):
        frames = make()
        started = time.perf_counter()
        problems = [p for frame in frames for p in contract_violations(frame)]
        results[name] = (len(frames), len(problems), time.perf_counter() - started, _malformed_share(frames))
        sample = sample or (problems[0] if problems else None)
    if sample:
        print(f"first violation:\n{sample}", file=sys.stderr)
    return results


def lab(frames: list[bytes]) -> dict[str, str]:
    """Send `frames` at a live fake server, capture and relay peers; report what each made of it."""
    from conformance.lab.capture import Capture
    from conformance.lab.packet_socket import PacketSocket
    from conformance.lab.timeline import Timeline
    from conformance.lab.topology import Lab
    from conformance.peers.client import FakeClient
    from conformance.peers.downstream import FakeRelay
    from conformance.servers.fake_server import FakeServer

    with Lab() as net:
        sender, host = net.add_host("dut"), net.add_host("s1")
        timeline = Timeline()
        capture = Capture(net.switch, sender.port().bridge_port, timeline)
        server = FakeServer("s1", host, ServerScript(preference=10, pool=default_pool(1)), timeline=timeline)
        client_peer = FakeClient("c1", net.add_host("c1"), "lan")
        relay_peer = FakeRelay("r1", net.add_host("r1"), "lan", "fe80::1", SERVER_MAC, "fe80::2")
        peers = [client_peer, relay_peer]
        out = PacketSocket(sender.namespace, sender.port().iface, receive=False)
        mac = sender.port().mac
        started = time.perf_counter()
        for index, frame in enumerate(frames):
            # the fuzzed payload, from the sender's own addresses, to the server's group and to each peer's port
            payload = frame[62:]
            target = (peers[index % 2].port, c.CLIENT_PORT if index % 2 == 0 else c.SERVER_PORT) if index % 3 == 0 \
                else None
            if target is None:
                out.send(build_frame(mac, multicast_mac(GROUP), sender.port().link_local, GROUP, c.CLIENT_PORT,
                                     c.SERVER_PORT, payload))
            else:
                port, dport = target
                out.send(build_frame(mac, port.mac, sender.port().link_local, port.link_local, c.SERVER_PORT,
                                     dport, payload))
            if index % 200 == 199:
                time.sleep(0.01)
        sent_for = time.perf_counter() - started
        solicit = codec.encode(c.SOLICIT, 0x0A0B0C, [codec.client_id(duid_ll(mac)), codec.elapsed_time(0),
                                                     codec.ia("na", 1, 0, 0, [])])
        out.send(build_frame(mac, multicast_mac(GROUP), sender.port().link_local, GROUP, c.CLIENT_PORT, c.SERVER_PORT,
                             solicit))
        advert = timeline.wait_for(lambda m: m.msg_type == c.ADVERTISE and m.xid == 0x0A0B0C, timeout=10)
        time.sleep(0.5)
        parts = [capture, server, *peers]
        alive = {part.label: part.alive for part in parts}
        for part in parts:
            part.stop()
        out.close()
        failures = [text for part in parts for text in part.failures]
    if failures:
        print(f"first component failure:\n{failures[0]}", file=sys.stderr)
    return {"frames sent": f"{len(frames)} in {sent_for:.2f} s",
            "captured": f"{len(capture.frames)} ({capture.lost} dropped by the kernel)",
            "components alive": ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in alive.items()),
            "component failures": str(len(failures)),
            "valid Solicit answered after": "yes" if advert else "NO"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=10_000, help="frames per source (default 10,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-lab", action="store_true", help="offline components only (no root needed)")
    args = parser.parse_args()
    results = offline(args.frames, args.seed)
    bad = 0
    for name, (count, problems, seconds, share) in results.items():
        print(f"{name:26} {count:6} frames ({share:.0%} MALFORMED)  {problems} contract violations  {seconds:.2f} s "
              f"({seconds / max(count, 1) * 1e6:.0f} us a frame through every offline component)")
        bad += problems
    if not args.no_lab:
        rng = random.Random(args.seed)
        frames = scapy_frames(rng, args.frames // 3) + mutated_frames(rng, args.frames - args.frames // 3)
        figures = lab(frames)
        for key, value in figures.items():
            print(f"lab: {key:28} {value}")
        bad += int(figures["component failures"]) + ("NO" in figures["components alive"])
        bad += figures["valid Solicit answered after"] != "yes"
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
