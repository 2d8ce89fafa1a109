"""Retransmission parameters and windows of RFC 9915 section 7.6 and section 15 (RFC 3315 sections 5.5 and 14).

RT = IRT + RAND*IRT for the first transmission, RT = 2*RTprev + RAND*RTprev after it, and past MRT
RT = MRT + RAND*MRT; RAND is uniform in [-0.1, +0.1]. A window here is the set of RTs the formula allows.
"""
from dataclasses import dataclass

RAND = 0.1


@dataclass(frozen=True)
class Params:
    """IRT/MRT/MRC/MRD of one message exchange (0 means no limit, as in the RFC)."""

    irt: float
    mrt: float
    mrc: int = 0
    mrd: float = 0.0


@dataclass(frozen=True)
class Window:
    """A closed interval of seconds; `low_open` marks the strict lower bound of the first Solicit RT."""

    low: float
    high: float
    low_open: bool = False

    def widened(self, tolerance: float) -> "Window":
        return Window(self.low - tolerance, self.high + tolerance, self.low_open)

    def __contains__(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high

    def __str__(self) -> str:
        if self.high == float("inf"):
            return f"{'>' if self.low_open else '>='} {self.low:.3f} s"
        return f"{'(' if self.low_open else '['}{self.low:.3f}, {self.high:.3f}] s"


RFC9915 = {
    "SOLICIT": Params(irt=1, mrt=3600),
    "REQUEST": Params(irt=1, mrt=30, mrc=10),
    "CONFIRM": Params(irt=1, mrt=4, mrd=10),
    "RENEW": Params(irt=10, mrt=600),
    "REBIND": Params(irt=10, mrt=600),
    "INFORMATION-REQUEST": Params(irt=1, mrt=3600),
    "RELEASE": Params(irt=1, mrt=0, mrc=4),
    "DECLINE": Params(irt=1, mrt=0, mrc=4),
}
RFC3315 = {**RFC9915,
           "SOLICIT": Params(irt=1, mrt=120),
           "INFORMATION-REQUEST": Params(irt=1, mrt=120),
           "RELEASE": Params(irt=1, mrt=0, mrc=5),
           "DECLINE": Params(irt=1, mrt=0, mrc=5)}


def first_rt_window(params: Params, strictly_above_irt: bool = False) -> Window:
    """First RT: IRT + RAND*IRT. For Solicit RFC 9915 18.2.1 makes RAND strictly positive: (IRT, 1.1 IRT]."""
    if strictly_above_irt:
        return Window(params.irt, params.irt * (1 + RAND), low_open=True)
    return Window(params.irt * (1 - RAND), params.irt * (1 + RAND))


def next_rt_window(params: Params, rt_prev: float) -> Window:
    """RT after a measured RTprev: 2*RTprev + RAND*RTprev, or MRT + RAND*MRT once that passes MRT."""
    low, high = rt_prev * (2 - RAND), rt_prev * (2 + RAND)
    if params.mrt and low > params.mrt:
        return Window(params.mrt * (1 - RAND), params.mrt * (1 + RAND))
    if params.mrt and high > params.mrt:
        return Window(min(low, params.mrt * (1 - RAND)), params.mrt * (1 + RAND))
    return Window(low, high)


@dataclass(frozen=True)
class Reference:
    """The standard a run judges against (profile key [timing] rfc): the parameters that differ between RFC 9915,
    RFC 8415 and RFC 3315. The quoted requirements are RFC 9915's; the numbers judged are the reference's."""

    name: str
    params: dict[str, Params]
    hop_count_limit: int      # 7.6 (RFC 3315 5.5)
    multicast_hop_limit: int  # section 19 (RFC 3315 20): a relay's Hop Limit towards All_DHCP_Servers


REFERENCES = {"9915": Reference("RFC 9915", RFC9915, 8, 8),
              "8415": Reference("RFC 8415", RFC9915, 8, 8),    # RFC 9915 kept RFC 8415's values
              "3315": Reference("RFC 3315", RFC3315, 32, 32)}
