"""A fake DHCPv6 client on a relay DUT's client link: it sends each message once, as a case orders, from its
link-local address to All_DHCP_Relay_Agents_and_Servers, like a client with no server on its link."""
import itertools
import random

from ..lab.topology import Host
from ..wire import codec
from ..wire import constants as c
from ..wire.duid import duid_ll
from ..wire.frame import multicast_mac
from .peer import Peer

_xids = itertools.count(random.randrange(0x1000, 0xF00000))  # unique across the fake clients of a run
OTHER_SERVER = duid_ll("02:00:5e:00:53:01")  # a server no fake server is: Requests naming it go unanswered
LEASE = "2001:db8:a::1:1"                    # the address a client in the middle of a lease asks about


def message(msg_type: int, xid: int, client: bytes, server: bytes = OTHER_SERVER) -> bytes:
    """A plausible message of `msg_type` with the options RFC 9915 section 18.2 has a client (or, for server
    message types, a server) put in it."""
    lease = codec.ia("na", 1, 0, 0, [codec.ia_address(LEASE, 0, 0)])
    options = {
        c.SOLICIT: [codec.elapsed_time(0), codec.ia("na", 1, 0, 0, [])],
        c.REQUEST: [codec.server_id(server), codec.elapsed_time(0), lease],
        c.CONFIRM: [codec.elapsed_time(0), lease],
        c.RENEW: [codec.server_id(server), codec.elapsed_time(0), lease],
        c.REBIND: [codec.elapsed_time(0), lease],
        c.RELEASE: [codec.server_id(server), codec.elapsed_time(0), lease],
        c.DECLINE: [codec.server_id(server), codec.elapsed_time(0), lease],
        c.INFORMATION_REQUEST: [codec.elapsed_time(0), codec.option(c.OPT_ORO, c.OPT_DNS_SERVERS.to_bytes(2, "big"))],
    }.get(msg_type, [codec.server_id(server), lease])
    return codec.encode(msg_type, xid, [codec.client_id(client)] + options)


def next_xid() -> int:
    return next(_xids) & 0xFFFFFF


class FakeClient(Peer):
    def __init__(self, name: str, host: Host, link: str):
        super().__init__(name, host, link, c.CLIENT_PORT)
        self.duid = duid_ll(self.port.mac)

    @property
    def address(self) -> str:
        return self.port.link_local

    def message(self, msg_type: int) -> bytes:
        """A fresh message of `msg_type` with a transaction ID this client has not used before."""
        return message(msg_type, next_xid(), self.duid)

    def send(self, payload: bytes, sport: int = c.CLIENT_PORT) -> bytes:
        """Send `payload` (any bytes) to All_DHCP_Relay_Agents_and_Servers, port 547; returns it."""
        group = c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS
        return self.send_frame(multicast_mac(group), self.address, group, sport, c.SERVER_PORT, payload)
