#!/usr/bin/env python3
"""A small DHCPv6 relay agent for the suite's own tests: RFC 8415 section 19 done right, or with one deliberate
defect, so every relay case can be shown to PASS a correct relay and FAIL a broken one.

Run by the suite like any relay DUT (in the DUT namespace, through a generated profile). A relay lives at the UDP
level, so unlike its sibling scapy_client.py it needs no layer-2 socket: one kernel socket on port 547, the
interface and source address of each datagram chosen with IPV6_PKTINFO, and the suite's wire codec for messages.
"""
import argparse
import ipaddress
import os
import signal
import socket
import struct
import sys

from conformance.wire import codec
from conformance.wire import constants as c

DEFECTS = {
    "none": "a correct relay",
    "first-only": "relays to its first destination only",
    "alter-inner": "appends an option of its own to the message it wraps instead of to its Relay-forward",
    "alter-reply": "appends an option of its own to the message it passes down to the client",
    "wrong-peer": "puts its own address in peer-address",
    "ignore-hop-limit": "relays Relay-forwards whatever their hop-count",
    "no-hop-increment": "copies the received hop-count instead of incrementing it",
    "drop-replies": "never passes Relay-replies back down",
    "forward-server-msgs": "relays Advertise, Reply, Reconfigure and Relay-reply from the client side upstream",
    "die-on-malformed": "exits on a message it cannot parse",
    "forget-silent": "stops relaying to a destination that left two messages in a row unanswered",
    "wrong-iface": "sends every answer out of its first client-side interface",
    "drop-unknown": "discards messages of types it does not know",
    "mcast-hop-limit-1": "relays to multicast destinations with Hop Limit 1",
    "hop-limit-32": "discards Relay-forwards from hop-count 32, RFC 3315's HOP_COUNT_LIMIT, instead of from 8",
    "crash-on-hop-32": "relays hop-counts below 8, discards 8..31, and dies of SIGSEGV on hop-count 32",
    "chain-link-address": "puts its own address in link-address when relaying another relay's Relay-forward",
    "stop-on-error": "gives up on the remaining destinations of a message when a send fails",
    "forget-failed": "never relays to a destination again once a send to it failed",
}
HOP_COUNT_LIMIT = 8
SERVER_MESSAGES = (c.ADVERTISE, c.REPLY, c.RECONFIGURE)
KNOWN = c.CLIENT_MESSAGES | set(SERVER_MESSAGES) | {c.RELAY_FORW, c.RELAY_REPL}
OWN_OPTION = codec.option(37, b"control-relay")  # Remote-Id (RFC 4649), as a relay might add one
UNANSWERED_LIMIT = 2


