#!/usr/bin/env python3
"""A small DHCPv6 client for the suite's own tests: RFC 8415 server selection done right, or with one deliberate
defect, so every conformance case can be shown to PASS a correct client and FAIL a broken one.

Run by the suite like any DUT (in the DUT namespace, through a profile); it speaks through a layer-2 socket.
"""
import argparse
import os
import random
import select
import signal
import sys
import time

from scapy.arch.linux import L2Socket

from conformance.lab.topology import link_local
from conformance.wire import codec
from conformance.wire import constants as c
from conformance.wire.duid import duid_ll
from conformance.wire.frame import build_frame, decode_frame, multicast_mac

DEFECTS = {
    "none": "a correct client",
    "ignore-255": "treats preference 255 like any other and waits for the first RT",
    "first-advertise": "Requests from the first Advertise at once",
    "lowest-pref": "picks the Advertise with the lowest preference",
    "absent-as-255": "counts a missing Preference option as 255",
    "rewait": "after a silent first RT, collects Advertises for another full RT before choosing",
    "new-xid": "changes the transaction ID on every Solicit retransmission",
    "frozen-elapsed": "leaves Elapsed Time at 0 in retransmissions",
    "constant-rt": "retransmits every IRT instead of doubling RT",
}
IRT = 1.0


class Client:
    def __init__(self, iface: str, defect: str):
        self.defect = defect
        with open(f"/sys/class/net/{iface}/address") as f:
            self.mac = f.read().strip()
        self.ll = link_local(self.mac)
        self.duid = duid_ll(self.mac)
        self.sock = L2Socket(iface=iface, promisc=False)

    def send(self, msg_type: int, xid: int, options: list[bytes]) -> None:
        payload = codec.encode(msg_type, xid, [codec.client_id(self.duid)] + options)
        self.sock.send(build_frame(self.mac, multicast_mac(c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS), self.ll,
                                   c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS, c.CLIENT_PORT, c.SERVER_PORT, payload))

    def receive(self, deadline: float, xid: int):
        """Yield messages for us with `xid` until `deadline`."""
        while (remaining := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.sock], [], [], remaining)
            if not ready:
                continue
            packet = self.sock.recv()
            message = decode_frame(bytes(packet), time.time()) if packet is not None else None
            if (message is not None and message.dhcp is not None and message.dport == c.CLIENT_PORT
                    and message.dst == self.ll and message.xid == xid):
                yield message.dhcp

    def preference(self, advert) -> int:
        if advert.preference is None:
            return 255 if self.defect == "absent-as-255" else 0
        return advert.preference

    def choose(self, adverts):
        pick = min if self.defect == "lowest-pref" else max
        return pick(adverts, key=self.preference)

    def solicit(self):
        """RFC 8415 18.2.1: collect for the first RT unless 255; afterwards act on the first Advertise."""
        xid, start = random.getrandbits(24), time.monotonic()
        rt = IRT * (1 + random.uniform(0.01, 0.1))
        adverts, first_rt = [], True
        while True:
            elapsed = 0 if self.defect == "frozen-elapsed" else int((time.monotonic() - start) * 100)
            self.send(c.SOLICIT, xid, [codec.elapsed_time(elapsed), codec.ia("na", 1, 0, 0, [])])
            deadline = time.monotonic() + rt
            for advert in self.receive(deadline, xid):
                if advert.msg_type != c.ADVERTISE:
                    continue
                adverts.append(advert)
                immediate = self.preference(advert) == 255 and self.defect != "ignore-255"
                if immediate or self.defect == "first-advertise":
                    return advert
                if not first_rt:
                    if self.defect == "rewait":
                        break
                    return advert
            if adverts:
                if self.defect == "rewait" and not first_rt:
                    later = list(self.receive(time.monotonic() + rt, xid))  # a whole further RT
                    adverts += [a for a in later if a.msg_type == c.ADVERTISE]
                return self.choose(adverts)
            first_rt = False
            if self.defect == "new-xid":
                xid = random.getrandbits(24)
            if self.defect != "constant-rt":
                rt = 2 * rt + random.uniform(-0.1, 0.1) * rt
            else:
                rt = IRT * (1 + random.uniform(0.01, 0.1))

    def request(self, advert) -> None:
        xid, start = random.getrandbits(24), time.monotonic()
        ias = [codec.encode_ia(ia) for ia in advert.ias]
        rt = IRT * (1 + random.uniform(-0.1, 0.1))
        for _ in range(10):
            elapsed = int((time.monotonic() - start) * 100)
            self.send(c.REQUEST, xid, [codec.server_id(advert.server_id), codec.elapsed_time(elapsed)] + ias)
            if any(m.msg_type == c.REPLY for m in self.receive(time.monotonic() + rt, xid)):
                return
            rt = 2 * rt + random.uniform(-0.1, 0.1) * rt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iface", required=True)
    parser.add_argument("--defect", choices=sorted(DEFECTS), default="none")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    client = Client(args.iface, args.defect)
    print(f"control client on {args.iface}: {DEFECTS[args.defect]}", flush=True)
    time.sleep(random.uniform(0, 0.2))  # SOL_MAX_DELAY, shortened: the cases measure from the first Solicit
    advert = client.solicit()
    print(f"chose server {advert.server_id.hex()} (preference {advert.preference})", flush=True)
    client.request(advert)
    signal.pause()
    return 0


if __name__ == "__main__":
    sys.exit(main())
