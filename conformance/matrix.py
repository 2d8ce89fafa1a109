"""The published matrix: every reference profile's verdict on every case, as the suite measures it.

`matrix` runs the reference profiles (the Debian programs of README's reference DUTs, for addresses, delegated
prefixes and configuration only, the two relays, and dhclient behind each relay) side by side in one session,
`--runs` times, and writes profiles/reference-matrix.json (what `--check` compares against; shipped with the
profiles) and docs/matrix.md (the same for people: the matrix, then each finding with its requirement and the
times measured on the capture). A cell whose outcome differed across the runs that made it lists every outcome
seen and is INTERMITTENT; `--check` accepts any outcome it lists, and nothing else.
"""
import json
from collections import Counter
from pathlib import Path

from . import data
from .report import readiness, results_file

FORMAT = "dhcpv6-conformance-matrix/1"
REFERENCE = ("dhclient", "dhclient-pd", "dhclient-stateless", "dhcpcd", "dhcpcd-pd", "dhcpcd-stateless",
             "dhcp6c", "dhcp6c-pd", "dhcp6c-stateless", "dhcrelay", "dnsmasq-relay",
             "dhclient+dhcrelay", "dhclient+dnsmasq-relay")
FINDINGS = ("FAIL", "WARN", "ERROR", "INTERMITTENT", "WAIVED")


def reference_entries() -> list[str]:
    """The --profile values of the reference runs, as paths (a composition as CLIENT+RELAY)."""
    return ["+".join(str(data.profile(name)) for name in entry.split("+")) for entry in REFERENCE]


def read_run(report_dir: Path, profiles) -> dict:
    """One run's verdicts from its results files: {slug: {"dut", "cases": {case: cell}}}, a cell holding the
    outcome seen, the seconds it took and what the verdict says. OSError when no profile has one."""
    out = {}
    for profile in profiles:
        path = results_file.path(report_dir, profile)
        if not path.exists():  # a run of some of them (a soak of one profile's cases): the cells it has
            continue
        document = json.loads(path.read_text())
        out[profile.slug] = {"dut": document["run"]["dut"], "cases": {
            case["case"]: {"outcomes": [case["outcome"]], "seconds": case["duration"], "level": case["level"],
                           "message": case["message"], "measured": case["measured"],
                           "expected": case["expected"],
                           **_gaps(case.get("samples", {}).get("service_gap"))} for case in document["cases"]}}
    if not out:
        raise FileNotFoundError(f"no results file of a reference profile in {report_dir}")
    return out


def _gaps(values) -> dict:
    """A failover case's service gaps (seconds), kept for the readiness table; nothing for other cases."""
    return {"service_gap": [round(v, 3) for v in values]} if values else {}


def combine(runs: list[dict]) -> dict:
    """Several runs' verdicts as one: per cell every outcome seen (sorted), the longest time, and the account of
    the first run that saw a finding (else of the first run)."""
    combined: dict = {}
    for run in runs:
        for slug, column in run.items():
            into = combined.setdefault(slug, {"dut": column["dut"], "cases": {}})
            for case, cell in column["cases"].items():
                known = into["cases"].get(case)
                if known is None:
                    into["cases"][case] = dict(cell)
                    continue
                outcomes = sorted(set(known["outcomes"]) | set(cell["outcomes"]))
                gaps = known.get("service_gap", []) + cell.get("service_gap", [])
                if not set(known["outcomes"]) & set(FINDINGS) and set(cell["outcomes"]) & set(FINDINGS):
                    known.update(cell)
                known["outcomes"], known["seconds"] = outcomes, max(known["seconds"], cell["seconds"])
                if gaps:
                    known["service_gap"] = gaps
    return combined


def shown(cell: dict) -> str:
    """A cell as the matrix prints it: FAIL, or INTERMITTENT (FAIL, PASS) when runs differed."""
    outcomes = cell["outcomes"]
    return outcomes[0] if len(outcomes) == 1 else f"INTERMITTENT ({', '.join(outcomes)})"


def differences(published: dict, fresh: dict) -> list[str]:
    """What makes the published matrix stale: a cell whose fresh outcome it does not list, a cell only one side
    has."""
    out = []
    for slug in sorted(set(published) | set(fresh)):
        old, new = published.get(slug, {}).get("cases", {}), fresh.get(slug, {}).get("cases", {})
        if slug not in fresh or slug not in published:
            out.append(f"{slug}: {'only in the published matrix' if slug in published else 'not published'}")
            continue
        for case in sorted(set(old) | set(new)):
            if case not in new or case not in old:
                out.append(f"{slug} {case}: {'no longer run' if case in old else 'not published'}")
            elif not set(new[case]["outcomes"]) <= set(old[case]["outcomes"]):
                out.append(f"{slug} {case}: published {shown(old[case])}, now {shown(new[case])}")
    return out


def document(columns: dict, run: dict) -> dict:
    return {"format": FORMAT, "run": run, "runs": [{"profile": slug, **column} for slug, column in columns.items()]}


