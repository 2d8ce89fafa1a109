"""A message's transmissions judged as one series (RFC 9915 section 15): the first RT against IRT, each later RT
against the one before it, MRT and MRC, the transaction ID and Elapsed Time of each transmission.

Windows are the set of measured RTs that some RT allowed by the formula could have produced: each measured interval
may be off by up to the timing tolerance (a timer that fired late), and the one before it too, so RT k lies in
[1.9 (RTprev - tol) - tol, 2.1 (RTprev + tol) + tol]. A narrower window would FAIL a correct client whose previous
timer fired late.
"""
from dataclasses import dataclass

from .verdict import ambiguous, require, seconds
from .wire.frame import Message
from .wire.timing import RAND, Params, Window, first_rt_window, next_rt_window

MRC_READINGS = ('"MRC specifies an upper bound on the number of times a client may retransmit a message" (1 + MRC '
                'transmissions)', '"the message exchange fails once the client has transmitted the message MRC '
                'times" (MRC transmissions)')


@dataclass(frozen=True)
class Series:
    """The transmissions of one message exchange, in capture order, and the parameters they are judged by."""

    messages: tuple[Message, ...]
    params: Params

    @property
    def rts(self) -> list[float]:
        return [b.time - a.time for a, b in zip(self.messages, self.messages[1:])]

    def windows(self, tolerance: float, strictly_above_irt: bool) -> list[Window]:
        """The window of each RT: the first from IRT, each later one from the RT measured before it."""
        windows = [first_rt_window(self.params, strictly_above_irt).widened(tolerance)]
        for rt in self.rts[:-1]:
            windows.append(Window(next_rt_window(self.params, rt - tolerance).low - tolerance,
                                  next_rt_window(self.params, rt + tolerance).high + tolerance))
        return windows

    def effective_rand(self) -> list[float]:
        """RAND as each RT after the first shows it, (RT - 2 RTprev) / RTprev, below MRT only: the statistic the
        soak judges across runs."""
        return [(rt - 2 * prev) / prev for prev, rt in zip(self.rts, self.rts[1:])
                if not self.params.mrt or rt < self.params.mrt * (1 - RAND)]

    def rand_excess(self, tolerance: float) -> list[float]:
        """How far each RT after the first lies outside its window, in units of RTprev (negative: inside), so
        `soak` can count the ratios that broke RAND's bounds across runs."""
        windows = self.windows(tolerance, False)
        return [max(w.low - rt, rt - w.high) / prev
                for prev, rt, w in zip(self.rts, self.rts[1:], windows[1:])]

    def describe(self) -> str:
        """"1 +0.000 s, 2 +1.043 s (RT 1.043 s), ...": the whole series, for the verdict and the report."""
        first = self.messages[0].time
        return ", ".join(f"{i} +{m.time - first:.3f} s" + (f" (RT {seconds(rt)})" if rt is not None else "")
                         for i, (m, rt) in enumerate(zip(self.messages, [None, *self.rts]), start=1))


def require_series(series: Series, tolerance: float, name: str, strictly_above_irt: bool = False) -> None:
    """Judge the series transmission by transmission; the first broken rule is the verdict, with the series."""
    shown = f" (series: {series.describe()})"
    first = series.messages[0]
    for index, message in enumerate(series.messages[1:], start=2):
        require(message.xid == first.xid, "RFC 9915 16.1: a client MUST leave the transaction ID unchanged in "
                                          "retransmissions of a message" + shown,
                f"{name} {index} with xid 0x{first.xid:06x}", f"xid 0x{message.xid:06x}")
    elapsed_slack = (tolerance + 0.01) * 100
    for index, message in enumerate(series.messages, start=1):
        require(message.elapsed is not None, "RFC 9915 21.9: the client MUST include an Elapsed Time option",
                f"Elapsed Time in {name} {index}", "no Elapsed Time option")
        since = (message.time - first.time) * 100
        require(abs(message.elapsed - since) <= elapsed_slack if index > 1 else message.elapsed == 0,
                "RFC 9915 15/21.9: the client MUST update elapsed-time, measured from the first transmission, "
                "which carries 0",
                f"{name} {index} elapsed-time {since:.0f} +- {elapsed_slack:.0f} centiseconds" if index > 1 else
                f"{name} 1 elapsed-time 0 centiseconds", f"{message.elapsed} centiseconds")
    windows = series.windows(tolerance, strictly_above_irt)
    for index, (rt, window) in enumerate(zip(series.rts, windows), start=1):
        rule = ("RFC 9915 15/18.2.1: RT = IRT + RAND*IRT, with RAND strictly greater than 0 for the first Solicit"
                if index == 1 and strictly_above_irt else "RFC 9915 15: RT = IRT + RAND*IRT" if index == 1 else
                "RFC 9915 15: RT = 2*RTprev + RAND*RTprev (MRT + RAND*MRT once past MRT), RAND in [-0.1, +0.1]")
        require(rt in window, rule + shown, f"{name} {index + 1} {window} after {name} {index}"
                + (" (IRT +- tolerance)" if index == 1 else f" (from the RT before it, {seconds(series.rts[index - 2])}"
                                                             ", +- tolerance)"),
                f"{seconds(rt)} after it")


def require_mrc(series: Series, name: str) -> None:
    """At most MRC transmissions. RFC 9915 section 15 reads two ways; only a count both readings forbid FAILs."""
    mrc, count = series.params.mrc, len(series.messages)
    ambiguous(count <= mrc + 1, count <= mrc, f"RFC 9915 15: the exchange fails after MRC ({mrc}) transmissions",
              MRC_READINGS, f"at most {mrc} transmissions of the {name}",
              f"{count} transmissions, the last {seconds(series.messages[-1].time - series.messages[0].time)} "
              f"after the first (series: {series.describe()})")

