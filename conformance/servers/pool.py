"""Address and prefix pools. Allocation is a pure function of (client DUID, IAID), so two servers with the same pool
give a client the same address, as RFC 6853 section 7 asks of the identical-prefixes model."""
import hashlib
import ipaddress
from dataclasses import dataclass


def _index(client_duid: bytes, iaid: int, size: int, attempt: int) -> int:
    digest = hashlib.sha256(client_duid + iaid.to_bytes(4, "big") + attempt.to_bytes(2, "big")).digest()
    return int.from_bytes(digest[:8], "big") % size


@dataclass(frozen=True)
class AddressPool:
    """Addresses `first`..`last` of `prefix` (a range of one prefix: the split model gives each server a range)."""

    prefix: str
    first: str
    last: str

    @property
    def network(self) -> ipaddress.IPv6Network:
        return ipaddress.IPv6Network(self.prefix)

    @classmethod
    def of(cls, prefix: str, pool: str) -> "AddressPool":
        """The addresses of network `pool` (inside `prefix`), less its first 256 and its last."""
        net = ipaddress.IPv6Network(pool)
        return cls(prefix, str(net.network_address + 0x100), str(net.broadcast_address - 1))

    def __post_init__(self):
        first, last = ipaddress.IPv6Address(self.first), ipaddress.IPv6Address(self.last)
        if not (first in self.network and last in self.network and first <= last):
            raise ValueError(f"pool range {self.first}-{self.last} is not an ordered range inside {self.prefix}")

    def __contains__(self, address: str) -> bool:
        value = ipaddress.IPv6Address(address.split("/")[0])
        return ipaddress.IPv6Address(self.first) <= value <= ipaddress.IPv6Address(self.last)

    def allocate(self, client_duid: bytes, iaid: int, taken=frozenset()) -> str | None:
        first = int(ipaddress.IPv6Address(self.first))
        size = int(ipaddress.IPv6Address(self.last)) - first + 1
        for attempt in range(64):
            address = str(ipaddress.IPv6Address(first + _index(client_duid, iaid, size, attempt)))
            if address not in taken:
                return address
        return None


@dataclass(frozen=True)
class PrefixPool:
    """Prefixes of length `length` delegated out of `prefix` (RFC 3633)."""

    prefix: str
    length: int

    def __contains__(self, prefix: str) -> bool:
        return ipaddress.IPv6Network(prefix, strict=False).subnet_of(ipaddress.IPv6Network(self.prefix))

    def allocate(self, client_duid: bytes, iaid: int, taken=frozenset()) -> str | None:
        parent = ipaddress.IPv6Network(self.prefix)
        count = 2 ** (self.length - parent.prefixlen)
        for attempt in range(64):
            index = _index(client_duid, iaid, count, attempt)
            delegated = ipaddress.IPv6Network((int(parent.network_address) + (index << (128 - self.length)),
                                               self.length))
            if str(delegated) not in taken:
                return str(delegated)
        return None
