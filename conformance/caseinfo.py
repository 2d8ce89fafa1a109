"""The `case` decorator: a stable ID, the RFC sections, the level from the RFC text, the capabilities needed.

Kept free of lab imports so `list` can show every case without touching the network.
"""
import fnmatch
import importlib
import pkgutil
from dataclasses import dataclass

import pytest

from .results import Level

MUST, SHOULD = Level.MUST, Level.SHOULD
REGISTRY: dict[str, "CaseInfo"] = {}


@dataclass(frozen=True)
class CaseInfo:
    case_id: str
    rfc: tuple[str, ...]
    level: Level
    role: str
    requires: tuple[str, ...]
    title: str
    requirement: str

    def missing(self, capabilities: dict[str, bool]) -> list[str]:
        return [name for name in self.requires if not capabilities.get(name, False)]


def case(case_id: str, rfc: list[str], level: Level, role: str = "client", requires: tuple[str, ...] = ()):
    """Mark a test function as conformance case `case_id`; its docstring's first paragraph is the title, the rest
    quotes the requirement."""
    def decorate(func):
        doc = (func.__doc__ or "").strip()
        title, _, quote = doc.partition("\n\n")  # the title is the whole first paragraph
        info = CaseInfo(case_id, tuple(rfc), Level(level), role, tuple(requires), " ".join(title.split()),
                        "\n".join(line.strip() for line in quote.strip().splitlines()))
        if case_id in REGISTRY and REGISTRY[case_id].title != info.title:
            raise ValueError(f"case ID {case_id} is used twice")
        REGISTRY[case_id] = info
        func.case_info = info
        return pytest.mark.dhcpv6_case(info)(func)
    return decorate


def load_all() -> dict[str, CaseInfo]:
    """Import every case module under conformance.cases so the registry is complete."""
    from . import cases
    for module in pkgutil.walk_packages(cases.__path__, prefix="conformance.cases."):
        importlib.import_module(module.name)
    return dict(sorted(REGISTRY.items()))


def split_name(pattern: str) -> tuple[str, str | None]:
    """`C-REBIND-OTHER[split]` -> ("C-REBIND-OTHER", "split"): the names reports print, with the model in brackets
    (brackets are not a glob's character class here)."""
    if pattern.endswith("]") and "[" in pattern:
        case_part, _, model = pattern[:-1].partition("[")
        return case_part.upper(), model
    return pattern.upper(), None


def select(patterns: list[str], option: str = "--case") -> list[tuple[str, str | None]]:
    """(case glob, model glob or None) for each pattern: an ID, a glob, or a name with its model as the reports
    print it. A pattern that matches no case, or names a model there is not, is a usage error."""
    from .errors import UsageError
    from .servers.models import all_models
    known, models = load_all(), all_models()
    chosen = []
    for pattern in patterns:
        case_part, model = split_name(pattern)
        if not any(fnmatch.fnmatchcase(cid, case_part) for cid in known):
            raise UsageError(f"{option} {pattern!r} matches no case; `dhcpv6-conformance list` shows the case IDs")
        if model is not None and not any(fnmatch.fnmatchcase(name, model) for name in models):
            raise UsageError(f"{option} {pattern!r}: no model {model!r}; the models are {', '.join(models)}")
        chosen.append((case_part, model))
    return chosen


def matches(selection: list[tuple[str, str | None]], case_id: str, model: str | None) -> bool:
    """Whether the case (run under `model`, or under none) is one of `selection`."""
    return any(fnmatch.fnmatchcase(case_id, case_part) and (wanted is None or (
        model is not None and fnmatch.fnmatchcase(model, wanted))) for case_part, wanted in selection)


def cites(info: CaseInfo, section: str) -> bool:
    """Whether the case cites `section` or a section under it: "18.2" matches "RFC 9915 18.2.4"; "RFC 3315 17"
    names the document too."""
    wanted = section.split()
    for cited in info.rfc:
        words = cited.split()
        number, document = words[-1], words[:-1]
        if (number == wanted[-1] or number.startswith(wanted[-1] + ".")) and \
                (len(wanted) == 1 or document == wanted[:-1]):
            return True
    return False


def require_cited(sections: list[str]) -> None:
    """Each of `sections` is cited by some case, or UsageError saying which is not (a selection matching nothing)."""
    from .errors import UsageError
    for section in sections:
        if not any(cites(info, section) for info in load_all().values()):
            raise UsageError(f"--rfc {section}: no case cites that section or one under it (`list` shows them)")
