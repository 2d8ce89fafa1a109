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
    `ignores` names client message types the server never answers (a server that advertises, then fails)."""

    preference: int | None = None
    advertise_delay: float = 0.0
    pool: AddressPool | None = None
    pd_pool: PrefixPool | None = None
    lifetimes: Lifetimes = field(default_factory=Lifetimes)
    dns_servers: tuple[str, ...] = ("2001:db8:ffff::53",)
    information_refresh_time: int | None = None
    ignores: frozenset[int] = frozenset()

    def __post_init__(self):
        if self.preference is not None and not 0 <= self.preference <= 255:
            raise ValueError(f"preference {self.preference} is outside 0..255")
        if self.advertise_delay < 0:
            raise ValueError("advertise_delay must not be negative")
