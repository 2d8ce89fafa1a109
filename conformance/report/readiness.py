"""RFC 6853 readiness, the one table an ISP reads: for each deployment model (split, unique and identical prefixes,
RFC 6853 section 6) and for a relay, whether the device does all the architecture needs of it to keep service
("ready"), which broken requirements stand in the way ("not ready", naming the cases), and how long it was without
a usable lease when the preferred server died.

It reads verdict cells, {case name: {"outcomes": [...], "service_gap": [seconds, ...]}}, the shape a results file
gives (`cells_of`) and the published matrix keeps, so one run and the matrix read the same.
"""
from dataclasses import dataclass

from ..caseinfo import split_name

MODELS = ("split", "unique", "identical")
# The cases the architecture's service rests on, whatever the DUT asks for (a case its profile does not apply to
# is SKIP and counts for nothing): preference 255 and the first RT (RFC 6853 5.3), ignoring a server whose pool ran
# out, Renew, Rebind to any server, Solicit again at expiry (section 6), NoBinding from a server that lost its
# leases, a server restarted with a new DUID, and, for the identical model only, a Request every server sees (section 7). A case run per model counts
# for its own model only.
CLIENT_CASES = ("C-PREF-255", "C-PREF-WAIT", "C-ADV-NOADDRS", "C-RENEW-T1", "C-REBIND-T2", "C-REBIND-OTHER",
                "C-RESOLICIT-EXPIRY", "C-RENEW-NOBINDING", "C-REBIND-NOBINDING", "C-SERVER-RESTART",
                "C-REQUEST-MULTICAST",
                "C-PD-PREF-255", "C-PD-PREF-WAIT", "C-PD-ADV-NOPREFIX", "C-PD-RENEW-T1", "C-PD-REBIND-T2",
                "C-PD-RESOLICIT-EXPIRY", "C-PD-WITHOUT-ADDRESS", "C-INFO-REQ", "C-INFO-OUTAGE")
ONLY_IN = {"C-REQUEST-MULTICAST": ("identical",)}
# A relay keeps service when every client message reaches every server, also while one is down, and the replies
# come back (RFC 6853 5.2).
RELAY_CASES = ("R-FWD-ALL", "R-FWD-OUTAGE", "R-FWD-UNREACH", "R-FWD-FORMAT", "R-REPLY-DELIVER")
LOSES = {"FAIL", "INTERMITTENT", "WAIVED"}  # a waived FAIL is known, and still stands in the way
GAP_CASES = (("after the Rebind", ("C-REBIND-OTHER",)),
             ("after expiry", ("C-RESOLICIT-EXPIRY", "C-PD-RESOLICIT-EXPIRY")))


@dataclass(frozen=True)
class Readiness:
    deployment: str   # "split", "unique", "identical" or "relay"
    verdict: str      # "ready", "ready (warnings)", "not ready", "not judged", "n/a"
    because: tuple[str, ...]  # the cases behind a verdict other than "ready"
    gap: str          # the worst service gap measured, per failover ("after expiry: 1.1 s"), or ""


def _counts_for(name: str, deployment: str) -> bool:
    case, model = split_name(name)
    if deployment == "relay":
        return case in RELAY_CASES
    return (case in CLIENT_CASES and model in (None, deployment)
            and deployment in ONLY_IN.get(case, (deployment,)))


def deployments_of(case_id: str) -> tuple[str, ...]:
    """The rows of the readiness table a case counts for (a case run per model: its model's row in each)."""
    return tuple(d for d in (*MODELS, "relay") if _counts_for(case_id, d))


def _outcomes(cell: dict) -> set[str]:
    return set(cell["outcomes"])


def _gap(cells: dict, deployment: str) -> str:
    parts = []
    for label, cases in GAP_CASES:
        gaps = [g for name, cell in cells.items() if split_name(name) in {(c, deployment) for c in cases}
                for g in cell.get("service_gap", [])]
        if gaps:
            parts.append(f"{label}: {max(gaps):.1f} s")
    return "; ".join(parts)


def assess(cells: dict, deployment: str) -> Readiness:
    """The verdict for one deployment from the profile's cells."""
    judged = {name: cell for name, cell in cells.items() if _counts_for(name, deployment)
              and _outcomes(cell) != {"SKIP"}}
    gap = _gap(cells, deployment)
    if not judged:
        return Readiness(deployment, "n/a", (), "")
    for verdict, kinds in (("not ready", LOSES), ("not judged", {"ERROR"}), ("ready (warnings)", {"WARN"})):
        names = tuple(sorted(name for name, cell in judged.items() if _outcomes(cell) & kinds))
        if names:
            return Readiness(deployment, verdict, names, gap)
    return Readiness(deployment, "ready", (), gap)


def table(cells: dict) -> list[Readiness]:
    """A relay's one row, or a client's row per model."""
    relay = any(split_name(name)[0].startswith("R-") and _outcomes(cell) != {"SKIP"} for name, cell in cells.items())
    return [assess(cells, "relay")] if relay else [assess(cells, model) for model in MODELS]


def cells_of(cases: list[dict]) -> dict:
    """Cells from a results file's cases."""
    return {case["case"]: {"outcomes": [case["outcome"]],
                           "service_gap": case.get("samples", {}).get("service_gap", [])} for case in cases}


def cells_of_results(results) -> dict:
    """Cells from a run's CaseResults."""
    return {r.case_id: {"outcomes": [r.outcome.value], "service_gap": r.samples.get("service_gap", [])}
            for r in results}


def line(row: Readiness) -> str:
    """One row as text: "split: not ready (C-REBIND-T2); without a lease after expiry: 1.1 s"."""
    because = f" ({', '.join(row.because)})" if row.because else ""
    return f"{row.deployment}: {row.verdict}{because}" + (f"; without a lease {row.gap}" if row.gap else "")
