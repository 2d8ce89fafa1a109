"""A fake relay agent between a remote client and the relay DUT (RFC 9915 19.1.2): it wraps a client message in a
Relay-forward with the hop-count a case chooses and sends it from its global address to the DUT's, as a relay
configured with the DUT as its destination does; Relay-replies come back to its port 547."""
from ..lab.topology import Host, Port
from ..wire import codec
from ..wire import constants as c
from .peer import Peer

REMOTE_LINK = "2001:db8:d::1"          # link-address: the remote client's link, behind this relay
REMOTE_CLIENT = "fe80::d:1"            # peer-address: the remote client
INTERFACE_ID = b"remote-port-1"        # this relay's own Interface-Id, echoed back by the server


class FakeRelay(Peer):
    def __init__(self, name: str, host: Host, link: str, address: str, target: Port, target_address: str):
        super().__init__(name, host, link, c.SERVER_PORT)
        self.address = address
        self._target = (target, target_address)  # the DUT's port: a device's MAC is learnt once it is up

    def forward(self, inner: bytes, hop_count: int = 0) -> bytes:
        """Send a Relay-forward carrying `inner` with `hop_count`; returns the Relay-forward's bytes."""
        payload = codec.encode_relay(c.RELAY_FORW, hop_count, REMOTE_LINK, REMOTE_CLIENT,
                                     [codec.interface_id(INTERFACE_ID), codec.relay_msg(inner)])
        port, address = self._target
        return self.send_frame(port.mac, self.address, address, c.SERVER_PORT, c.SERVER_PORT, payload)