def columns_of(document_: dict) -> dict:
    return {entry["profile"]: {"dut": entry["dut"], "cases": entry["cases"]} for entry in document_["runs"]}


def read_published(path: Path) -> dict:
    return columns_of(json.loads(Path(path).read_text()))


def render_markdown(columns: dict, run: dict) -> str:
    """docs/matrix.md: how it was made, the case x profile matrix, the counts, then every finding."""
    slugs = list(columns)
    cases = sorted({case for column in columns.values() for case in column["cases"]})
    lines = ["# The reference matrix", "",
             "Every case of the suite on every reference profile, as the suite judged it. Regenerate it (as root, "
             "after `./setup.sh`) with:", "", "    .venv/bin/dhcpv6-conformance matrix --runs 5 -n 16", "",
             "(`--add DIR` folds in earlier runs of all the reference profiles too, such as those benchmarks/"
             "write_docs.py keeps under reports/benchmarks/).", "",
             "and check that this file is current (CI does, on every change) with `.venv/bin/dhcpv6-conformance "
             "matrix --check -n 16`.", "",
             f"Made {run['started']} with dhcpv6-conformance {run['tool_version']} on {run['host']}, "
             f"{run['runs']} runs ({run['made_of']}), reference {run['reference']}"
             + (f"; the longest run at -n {run['workers']} took {run['wall_seconds']} s" if run["wall_seconds"] else "")
             + ". A cell lists every outcome its runs saw: INTERMITTENT (FAIL, PASS) is a "
             "verdict that differed from run to run. SKIP: the case does not apply to the profile (its role or "
             "capabilities); `-` the case is not run for it.", "",
             "Profiles: " + "; ".join(f"`{slug}` {columns[slug]['dut']}" for slug in slugs), "",
             "| case | " + " | ".join(f"`{slug}`" for slug in slugs) + " |",
             "|---|" + "---|" * len(slugs)]
    for case in cases:
        cells = [columns[slug]["cases"].get(case) for slug in slugs]
        if all(cell is None or cell["outcomes"] == ["SKIP"] for cell in cells):
            continue
        lines.append(f"| {case} | " + " | ".join(_short(cell) for cell in cells) + " |")
    counts = {slug: Counter(shown(c).split(" ")[0] for c in columns[slug]["cases"].values()) for slug in slugs}
    lines += ["", "Counts per profile: " + "; ".join(
        f"`{slug}` " + ", ".join(f"{n} {o}" for o, n in sorted(counts[slug].items())) for slug in slugs), ""]
    lines += _readiness_section(columns)
    lines += ["## Findings", "",
              "Each FAIL, WARN, ERROR and INTERMITTENT cell, with what the suite measured on the capture "
              "(times from kernel capture timestamps; the case's evidence has the pcap and timeline).", ""]
    for slug in slugs:
        for case in sorted(columns[slug]["cases"]):
            cell = columns[slug]["cases"][case]
            if not set(cell["outcomes"]) & set(FINDINGS):
                continue
            lines += [f"### {case} on `{slug}`: {shown(cell)}", ""]
            lines += [f"    {line}" for line in cell["message"].strip().splitlines()]
            if cell["measured"]:
                lines += ["", f"Measured: {cell['measured']}"]
            if cell["expected"]:
                lines += ["", f"Expected: {cell['expected']}"]
            lines.append("")
    return "\n".join(lines)


def _readiness_section(columns: dict) -> list[str]:
    """RFC 6853 readiness per profile: a row per model for a client, one for a relay (report.readiness)."""
    lines = ["## RFC 6853 readiness", "",
             "For each reference DUT and each deployment model of RFC 6853 section 6 (a relay: relaying to every "
             "server, also while one is unreachable): `ready` when it does everything the architecture needs of it "
             "to keep service, `not ready` naming the cases whose requirement it broke (FAIL, or INTERMITTENT: "
             "broken in some runs), `not judged` where such a case was an ERROR. The last column is the longest "
             "time it was without a usable lease in the failover cases, over all runs: from the moment its old "
             "lease stopped being usable (the other server's Reply to the Rebind zeroed it, or its valid lifetime "
             "ended) to the new lease answering a Neighbor Solicitation (a delegated prefix: to the Reply that "
             "delegated it). Which cases count, and why: conformance/report/readiness.py; `list` shows them.", "",
             "| profile | deployment | verdict | because of | without a lease |", "|---|---|---|---|---|"]
    for slug, column in columns.items():
        for row in readiness.table(column["cases"]):
            lines.append(f"| `{slug}` | {row.deployment} | {row.verdict} | {', '.join(row.because) or '-'} | "
                         f"{row.gap or '-'} |")
    return lines + [""]


def _short(cell: dict | None) -> str:
    if cell is None:
        return "-"
    text = "/".join(cell["outcomes"])
    return f"**{text}**" if set(cell["outcomes"]) & set(FINDINGS) else text
