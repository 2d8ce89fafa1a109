"""The vocabulary of verdicts, shared by cases, the plugin and the reporters: levels, outcomes, results."""
from dataclasses import dataclass, field
from enum import Enum


class Level(str, Enum):
    MUST = "MUST"
    SHOULD = "SHOULD"


class Outcome(str, Enum):
    PASS = "PASS"
    FAIL = "FAIL"    # a MUST is broken
    WARN = "WARN"    # a SHOULD is broken (FAIL under --strict)
    SKIP = "SKIP"    # the profile says the DUT lacks what the case needs
    ERROR = "ERROR"  # the harness or the environment failed: never a verdict on the DUT
    INTERMITTENT = "INTERMITTENT"  # `soak` only: the verdict differed across runs; counts as FAIL
    WAIVED = "WAIVED"  # a FAIL the profile lists as known ([waivers], with its reason): shown, not failing the run


class Violation(AssertionError):
    """The DUT did not do what the quoted requirement asks; `expected` and `actual` say it with numbers."""

    def __init__(self, requirement: str, expected: str, actual: str, level: "Level | None" = None):
        """`level`: the level of the broken requirement when it is not the case's own."""
        self.requirement, self.expected, self.actual, self.level = requirement, expected, actual, level
        super().__init__(f"{requirement}\n  expected: {expected}\n  actual:   {actual}")


class HarnessError(RuntimeError):
    """The case could not be judged: the DUT process died, the lab broke. Reported as ERROR."""


@dataclass
class CaseResult:
    case_id: str
    profile: str
    outcome: Outcome
    level: Level
    rfc: tuple[str, ...]
    title: str
    requirement: str = ""  # the RFC text the case checks
    measured: str = ""
    expected: str = ""
    message: str = ""
    duration: float = 0.0
    evidence: str = ""
    properties: dict[str, str] = field(default_factory=dict)
    samples: dict[str, list[float]] = field(default_factory=dict)  # raw values for `soak` (Testbed.sample)


def to_wire(result: CaseResult) -> dict:
    """`result` as plain types, to travel in a pytest report from an xdist worker to the controller."""
    return {**result.__dict__, "outcome": result.outcome.value, "level": result.level.value, "rfc": list(result.rfc),
            "properties": dict(result.properties), "samples": {k: list(v) for k, v in result.samples.items()}}


def from_wire(data: dict) -> CaseResult:
    return CaseResult(**{**data, "outcome": Outcome(data["outcome"]), "level": Level(data["level"]),
                         "rfc": tuple(data["rfc"])})