class Relay:
    def __init__(self, lowers: list[tuple[str, str]], upper: tuple[str, str], destinations: list[str],
                 defects: set[str]):
        self.defects = defects
        self.lowers = {socket.if_nametoindex(name): (name, address) for name, address in lowers}
        self.upper = (socket.if_nametoindex(upper[0]), upper[1])
        self.destinations = destinations[:1] if self.has("first-only") else destinations
        self.unanswered = {d: 0 for d in destinations}
        self.failed: set[str] = set()  # destinations a send to failed (forget-failed)
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
        self.sock.bind(("::", c.SERVER_PORT))
        for index in self.lowers:
            group = socket.inet_pton(socket.AF_INET6, c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS) + struct.pack("@I", index)
            self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, group)

    def has(self, defect: str) -> bool:
        return defect in self.defects

    def send(self, payload: bytes, address: str, port: int, index: int, source: str = "::",
             hop_limit: int | None = None) -> bool:
        """Out of interface `index`, from `source` (:: lets the kernel choose); False if the send failed."""
        ancillary = [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO,
                      socket.inet_pton(socket.AF_INET6, source) + struct.pack("@I", index))]
        if hop_limit is not None:
            ancillary.append((socket.IPPROTO_IPV6, socket.IPV6_HOPLIMIT, struct.pack("@i", hop_limit)))
        try:
            self.sock.sendmsg([payload], ancillary, 0, (address, port, 0, index))
        except OSError as exc:  # an unreachable destination must not stop the relay
            print(f"send to {address}: {exc}", flush=True)
            return False
        return True

    def run(self) -> None:
        while True:
            data, ancillary, _, (src, *_) = self.sock.recvmsg(65535, socket.CMSG_SPACE(20))
            index = next(struct.unpack("@I", body[16:20])[0] for level, kind, body in ancillary
                         if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO)
            src = src.split("%")[0]
            if self.has("die-on-malformed"):
                try:
                    codec.decode(data)
                except codec.MalformedMessage as exc:
                    print(f"cannot parse a message from {src}: {exc}; exiting", flush=True)
                    sys.exit(3)
            if data and data[0] == c.RELAY_REPL and (index == self.upper[0] or not self.has("forward-server-msgs")):
                self.down(data, src)
            elif index in self.lowers:
                self.up(data, src, index)

    def up(self, data: bytes, src: str, index: int) -> None:
        """RFC 8415 19.1: wrap what came from the client side in a new Relay-forward to every destination."""
        if not data or (data[0] in SERVER_MESSAGES and not self.has("forward-server-msgs")):
            return
        if data[0] not in KNOWN and self.has("drop-unknown"):
            return
        name, lower_address = self.lowers[index]
        if data[0] == c.RELAY_FORW:
            if len(data) >= 34 and data[1] == 32 and self.has("crash-on-hop-32"):
                os.kill(os.getpid(), signal.SIGSEGV)
            limit = 32 if self.has("hop-limit-32") else HOP_COUNT_LIMIT
            if len(data) < 34 or (data[1] >= limit and not self.has("ignore-hop-limit")):
                return
            hop_count = data[1] if self.has("no-hop-increment") else data[1] + 1
            from_global = not ipaddress.IPv6Address(src).is_link_local
            link_address = "::" if from_global and not self.has("chain-link-address") else lower_address
        else:
            hop_count, link_address = 0, lower_address
        inner = data + OWN_OPTION if self.has("alter-inner") else data
        peer = lower_address if self.has("wrong-peer") else src
        forward = codec.encode_relay(c.RELAY_FORW, hop_count, link_address, peer,
                                     [codec.interface_id(name.encode()), codec.relay_msg(inner)])
        for destination in self.destinations:
            if destination in self.failed:
                continue
            if self.has("forget-silent"):
                if self.unanswered[destination] >= UNANSWERED_LIMIT:
                    continue
                self.unanswered[destination] += 1
            multicast = ipaddress.IPv6Address(destination).is_multicast
            hop_limit = (1 if self.has("mcast-hop-limit-1") else 8) if multicast else None
            if not self.send(forward, destination, c.SERVER_PORT, self.upper[0], self.upper[1], hop_limit):
                if self.has("forget-failed"):
                    self.failed.add(destination)
                if self.has("stop-on-error"):
                    break

    def down(self, data: bytes, src: str) -> None:
        """RFC 8415 19.2: pass the message in a Relay-reply to peer-address, on the link the Interface-Id option
        (or else link-address) names."""
        if src in self.unanswered:
            self.unanswered[src] = 0
        if self.has("drop-replies"):
            return
        try:
            reply = codec.decode(data)
        except codec.MalformedMessage:
            return
        inner = reply.option(c.OPT_RELAY_MSG)
        if not inner:
            return
        named = (reply.option(c.OPT_INTERFACE_ID) or b"").decode(errors="replace")
        index = next((i for i, (name, address) in self.lowers.items()
                      if name == named or (not named and address == reply.link_address)), None)
        if index is None or self.has("wrong-iface"):
            index = next(iter(self.lowers))
        port = c.SERVER_PORT if inner[0] == c.RELAY_REPL else c.CLIENT_PORT
        self.send(inner + OWN_OPTION if self.has("alter-reply") else inner, reply.peer_address, port, index)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lower", nargs=2, action="append", required=True, metavar=("IFACE", "ADDRESS"))
    parser.add_argument("--upper", nargs=2, required=True, metavar=("IFACE", "ADDRESS"))
    parser.add_argument("--destination", action="append", required=True)
    parser.add_argument("--defect", default="none", help="one of the defects, or several joined with '+'")
    args = parser.parse_args()
    defects = set(args.defect.split("+"))
    if defects - set(DEFECTS):
        parser.error(f"unknown defect {', '.join(sorted(defects - set(DEFECTS)))}; known: {', '.join(DEFECTS)}")
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    relay = Relay([tuple(lower) for lower in args.lower], tuple(args.upper), args.destination, defects)
    print(f"control relay {args.lower} -> {args.destination} via {args.upper}: "
          f"{'; '.join(DEFECTS[d] for d in sorted(defects))}", flush=True)
    relay.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
