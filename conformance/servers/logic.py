"""What an RFC 9915 server answers (section 18.3), without sockets or timing: one Dhcp6 in, payload bytes or None out.

Validation follows RFC 9915 section 16: a Solicit, Rebind or Confirm carrying a Server ID,
a Request, Renew, Release or Decline without this server's Server ID, a client message without a Client ID, and an
Information-request with an IA or another server's ID are discarded; `discard_reason` names the rule, so a case can
tell the DUT which rule its message broke. A Request naming another server is discarded too: that is how the
server the client did not choose ignores it.
"""
import ipaddress
from dataclasses import replace

from ..wire import codec
from ..wire import constants as c
from ..wire.codec import IA, Dhcp6, Lease
from .script import ServerScript


ANOTHER_SERVERS = "its Server Identifier is another server's"  # a discard that is no fault of the client's
_SECTION = {c.SOLICIT: "16.2", c.REQUEST: "16.4", c.CONFIRM: "16.5", c.RENEW: "16.6", c.REBIND: "16.7",
            c.DECLINE: "16.8", c.RELEASE: "16.9", c.INFORMATION_REQUEST: "16.12"}


class ServerLogic:
    def __init__(self, server_duid: bytes, script: ServerScript):
        self.duid = server_duid
        self.script = script
        self.bindings: dict[tuple[bytes, str, int], tuple[Lease, ...]] = {}
        self.declined: set[str] = set()

    def forget(self) -> None:
        """Lose every binding, as a server restarted without its lease database does. A new dict, not clear(): the
        server's thread may be reading the old one."""
        self.bindings = {}

    # validation -----------------------------------------------------------------------------------------------
    def discard_reason(self, msg: Dhcp6) -> str | None:
        """The RFC 9915 section 16 rule that makes this server discard `msg`, or None if it is valid for it."""
        if msg.msg_type not in c.CLIENT_MESSAGES:
            return f"RFC 9915 16: {msg.name} is not a message a client sends to a server"
        section = _SECTION[msg.msg_type]
        if msg.client_id is None and msg.msg_type != c.INFORMATION_REQUEST:
            return f"RFC 9915 {section}: a {msg.name} without a Client Identifier option is discarded"
        if msg.msg_type in (c.SOLICIT, c.REBIND, c.CONFIRM) and msg.server_id is not None:
            return f"RFC 9915 {section}: a {msg.name} that includes a Server Identifier option is discarded"
        if msg.msg_type in (c.REQUEST, c.RENEW, c.RELEASE, c.DECLINE):
            if msg.server_id is None:
                return f"RFC 9915 {section}: a {msg.name} without a Server Identifier option is discarded"
            if msg.server_id != self.duid:
                return f"RFC 9915 {section}: {ANOTHER_SERVERS}"
        if msg.msg_type == c.INFORMATION_REQUEST:
            if msg.server_id not in (None, self.duid):
                return f"RFC 9915 {section}: {ANOTHER_SERVERS}"
            if msg.ias:
                return f"RFC 9915 {section}: an Information-request that includes an IA option is discarded"
        if msg.msg_type == c.CONFIRM and not any(ia.leases for ia in msg.ias if ia.kind == "na"):
            return ("RFC 9915 18.3.3: \"If [...] there were no addresses in any of the IAs sent by the client, the "
                    "server MUST NOT send a Reply to the client\"")
        return None

    # answers --------------------------------------------------------------------------------------------------
    def answer(self, msg: Dhcp6) -> bytes | None:
        if self.discard_reason(msg) is not None or msg.msg_type in self.script.ignores:
            return None
        handler = {
            c.SOLICIT: self._advertise, c.REQUEST: self._request, c.RENEW: self._renew, c.REBIND: self._rebind,
            c.RELEASE: self._release, c.DECLINE: self._decline, c.CONFIRM: self._confirm,
            c.INFORMATION_REQUEST: self._information,
        }[msg.msg_type]
        msg_type, options = handler(msg)
        head = [codec.server_id(self.duid)]
        if msg.client_id is not None:
            head.append(codec.client_id(msg.client_id))
        if msg_type == c.ADVERTISE and self.script.preference is not None:
            head.append(codec.preference(self.script.preference))
        if msg_type in (c.ADVERTISE, c.REPLY) and self.script.sol_max_rt is not None:
            head.append(codec.option(c.OPT_SOL_MAX_RT, self.script.sol_max_rt.to_bytes(4, "big")))
        return codec.encode(msg_type, msg.xid, head + options)

    def answer_relayed(self, forward: Dhcp6) -> bytes | None:
        """The Relay-reply to a Relay-forward (RFC 9915 18.3.10, 19.3): the answer to the client message at its core,
        wrapped once per relay level with hop-count, link-address and peer-address copied and the Interface-Id
        option echoed (RFC 9915 21.18); None where the client message gets no answer or does not decode."""
        inner = forward.relay_message  # None when what the relay passed on does not decode
        if inner is None:
            return None
        payload = self.answer_relayed(inner) if inner.msg_type == c.RELAY_FORW else self.answer(inner)
        if payload is None:
            return None
        echoed = forward.option(c.OPT_INTERFACE_ID)
        options = ([] if echoed is None else [codec.interface_id(echoed)]) + [codec.relay_msg(payload)]
        return codec.encode_relay(c.RELAY_REPL, forward.hop_count, forward.link_address, forward.peer_address,
                                  options)

    def _pool(self, kind: str):
        return self.script.pd_pool if kind == "pd" else self.script.pool

    def _timed(self, ia: IA, addresses) -> IA:
        life = self.script.lifetimes
        return IA(ia.kind, ia.iaid, life.t1, life.t2,
                  tuple(Lease(a, life.preferred, life.valid) for a in addresses))

    def _offer(self, client: bytes, ia: IA) -> IA:
        """The binding the server would make for this IA: the existing one, or a fresh allocation."""
        bound = self.bindings.get((client, ia.kind, ia.iaid))
        if bound:
            return self._timed(ia, [lease.address for lease in bound])
        pool = self._pool(ia.kind)
        taken = self.declined | {l.address for leases in self.bindings.values() for l in leases}
        address = pool.allocate(client, ia.iaid, frozenset(taken)) if pool else None
        if address is None:
            status = c.STATUS_NO_PREFIX_AVAIL if ia.kind == "pd" else c.STATUS_NO_ADDRS_AVAIL
            return IA(ia.kind, ia.iaid, status=status)
        return self._timed(ia, [address])

    def _bind(self, client: bytes, granted: IA) -> IA:
        if granted.leases:
            self.bindings[(client, granted.kind, granted.iaid)] = granted.leases
        return granted

    def _stateful_ias(self, msg: Dhcp6) -> list[IA]:
        return [ia for ia in msg.ias if ia.kind in ("na", "pd")]

    def _advertise(self, msg):
        return c.ADVERTISE, [codec.encode_ia(self._offer(msg.client_id, ia)) for ia in self._stateful_ias(msg)]

    def _request(self, msg):
        granted = [self._bind(msg.client_id, self._offer(msg.client_id, ia)) for ia in self._stateful_ias(msg)]
        return c.REPLY, [codec.encode_ia(ia) for ia in granted] + self._config()

    def _renew(self, msg):
        out = []
        for ia in self._stateful_ias(msg):
            if (msg.client_id, ia.kind, ia.iaid) in self.bindings:
                out.append(self._offer(msg.client_id, ia))
            else:
                out.append(IA(ia.kind, ia.iaid, status=c.STATUS_NO_BINDING))
        return c.REPLY, [codec.encode_ia(ia) for ia in out] + self._config()

    def _rebind(self, msg):
        """Extend what this server bound or what lies in its pool; return foreign leases with lifetimes 0 together
        with a fresh lease from the pool (RFC 9915 section 18.3.5)."""
        out = []
        for ia in self._stateful_ias(msg):
            key, pool = (msg.client_id, ia.kind, ia.iaid), self._pool(ia.kind)
            if key not in self.bindings and ia.leases and pool and all(l.address in pool for l in ia.leases):
                if not self.script.rebind_creates:
                    out.append(IA(ia.kind, ia.iaid, status=c.STATUS_NO_BINDING))
                    continue
                self.bindings[key] = ia.leases
            if key in self.bindings:
                out.append(self._offer(msg.client_id, ia))
                continue
            fresh = self._bind(msg.client_id, self._offer(msg.client_id, replace(ia, leases=())))
            zeroed = tuple(Lease(l.address, 0, 0) for l in ia.leases)
            out.append(replace(fresh, leases=zeroed + fresh.leases))
        return c.REPLY, [codec.encode_ia(ia) for ia in out] + self._config()

    def _release(self, msg):
        for ia in msg.ias:
            self.bindings.pop((msg.client_id, ia.kind, ia.iaid), None)
        return c.REPLY, [codec.status_code(c.STATUS_SUCCESS)]

    def _decline(self, msg):
        for ia in msg.ias:
            self.declined.update(lease.address for lease in ia.leases)
            self.bindings.pop((msg.client_id, ia.kind, ia.iaid), None)
        return c.REPLY, [codec.status_code(c.STATUS_SUCCESS)]

    def _confirm(self, msg):
        pool = self.script.pool
        on_link = pool is not None and all(
            ia.kind != "na" or all(ipaddress.IPv6Address(l.address) in pool.network for l in ia.leases)
            for ia in msg.ias)
        return c.REPLY, [codec.status_code(c.STATUS_SUCCESS if on_link else c.STATUS_NOT_ON_LINK)]

    def _information(self, msg):
        return c.REPLY, self._config()

    def _config(self) -> list[bytes]:
        options = []
        if self.script.dns_servers:
            options.append(codec.option(c.OPT_DNS_SERVERS,
                                        b"".join(ipaddress.IPv6Address(a).packed for a in self.script.dns_servers)))
        if self.script.information_refresh_time is not None:
            options.append(codec.option(c.OPT_INFORMATION_REFRESH_TIME,
                                        self.script.information_refresh_time.to_bytes(4, "big")))
        return options
