"""What a fake server is told to do: its scripted behaviour, as data (the `Scenario` of DESIGN.md)."""
from dataclasses import dataclass, field

from .pool import AddressPool, PrefixPool


@dataclass(frozen=True)
class Lifetimes:
    """T1/T2 and preferred/valid lifetimes, in seconds, that the server puts in every IA it grants."""

    t1: int = 1000
    t2: int = 1600
    preferred: int = 2000
    valid: int = 3000


@dataclass(frozen=True)
class ServerScript:
    """preference None sends no Preference option; advertise_delay holds each Advertise back that many seconds;
    `ignores` names client message types the server never answers (a server that advertises, then fails). A pool of
    None is one that has run out. `advertise_copies` sends each Advertise that many times, 5 ms apart (as when it
    reaches the client directly and through a relay); `sol_max_rt` puts a SOL_MAX_RT option (RFC 9915 21.24) in
    every Advertise and Reply; `rebind_creates` False answers a Rebind for an IA the server holds no binding of with
    NoBinding (RFC 9915 18.3.5) instead of taking up leases from its pool."""

    preference: int | None = None
    advertise_delay: float = 0.0
    pool: AddressPool | None = None
    pd_pool: PrefixPool | None = None
    lifetimes: Lifetimes = field(default_factory=Lifetimes)
    dns_servers: tuple[str, ...] = ("2001:db8:ffff::53",)
    information_refresh_time: int | None = None
    ignores: frozenset[int] = frozenset()
    advertise_copies: int = 1
    sol_max_rt: int | None = None
    rebind_creates: bool = True

    def __post_init__(self):
        if self.preference is not None and not 0 <= self.preference <= 255:
            raise ValueError(f"preference {self.preference} is outside 0..255")
        if self.advertise_delay < 0:
            raise ValueError("advertise_delay must not be negative")
        if self.advertise_copies < 1:
            raise ValueError("advertise_copies must be at least 1")
