#!/usr/bin/env python3
"""A small DHCPv6 client for the suite's own tests: RFC 8415 server selection done right, or with one deliberate
defect, so every conformance case can be shown to PASS a correct client and FAIL a broken one.

Run by the suite like any DUT (in the DUT namespace, through a profile); it speaks through a layer-2 socket.
"""
import argparse
import math
import os
import random
import select
import signal
import sys
import threading
import time
from dataclasses import replace

from pyroute2 import IPRoute
from scapy.arch.linux import L2Socket

import malformed
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
    "wide-rand": "uses RAND of +-0.2 in each next RT (+0.2 and -0.2 in turn, so every ratio shows it)",
    "no-rand": "uses no RAND: the first RT is exactly IRT and each next RT exactly twice the one before",
    "whole-second-rt": "times its first RT with time() in whole seconds: starting on a half second, it ends 0.5 s "
                       "after the first Solicit",
    "late-renew": "sends its Renew one second after T1",
    "early-renew": "sends its Renew one second before T1",
    "renew-past-t2": "keeps retransmitting Renew past T2 and Rebinds only when that fails",
    "rebind-with-server-id": "puts the Server ID in its Rebind",
    "keep-zeroed": "keeps using an address whose lifetimes a Reply set to 0",
    "renew-old-server": "after a Rebind, still Renews with the old server's ID",
    "ignore-new-lease": "after its first binding, configures no address it did not have before",
    "no-renew": "never Renews: it waits for T2 and Rebinds",
    "request-max-rt-120": "retransmits its Request with a REQ_MAX_RT of 120 s (RFC 9915: 30 s)",
    "invalid-ia-restart": "restarts its exchange (a new Solicit, a new transaction ID) whenever an Advertise's only "
                          "IA_NA has T1 > T2, ten times, then gives up",
    "slow-address": "configures its address 3.5 s after the Reply, when its check for duplicates is over",
    "late-address": "configures its address only 10 s after the Reply",
    "no-dad": "configures its address without Duplicate Address Detection, and so declines nothing",
    "decline-unprobed": "declines its address at once, without Duplicate Address Detection",
    "no-resolicit": "falls silent when its leases expire",
    "zero-t1-immediate": "given T1 = T2 = 0, Renews at once",
    "accept-invalid-t1t2": "accepts an IA_NA whose T1 is greater than its T2",
    "no-refresh-oro": "leaves the Information Refresh Time out of its Option Request option",
    "no-inf-max-rt-oro": "leaves INF_MAX_RT out of its Option Request option",
    "invalid-ia-no-server-id": "accepts an IA_NA whose T1 is greater than its T2, and Requests without a Server ID",
    "ignore-reply": "keeps retransmitting its Information-request after the Reply",
    "exit-after-reply": "exits (status 0) once a Reply has configured it, as a one-shot stateless client does",
    "early-refresh": "refreshes at a refresh time below IRT_MINIMUM",
    "no-decline": "keeps quiet about an address that failed Duplicate Address Detection",
    "request-no-backoff": "retransmits its Request every second instead of doubling RT",
    "request-no-server-id": "leaves the Server Identifier out of its Request",
    "request-12": "transmits an unanswered Request 12 times (REQ_MAX_RC is 10)",
    "request-11": "transmits an unanswered Request 11 times (one reading of RFC 8415 section 15 allows it)",
    "die-on-advertise": "dies of SIGSEGV when an Advertise arrives",
    "link-ignore": "does not notice that its link went down and up",
    "link-solicit": "after its link went down and up, drops its leases and Solicits as a new client",
    "link-renew": "after its link went down and up, Renews with its server instead of Rebinding",
    "link-confirm": "after its link went down and up, Confirms even where it holds delegated prefixes",
    "confirm-empty": "after its link went down and up, Confirms without its IAs",
    "link-restart": "after its link went down and up, refreshes its leases, then drops them and Solicits anyway",
    "confirm-drop": "after its link went down and up, Confirms, then stops using its address though the server "
                    "answered Success",
    "rebind-no-prefix": "after its link went down and up, Rebinds with its IA_PD but without the prefixes in it",
    "accept-empty": "takes an Advertise that carries no address or prefix like any other",
    "request-per-advertise": "begins a Request exchange for every copy of a preference-255 Advertise",
    "ignore-sol-max-rt": "ignores the SOL_MAX_RT option: its Solicit RT keeps doubling",
    "ignore-nobinding": "takes a NoBinding Reply to its Renew or Rebind for no answer and retransmits",
    "unicast-request": "sends its Request and Renew to the server's link-local address",
    "drop-partial": "asking for an address and a prefix, ignores an Advertise that offers only one of them",
    "nobinding-solicit": "answers a NoBinding Reply to its Renew or Rebind with a new Solicit exchange",
}
MODES = ("na", "pd", "na+pd", "stateless")
PREFACES = {
    "none": "nothing",
    "malformed-solicit": "one Solicit whose IA_NA is 5 bytes long",
    "flood": "a flood of malformed frames (truncated options, wrong lengths, oversize, 35 relay layers, not DHCPv6)",
}
IRT_MINIMUM = 600
IRT = 1.0
SOL_MAX_RT = 3600
REN_TIMEOUT = REB_TIMEOUT = 10.0
CNF_MAX_DELAY, CNF_TIMEOUT, CNF_MAX_RT, CNF_MAX_RD = 1.0, 1.0, 4.0, 10.0


