"""`soak`: the same cases N times, each run in fresh labs, judged across runs.

One run shows one draw of a DUT's random delays; a verdict that rests on them can differ from run to run. Soak
reports per case the verdicts seen: the same in every run, or INTERMITTENT (counted as FAIL), with the evidence of
one run of each verdict. It also judges what only many runs show: whether the randomised timers are random at all
(RFC 9915 section 15: RAND "is a random number chosen with a uniform distribution between -0.1 and +0.1"), from the
raw values the cases sample (Testbed.sample).
"""
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from .results import CaseResult, Outcome

MIN_VALUES = 8  # fewer values than this are shown, never judged (see the note on SPREAD_FLOOR)
SPREAD_FLOOR = 0.010  # seconds: first RTs drawn uniformly over (IRT, 1.1 IRT] spread wider than this (see note)
RAND_SPREAD_FLOOR = 0.01  # the same, for RAND as later RTs show it
RANDOM_RULE = ('RFC 9915 15: "a randomization factor (RAND), which is a random number chosen with a uniform '
               'distribution between -0.1 and +0.1"; 18.2.1: "the first RT MUST be selected to be strictly greater '
               'than IRT by choosing RAND to be strictly greater than 0"')
# Why SPREAD_FLOOR and MIN_VALUES are safe: N first RTs drawn uniformly over a width of 0.1 s all fall within 0.010 s
# of each other with probability about N x 0.1^(N-1): 8e-7 for N = 8, 1e-8 for N = 10, so a correct client is
# practically never called "not randomised". A client that does not randomise shows only scheduling noise, a few
# milliseconds on a lab host; noise can only widen the spread, so it can hide that finding, never invent it.


@dataclass(frozen=True)
class Judgement:
    """What the distribution of one sampled quantity says, in a sentence with the statistic and the threshold."""

    ok: bool | None  # None: too few values to judge
    text: str


def _spread(values: list[float], what: str, floor: float, unit: str = " s") -> Judgement:
    if len(values) < MIN_VALUES:
        return Judgement(None, f"{what}: {len(values)} values, at least {MIN_VALUES} needed to judge")
    low, high = min(values), max(values)
    shown = f"{what}: {len(values)} values from {low:.3f} to {high:.3f}{unit} (spread {high - low:.3f}{unit})"
    if high - low < floor:
        return Judgement(False, f"{shown}, less than {floor:.3f}{unit}: not randomised ({RANDOM_RULE})")
    return Judgement(True, f"{shown}, at least {floor:.3f}{unit}: randomised")


def _outside(excess: list[float]) -> Judgement:
    if not excess:
        return Judgement(None, "RT ratios: none measured")
    outside = sum(1 for e in excess if e > 0)
    text = (f"RT ratios: {outside} of {len(excess)} outside 2 + RAND in [-0.1, +0.1] (widened by the tolerance)"
            + (f", the farthest {max(excess):.3f} beyond it in RAND units" if outside else ""))
    return Judgement(outside == 0, text)


IRT = 1.0  # SOL_TIMEOUT, in RFC 9915 and RFC 3315 alike
BANDS = {  # sample name -> (what the report's histogram shows, the RFC band, the offset that maps a value into it)
    "first_rt": ("first Solicit RT in (IRT, 1.1 IRT] (s)", IRT, 1.1 * IRT, 0.0),
    "request_wait": ("first RT as the Request shows it, in (IRT, 1.1 IRT] (s)", IRT, 1.1 * IRT, 0.0),
    "rand": ("RT / RTprev of later RTs, 2 + RAND in [1.9, 2.1]", 1.9, 2.1, 2.0),
}
JUDGES = {  # sample name -> how its values across runs are judged
    "first_rt": lambda v: _spread(v, "first Solicit RT", SPREAD_FLOOR),
    "request_wait": lambda v: _spread(v, "first RT as the Request shows it (time after the first Solicit)",
                                      SPREAD_FLOOR),
    "rand": lambda v: _spread(v, "RAND of later RTs, (RT - 2 RTprev) / RTprev", RAND_SPREAD_FLOOR, unit=""),
    "rand_excess": _outside,
}


@dataclass
class CaseSoak:
    """One case across the runs: its verdicts, one evidence folder per verdict, and the sampled values."""

    first: CaseResult
    outcomes: list[Outcome]
    evidence: dict[Outcome, str]
    samples: dict[str, list[float]]

    def judgements(self) -> list[Judgement]:
        return [JUDGES[name](values) for name, values in sorted(self.samples.items()) if name in JUDGES]

    def outcome(self) -> Outcome:
        seen = set(self.outcomes)
        if len(seen) > 1:
            return Outcome.INTERMITTENT
        if any(j.ok is False for j in self.judgements()):
            return Outcome.FAIL
        return self.outcomes[0]

    def summary(self) -> str:
        counts = Counter(o.value for o in self.outcomes)
        runs = len(self.outcomes)
        lines = [", ".join(f"{value} in {n} of {runs} runs" for value, n in counts.most_common())]
        if self.outcome() == Outcome.INTERMITTENT:
            failing = runs - counts.get("PASS", 0) - counts.get("WARN", 0)
            lines.insert(0, f"INTERMITTENT: {failing} of {runs} runs {'FAIL' if counts.get('FAIL') else 'not PASS'}")
        lines += [j.text for j in self.judgements()]
        lines += [f"evidence of a {o.value} run: {path}" for o, path in self.evidence.items()]
        return "\n".join(lines)


def combine(runs: list[list[CaseResult]]) -> list[CaseSoak]:
    """The runs' results, case by case, in the order of the first run."""
    cases: dict[str, CaseSoak] = {}
    for results in runs:
        for result in results:
            soak = cases.setdefault(result.case_id, CaseSoak(result, [], {}, {}))
            soak.outcomes.append(result.outcome)
            soak.evidence.setdefault(result.outcome, result.evidence)
            for name, values in result.samples.items():
                soak.samples.setdefault(name, []).extend(values)
    return list(cases.values())


def as_result(soak: CaseSoak) -> CaseResult:
    """The case's verdict across the runs, as one result for the JUnit and the report."""
    outcome = soak.outcome()
    return replace(soak.first, outcome=outcome, message=soak.summary(),
                   measured=", ".join(o.value for o in soak.outcomes), expected="",
                   evidence=soak.evidence.get(outcome, soak.first.evidence), samples=soak.samples,
                   properties={**soak.first.properties, "runs": str(len(soak.outcomes))})


def write_text(path: Path, soaks: list[CaseSoak]) -> None:
    lines = []
    for soak in soaks:
        lines.append(f"{soak.outcome().value:12} {soak.first.case_id}  {soak.first.title}")
        lines += ["    " + line for line in soak.summary().splitlines()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
