#!/usr/bin/env python3
"""Writes docs/benchmarks.md: where a case's time goes (the protocol's waits beside the harness's own work), what
the lab costs as it grows, how fast the fake servers answer, and the whole reference matrix's wall time at each
number of workers, with its verdicts compared to the published matrix.

    .venv/bin/python benchmarks/write_docs.py [--workers 1,2,4,8,16,32] [--rounds 10] [--solicits 300]

As root, after ./setup.sh. The matrix runs dominate (about 23 minutes at -n 1, 4-5 minutes from -n 8 up).
"""
import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from lab_costs import advertise_latency, percentile, setup_teardown

from conformance import data, matrix
from conformance.dut import profile as profiles

PROJECT = Path(__file__).resolve().parents[1]


def matrix_run(workers: int, folder: Path) -> tuple[float, dict]:
    """The reference profiles in one `run -n workers`: its wall time and its verdicts (as matrix.read_run)."""
    entries = matrix.reference_entries()
    argv = [sys.executable, "-m", "conformance.cli", "run", "-n", str(workers), "--report-dir", str(folder)]
    for entry in entries:
        argv += ["--profile", entry]
    began = time.monotonic()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.monotonic() - began
    return wall, matrix.read_run(folder, [profiles.load_entry(entry) for entry in entries])


def phases(folder: Path) -> dict[str, list[tuple[float, float, float]]]:
    """Case -> (wall, protocol, harness) seconds for each profile that ran it (SKIPs and unjudged cases left out)."""
    out: dict[str, list] = {}
    for path in sorted(folder.glob("results-*.json")):
        for case in json.loads(path.read_text())["cases"]:
            props = case["properties"]
            if "protocol_s" in props:
                out.setdefault(case["case"], []).append(
                    (case["duration"], float(props["protocol_s"]), float(props["harness_s"])))
    return out


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="1,2,4,8,16,32", help="the -n values of the matrix runs")
    parser.add_argument("--rounds", type=int, default=10, help="lab set-ups per size")
    parser.add_argument("--solicits", type=int, default=300, help="Solicits per server count")
    parser.add_argument("--out", default=str(PROJECT / "docs" / "benchmarks.md"))
    parser.add_argument("--report-dir", default=str(PROJECT / "reports" / "benchmarks"),
                        help="where each matrix run's reports stay (nN/)")
    args = parser.parse_args()
    levels = [int(n) for n in args.workers.split(",")]
    lines = ["# Benchmarks", "", f"Written by `.venv/bin/python benchmarks/write_docs.py --workers {args.workers} "
             f"--rounds {args.rounds} --solicits {args.solicits}` on "
             f"{datetime.now(timezone.utc).isoformat(timespec='minutes')} (2 cores; as root).", ""]

    lines += ["## The lab as it grows", "", "A DUT host, N fake servers, the capture, link-local addresses ready; "
              f"median and worst of {args.rounds} rounds.", "",
              "| fake servers | set-up median | set-up max | teardown median | teardown max |", "|---|---|---|---|---|"]
    for servers in (1, 2, 4, 8):
        setups, teardowns = setup_teardown(args.rounds, servers)
        lines.append(f"| {servers} | {ms(setups)} | {max(setups) * 1000:.0f} ms | {ms(teardowns)} | "
                     f"{max(teardowns) * 1000:.0f} ms |")
    lines += ["", "## Fake server answer latency", "",
              f"{args.solicits} Solicits, each answered by every server; Solicit to Advertise on the DUT's capture "
              "(kernel timestamps).", "", "| fake servers | Advertises | p50 | p99 | max |", "|---|---|---|---|---|"]
    for servers in (1, 2, 4, 8):
        latency = advertise_latency(args.solicits, servers)
        lines.append(f"| {servers} | {len(latency)} of {args.solicits * servers} | {ms(latency)} | "
                     f"{percentile(latency, 0.99) * 1000:.2f} ms | {max(latency) * 1000:.2f} ms |")

    published = matrix.read_published(data.reference_matrix())
    walls, runs = {}, {}
    for workers in levels:  # kept: `matrix --add reports/benchmarks/nN` folds them into the published matrix
        folder = Path(args.report_dir) / f"n{workers}"
        walls[workers], runs[workers] = matrix_run(workers, folder)
        (folder / "matrix-wall.json").write_text(json.dumps({"seconds": round(walls[workers], 1),
                                                             "workers": workers}))
        if workers == levels[0]:
            split = phases(folder)
        print(f"matrix at -n {workers}: {walls[workers]:.0f} s", flush=True)
    longest = max(max(w for w, _, _ in rows) for rows in split.values())
    lines += ["", "## The reference matrix", "",
              f"The {len(matrix.REFERENCE)} reference profiles in one `run` (every case for each; SKIPs are "
              "immediate). Differences: cells whose outcome the published matrix (profiles/reference-matrix.json) "
              "does not list.", "", "| -n | wall | x longest case | differences from the published matrix |",
              "|---|---|---|---|"]
    for workers in levels:
        stale = matrix.differences(published, runs[workers])
        lines.append(f"| {workers} | {walls[workers]:.0f} s | {walls[workers] / longest:.2f} | "
                     f"{len(stale)}{': ' + '; '.join(stale) if stale else ''} |")
    harness = [h for rows in split.values() for _, _, h in rows]
    lines += ["", f"## Where a case's time goes (-n {levels[0]})", "",
              "Protocol: from the DUT's start to the end of the case's last wait (the RFC's timers, the scenario's "
              "lifetimes, and the DUT's own random delays). Harness: the lab and capture before the DUT starts, "
              "and the teardown (DUT stop, pcap, timeline, ladder, lab removal). Medians over the profiles that ran "
              f"the case. Harness time per case: median {statistics.median(harness):.3f} s, worst "
              f"{max(harness):.3f} s; the longest case took {longest:.0f} s.", "",
              "| case | profiles | wall | protocol | harness |", "|---|---|---|---|---|"]
    for case, rows in sorted(split.items()):
        lines.append(f"| {case} | {len(rows)} | {statistics.median(r[0] for r in rows):.2f} s | "
                     f"{statistics.median(r[1] for r in rows):.2f} s | {statistics.median(r[2] for r in rows):.3f} s |")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