class StartOver(Exception):
    """The client drops its leases and begins again with a Solicit (nobinding-solicit)."""


class Client:
    def __init__(self, iface: str, defect: str, mode: str = "na", burst: int = 0):
        self.defect = defect
        self.mode = mode
        self.burst = burst  # malformed frames sent right after the first Solicit
        with open(f"/sys/class/net/{iface}/address") as f:
            self.mac = f.read().strip()
        self.ll = link_local(self.mac)
        self.duid = duid_ll(self.mac)
        self.iface = iface
        self.sock = L2Socket(iface=iface, promisc=False)
        self.ipr = IPRoute()
        self.index = self.ipr.link_lookup(ifname=iface)[0]
        with open(f"/proc/sys/net/ipv6/conf/{iface}/accept_dad") as f:
            self.dad = int(f.read()) > 0
        self.addresses: set[str] = set()
        self.sol_max_rt = SOL_MAX_RT
        self.heard: dict[bytes, tuple[str, str]] = {}  # server DUID -> (MAC, address) its Advertise came from
        self.server_mac = self.server_ll = None  # the chosen server's, as its Advertise came (unicast-request)

    def send(self, msg_type: int, xid: int, options: list[bytes]) -> None:
        unicast = self.defect == "unicast-request" and msg_type in (c.REQUEST, c.RENEW) and self.server_mac
        self.send_payload(codec.encode(msg_type, xid, [codec.client_id(self.duid)] + options),
                          (self.server_mac, self.server_ll) if unicast else None)

    def send_payload(self, payload: bytes, to: tuple[str, str] | None = None) -> None:
        mac, address = to or (multicast_mac(c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS), c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS)
        self.sock.send(build_frame(self.mac, mac, self.ll, address, c.CLIENT_PORT, c.SERVER_PORT, payload))

    def flood(self, count: int, seconds: float) -> None:
        """`count` malformed frames spread over about `seconds`, in batches."""
        frames = malformed.frames(random.Random(), self.mac, self.ll, count, self.duid)
        batches = max(1, int(seconds / 0.02))
        for index in range(batches):
            for frame in frames[index * len(frames) // batches:(index + 1) * len(frames) // batches]:
                self.sock.send(frame)
            time.sleep(seconds / batches)

    def preface(self, kind: str, count: int) -> None:
        if kind == "malformed-solicit":
            self.send_payload(malformed.short_ia_na_solicit(self.duid, random.getrandbits(24)))
        elif kind == "flood":
            self.flood(count, 1.0)
            # The lab's readers (capture, two fake servers) share one interpreter: 3,000 frames keep them busy for
            # up to a second on a loaded 2-core host, and a scripted Advertise delay can slip meanwhile (the case is
            # then ERROR: the scenario did not hold). The pause lets them drain before the client begins.
            time.sleep(1.0)

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
                if message.msg_type == c.ADVERTISE:
                    self.heard[message.dhcp.server_id] = (message.src_mac, message.src)
                yield message.dhcp

    def asked(self) -> list[bytes]:
        """The empty IAs a Solicit carries: an IA_NA, an IA_PD, or one of each."""
        return [codec.ia(kind, iaid, 0, 0, []) for iaid, kind in enumerate(self.mode.split("+"), 1)]

    def usable(self, ia) -> bool:
        """RFC 8415 21.4: an IA_NA with T1 > T2 > 0 is discarded."""
        invalid = ia.t1 > ia.t2 > 0 and self.defect not in ("accept-invalid-t1t2", "invalid-ia-no-server-id")
        return bool(ia.leases) and not invalid

    def preference(self, advert) -> int:
        if advert.preference is None:
            return 255 if self.defect == "absent-as-255" else 0
        return advert.preference

    def choose(self, adverts):
        pick = min if self.defect == "lowest-pref" else max
        return pick(adverts, key=self.preference)

    def solicit(self):
        """RFC 8415 18.2.1: collect for the first RT unless 255; afterwards act on the first Advertise."""
        if self.defect == "whole-second-rt":
            time.sleep((0.5 - time.time() % 1) % 1)
        xid, start = random.getrandbits(24), time.monotonic()
        rt = IRT * (1 + random.uniform(0.01, 0.1)) if self.defect != "no-rand" else IRT
        if self.defect == "whole-second-rt":
            rt = math.ceil(time.time()) - time.time()
        adverts, first_rt, turn, restarts, restart = [], True, 1, 0, False
        while True:
            elapsed = 0 if self.defect == "frozen-elapsed" else int((time.monotonic() - start) * 100)
            self.send(c.SOLICIT, xid, [codec.elapsed_time(elapsed), *self.asked(),
                                       codec.option(c.OPT_ORO, c.OPT_SOL_MAX_RT.to_bytes(2, "big"))])
            if self.burst:
                frames, self.burst = malformed.frames(random.Random(), self.mac, self.ll, self.burst, self.duid), 0
                for frame in frames:
                    self.sock.send(frame)
            deadline = time.monotonic() + rt
            for advert in self.receive(deadline, xid):
                if advert.msg_type == c.ADVERTISE and self.defect == "die-on-advertise":
                    os.kill(os.getpid(), signal.SIGSEGV)
                self.take_sol_max_rt(advert)
                empty = not any(self.usable(ia) for ia in advert.ias) and self.defect != "accept-empty"
                empty = empty or (self.defect == "drop-partial" and not all(self.usable(ia) for ia in advert.ias))
                if advert.msg_type != c.ADVERTISE or empty:
                    if self.defect == "invalid-ia-restart" and any(ia.t1 > ia.t2 > 0 for ia in advert.ias):
                        restarts += 1
                        if restarts > 10:
                            signal.pause()
                        time.sleep(0.37)
                        xid, start, rt, adverts, restart = random.getrandbits(24), time.monotonic(), IRT, [], True
                        break
                    continue  # RFC 8415 18.2.9: ignore an Advertise without addresses
                adverts.append(advert)
                immediate = self.preference(advert) == 255 and self.defect != "ignore-255"
                if immediate and self.defect == "request-per-advertise":
                    for copy in self.receive(time.monotonic() + 0.05, xid):
                        if copy.msg_type == c.ADVERTISE and copy.server_id == advert.server_id:
                            self.send(c.REQUEST, random.getrandbits(24), [codec.server_id(copy.server_id)] +
                                      [codec.encode_ia(ia) for ia in copy.ias if self.usable(ia)])
                if immediate or self.defect == "first-advertise":
                    return advert
                if not first_rt:
                    if self.defect == "rewait":
                        break
                    return advert
            if restart:
                restart = False
                continue
            if adverts:
                if self.defect == "rewait" and not first_rt:
                    later = list(self.receive(time.monotonic() + rt, xid))  # a whole further RT
                    adverts += [a for a in later if a.msg_type == c.ADVERTISE]
                return self.choose(adverts)
            first_rt = False
            if self.defect == "new-xid":
                xid = random.getrandbits(24)
            if self.defect == "constant-rt":
                rt = IRT * (1 + random.uniform(0.01, 0.1))
            elif self.defect == "wide-rand":
                rt, turn = 2 * rt + 0.2 * turn * rt, -turn
            else:
                rt = 2 * rt + (random.uniform(-0.1, 0.1) * rt if self.defect != "no-rand" else 0)
            if rt > self.sol_max_rt:
                rt = self.sol_max_rt + random.uniform(-0.1, 0.1) * self.sol_max_rt

    def take_sol_max_rt(self, message) -> None:
        """RFC 9915 21.24: a SOL_MAX_RT option in 60..86400 becomes the client's SOL_MAX_RT, in any message."""
        option = message.option(c.OPT_SOL_MAX_RT)
        if option and self.defect != "ignore-sol-max-rt" and 60 <= int.from_bytes(option, "big") <= 86400:
            self.sol_max_rt = int.from_bytes(option, "big")

    def exchange(self, msg_type: int, options: list[bytes], irt: float, until: float | None = None,
                 max_count: int = 0, mrt: float = 0, accept=lambda reply: any(ia.leases for ia in reply.ias)):
        """Send and retransmit (RFC 8415 section 15) until a Reply that `accept`s comes (by default one with
        leases), `until` passes (MRD) or `max_count` transmissions are spent. Returns the Reply or None."""
        xid, start = random.getrandbits(24), time.monotonic()
        rt, count = irt * (1 + random.uniform(-0.1, 0.1)), 0
        while until is None or time.monotonic() < until:
            elapsed = int((time.monotonic() - start) * 100)
            self.send(msg_type, xid, [codec.elapsed_time(elapsed)] + options)
            count += 1
            deadline = time.monotonic() + rt if until is None else min(time.monotonic() + rt, until)
            for reply in self.receive(deadline, xid):
                if reply.msg_type == c.REPLY and accept(reply):
                    return reply
            if max_count and count >= max_count:
                return None
            if msg_type == c.REQUEST and self.defect == "request-no-backoff":
                continue
            rt = 2 * rt + random.uniform(-0.1, 0.1) * rt
            if mrt and rt > mrt:
                rt = mrt + random.uniform(-0.1, 0.1) * mrt
        return None

    def request(self, advert):
        ias = [codec.encode_ia(ia) for ia in advert.ias if self.usable(ia)]
        anonymous = self.defect in ("request-no-server-id", "invalid-ia-no-server-id")
        server = [] if anonymous else [codec.server_id(advert.server_id)]
        count = {"request-12": 12, "request-11": 11}.get(self.defect, 10)
        self.server_mac, self.server_ll = self.heard.get(advert.server_id, (None, None))
        return self.exchange(c.REQUEST, server + ias, IRT, max_count=count,
                             mrt=120 if self.defect == "request-max-rt-120" else 30)

    def apply(self, reply) -> None:
        """RFC 8415 18.2.10.1: add new leases, update lifetimes, discard those with valid lifetime 0."""
        known = set(self.addresses) if self.defect == "ignore-new-lease" and self.addresses else None
        for ia in filter(self.usable, reply.ias):
            for lease in ia.leases:
                if known is not None and lease.address not in known:
                    continue
                if lease.valid > 0 and ia.kind == "pd":
                    self.addresses.add(lease.address)  # a delegated prefix is recorded, not configured here
                elif lease.valid > 0:
                    delay = {"slow-address": 3.5, "late-address": 10.0}.get(self.defect)
                    if delay and lease.address not in self.addresses:
                        threading.Timer(delay, self.configure, (lease, IPRoute())).start()
                    else:
                        self.configure(lease, self.ipr)
                    self.addresses.add(lease.address)
                elif self.defect != "keep-zeroed":
                    self.drop(lease.address)

    def configure(self, lease, ipr) -> None:
        dad = self.dad and self.defect not in ("no-dad", "decline-unprobed")
        ipr.addr("replace", index=self.index, address=lease.address, prefixlen=128, flags=0 if dad else 0x02,
                 IFA_CACHEINFO={"ifa_preferred": lease.preferred, "ifa_valid": lease.valid})

    def duplicates(self) -> list[str]:
        """RFC 8415 18.2.10.1: the addresses Duplicate Address Detection found in use (the kernel deletes a
        finite-lifetime address whose DAD fails, or flags it dadfailed)."""
        if self.defect == "decline-unprobed":
            return [a for a in self.addresses if "/" not in a]
        if not self.dad or self.defect in ("slow-address", "late-address", "no-dad"):
            return []  # the addresses are not there yet, or not checked: nothing found
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            flags = {a.get_attr("IFA_ADDRESS"): a["flags"] for a in self.ipr.get_addr(family=10, index=self.index)}
            if not any(flags.get(a, 0) & 0x40 for a in self.addresses if "/" not in a):  # IFA_F_TENTATIVE
                break
            time.sleep(0.05)
        return [a for a in self.addresses if "/" not in a and (a not in flags or flags[a] & 0x08)]  # DADFAILED

    def decline(self, reply, addresses: list[str]) -> None:
        """RFC 8415 18.2.8: Decline to the server that assigned them, DEC_TIMEOUT 1 s, DEC_MAX_RC 4."""
        ias = [codec.encode_ia(replace(ia, leases=tuple(l for l in ia.leases if l.address in addresses)))
               for ia in reply.ias if any(l.address in addresses for l in ia.leases)]
        for address in addresses:
            self.drop(address)
        xid, start, rt = random.getrandbits(24), time.monotonic(), IRT
        for _ in range(4):
            self.send(c.DECLINE, xid, [codec.server_id(reply.server_id),
                                       codec.elapsed_time(int((time.monotonic() - start) * 100))] + ias)
            if any(m.msg_type == c.REPLY for m in self.receive(time.monotonic() + rt, xid)):
                return
            rt *= 2

    def drop(self, address: str) -> None:
        if address in self.addresses:
            self.addresses.discard(address)
            if "/" in address:
                return
            try:
                self.ipr.addr("del", index=self.index, address=address, prefixlen=128)
            except Exception:  # already gone (the kernel expired it)
                pass

    def maintain(self, reply, at: float) -> None:
        """Renew at T1, Rebind at T2, give up at the valid lifetime (RFC 8415 18.2.4, 18.2.5); `reply` was received
        at `at` and its leases are applied."""
        server_id = reply.server_id
        while True:
            ia = next(ia for ia in reply.ias if self.usable(ia))
            valid = max(lease.valid for lease in ia.leases)
            preferred = min(lease.preferred for lease in ia.leases)
            t1, t2, expiry = at + ia.t1, at + ia.t2, at + valid
            if ia.t1 == 0 and self.defect != "zero-t1-immediate":  # RFC 8415 14.2: the client picks the times
                t1, t2 = at + 0.5 * preferred, at + 0.8 * preferred
            held = [codec.encode_ia(replace(i, leases=tuple(l for l in i.leases if l.address in self.addresses)))
                    for i in reply.ias if self.usable(i)]  # RFC 8415 18.2.4: never a lease with lifetime 0
            shift = {"late-renew": 1.0, "early-renew": -1.0}.get(self.defect, 0.0)
            if self.sleep_unless_link_change(t1 + shift):
                if self.defect == "link-solicit":
                    for address in list(self.addresses):
                        self.drop(address)
                    return
                refreshed = self.refresh(reply, server_id)
                if self.defect in ("link-restart", "confirm-drop"):
                    for address in list(self.addresses):
                        self.drop(address)
                    if self.defect == "link-restart":
                        return
                if refreshed is not None:
                    reply, at = refreshed, time.monotonic()
                    self.apply(reply)
                continue
            renew_until = expiry if self.defect == "renew-past-t2" else t2
            if self.defect == "no-renew":
                time.sleep(max(0.0, t2 - time.monotonic()))
                renewed = None
            else:
                renewed = self.exchange(c.RENEW, [codec.server_id(server_id)] + held, REN_TIMEOUT, until=renew_until,
                                        accept=self.bound_or_unknown)
                renewed = self.rerequest(renewed, held)
            if renewed is not None:
                reply, at = renewed, time.monotonic()
                self.apply(reply)
                continue
            rebind_opts = ([codec.server_id(server_id)] if self.defect == "rebind-with-server-id" else []) + held
            rebound = self.rerequest(self.exchange(c.REBIND, rebind_opts, REB_TIMEOUT, until=expiry,
                                                   accept=self.bound_or_unknown), held)
            if rebound is None:
                for address in list(self.addresses):
                    self.drop(address)
                return
            if self.defect != "renew-old-server":
                server_id = rebound.server_id
            reply, at = rebound, time.monotonic()
            self.apply(reply)

    def bound_or_unknown(self, reply) -> bool:
        """A Reply that ends a Renew or Rebind exchange: leases, or (RFC 9915 18.2.10.1) NoBinding for an IA."""
        unknown = any(ia.status == c.STATUS_NO_BINDING for ia in reply.ias) and self.defect != "ignore-nobinding"
        return unknown or any(ia.leases for ia in reply.ias)

    def rerequest(self, reply, held: list[bytes]):
        """RFC 9915 18.2.10.1: a NoBinding Reply is followed by a Request, for all IAs, to the server that sent it;
        the Reply to that Request (None if none) stands for the Renew's or Rebind's."""
        if reply is None or not any(ia.status == c.STATUS_NO_BINDING for ia in reply.ias):
            return reply
        if self.defect == "nobinding-solicit":
            raise StartOver()
        return self.exchange(c.REQUEST, [codec.server_id(reply.server_id)] + held, IRT, max_count=10, mrt=30)

    def carrier(self) -> bool:
        try:
            with open(f"/sys/class/net/{self.iface}/carrier") as f:
                return f.read().strip() == "1"
        except OSError:  # EINVAL while the interface is down
            return False

    def sleep_unless_link_change(self, until: float) -> bool:
        """Sleep until monotonic time `until`; True (at once) if meanwhile the link went down and came back up."""
        lost = False
        while time.monotonic() < until:
            time.sleep(min(0.05, max(0.0, until - time.monotonic())))
            if self.defect == "link-ignore":
                continue
            up = self.carrier()
            if lost and up:
                return True
            lost = lost or not up
        return False

    def refresh(self, reply, server_id: bytes):
        """RFC 8415 18.2.12, after the link came back: holding addresses only, Confirm them (the first Confirm
        delayed by up to CNF_MAX_DELAY, 18.2.3, with T1, T2 and lifetimes 0); holding delegated prefixes, Rebind
        with the Confirm message's retransmission parameters. The Reply to a Rebind (or None: the leases stay as
        they are)."""
        held = [replace(ia, leases=tuple(l for l in ia.leases if l.address in self.addresses))
                for ia in reply.ias if self.usable(ia)]
        if self.mode == "na" or self.defect == "link-confirm":
            zeroed = [codec.encode_ia(replace(ia, t1=0, t2=0, leases=tuple(replace(l, preferred=0, valid=0)
                                                                           for l in ia.leases))) for ia in held]
            zeroed = [] if self.defect == "confirm-empty" else zeroed
            time.sleep(random.uniform(0, CNF_MAX_DELAY))
            confirmed = self.exchange(c.CONFIRM, zeroed, CNF_TIMEOUT, until=time.monotonic() + CNF_MAX_RD,
                                      mrt=CNF_MAX_RT, accept=lambda answer: True)
            print(f"confirmed: status {confirmed.status if confirmed else 'none'}", flush=True)
            return None
        kind = c.RENEW if self.defect == "link-renew" else c.REBIND
        held = [replace(ia, leases=()) for ia in held] if self.defect == "rebind-no-prefix" else held
        options = ([codec.server_id(server_id)] if kind == c.RENEW else []) + [codec.encode_ia(ia) for ia in held]
        return self.exchange(kind, options, CNF_TIMEOUT, until=time.monotonic() + CNF_MAX_RD, mrt=CNF_MAX_RT)

    def information(self) -> None:
        """RFC 8415 18.2.6 and 21.23: Information-request until a Reply, then refresh no sooner than IRT_MINIMUM."""
        wanted = [c.OPT_DNS_SERVERS] + ([] if self.defect == "no-refresh-oro" else [c.OPT_INFORMATION_REFRESH_TIME])
        wanted += [] if self.defect == "no-inf-max-rt-oro" else [c.OPT_INF_MAX_RT]
        oro = codec.option(c.OPT_ORO, b"".join(code.to_bytes(2, "big") for code in wanted))
        while True:
            xid, start = random.getrandbits(24), time.monotonic()
            rt, refresh = IRT * (1 + random.uniform(0.01, 0.1)), None
            while refresh is None:
                self.send(c.INFORMATION_REQUEST, xid, [codec.elapsed_time(int((time.monotonic() - start) * 100)), oro])
                for reply in self.receive(time.monotonic() + rt, xid):
                    if reply.msg_type == c.REPLY and self.defect != "ignore-reply":
                        option = reply.option(c.OPT_INFORMATION_REFRESH_TIME)
                        refresh = int.from_bytes(option, "big") if option else 86400
                        break
                rt = 2 * rt + random.uniform(-0.1, 0.1) * rt
            if self.defect == "exit-after-reply":
                os._exit(0)
            floor = 0 if self.defect == "early-refresh" else IRT_MINIMUM
            time.sleep(max(refresh, floor))

    def run(self) -> None:
        if self.mode == "stateless":
            return self.information()
        while True:
            advert = self.solicit()
            print(f"chose server {advert.server_id.hex()} (preference {advert.preference})", flush=True)
            reply = self.request(advert)
            if reply is None:
                continue
            at = time.monotonic()
            self.apply(reply)
            duplicates = self.duplicates()
            if duplicates and self.defect != "no-decline":
                self.decline(reply, duplicates)
                continue
            try:
                self.maintain(reply, at)
            except StartOver:
                for address in list(self.addresses):
                    self.drop(address)
                continue
            if self.defect == "no-resolicit":
                return


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iface", required=True)
    parser.add_argument("--defect", choices=sorted(DEFECTS), default="none")
    parser.add_argument("--mode", choices=MODES, default="na", help="ask for an address, a prefix, or neither")
    parser.add_argument("--preface", choices=sorted(PREFACES), default="none",
                        help="what it sends before it starts (then it behaves as its defect says)")
    parser.add_argument("--flood-frames", type=int, default=3000, help="frames in the flood preface (sent in 1 s)")
    parser.add_argument("--burst", type=int, default=0, help="malformed frames sent at once after the first Solicit")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    client = Client(args.iface, args.defect, args.mode, args.burst)
    print(f"control client on {args.iface}: {DEFECTS[args.defect]}; first sends {PREFACES[args.preface]}",
          flush=True)
    client.preface(args.preface, args.flood_frames)
    time.sleep(random.uniform(0, 0.2))  # SOL_MAX_DELAY, shortened: the cases measure from the first Solicit
    client.run()
    signal.pause()
    return 0


if __name__ == "__main__":
    sys.exit(main())
