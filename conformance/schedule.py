"""The order cases start in when they run side by side (`run -n N`): the longest first, so the run ends about when
its longest case does, instead of a long case starting last.

How long a case takes comes from the last run of its profile in the report folder (results-PROFILE.json), else
from the published matrix (the profile's own cell, or the longest the case took on a reference DUT), else it counts
as unknown (long). A case the profile cannot run (its role or capabilities) is an instant SKIP.
The controller reads them once and hands them to every worker (xdist requires all workers to collect the same
order).

xdist gives each worker two cases at the start (it runs one while the next waits) and then one at a time. So the
first 2 x N places pair each of the N longest cases with one of the shortest, which waits behind it; the rest
follow, longest first, to whichever worker is free.
"""
import json
from pathlib import Path

from .data import published_durations
from .report import results_file

UNKNOWN = 1e6  # seconds: a case never timed starts among the first


def estimates(report_dir: Path, profiles) -> dict[str, float]:
    """"SLUG CASE" -> seconds, from the profile's last results file in `report_dir`, else the published matrix's
    cell for the profile, else the longest the case took on any reference profile."""
    published = published_durations()
    longest: dict[str, float] = {}
    for cells in published.values():
        for case, seconds in cells.items():
            longest[case] = max(longest.get(case, 0.0), seconds)
    out = {}
    for profile in profiles:
        try:
            cases = json.loads(results_file.path(report_dir, profile).read_text())["cases"]
        except (OSError, ValueError, KeyError, TypeError):
            cases = []
        for case, seconds in {**longest, **published.get(profile.slug, {})}.items():
            out[f"{profile.slug} {case}"] = seconds
        for case in cases:
            if isinstance(case, dict) and isinstance(case.get("duration"), (int, float)):
                out[f"{profile.slug} {case.get('case')}"] = float(case["duration"])
    return out


def order(items: list, seconds, workers: int) -> list:
    """`items` in the order to hand them to `workers` workers; `seconds(item)` is how long it is expected to take
    (UNKNOWN if never timed)."""
    ranked = sorted(items, key=lambda item: -seconds(item))
    if workers < 2 or len(ranked) < 2 * workers:
        return ranked
    longest, rest = ranked[:workers], ranked[workers:]
    shortest, rest = rest[-workers:][::-1], rest[:-workers]
    paired = [item for pair in zip(longest, shortest) for item in pair]
    return paired + rest
