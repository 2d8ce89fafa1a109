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


def select(patterns: list[str]) -> list[str]:
    """Case IDs matching any of `patterns` (IDs or globs); a pattern that matches nothing is a usage error."""
    from .errors import UsageError
    known = load_all()
    chosen: list[str] = []
    for pattern in patterns:
        hits = [cid for cid in known if fnmatch.fnmatchcase(cid, pattern.upper())]
        if not hits:
            raise UsageError(f"unknown case {pattern!r}; `dhcpv6-conformance list` shows the case IDs")
        chosen += [h for h in hits if h not in chosen]
    return chosen
