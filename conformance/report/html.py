"""The HTML report across runs (`report DIR... --out DIR`): an index with each run's metadata, counts, a legend and
the case x run matrix with durations; a page per case and run with the requirement, expected against measured, the
verdict, the message ladder diagram and links to the evidence; soak distributions as histograms against their RFC
band.

Reads the results-PROFILE.json files runs wrote and each case's ladder.json (report knows results, never the
network). Every link is relative, so the output folder and the report folders can move together.
"""
import html
import json
import os
import re
from pathlib import Path

from ..errors import UsageError
from .evidence import slug
from . import readiness
from .ladder_svg import histogram, ladder

COLOURS = {"PASS": "#c8e6c9", "FAIL": "#ffcdd2", "WARN": "#fff3c4", "SKIP": "#e0e0e0", "ERROR": "#d1c4e9",
           "INTERMITTENT": "#ffab91", "WAIVED": "#b3e5fc"}
MEANINGS = {"PASS": "the DUT did what the quoted requirement asks",
            "FAIL": "a MUST is broken (or a SHOULD under --strict)",
            "WARN": "a SHOULD is broken, or one reading of ambiguous text; does not fail the run",
            "SKIP": "the case does not apply to the DUT, with the reason",
            "ERROR": "the case could not be judged (harness, scenario or environment): no verdict on the DUT",
            "INTERMITTENT": "soak only: the verdict differed across runs; counts as FAIL",
            "WAIVED": "a FAIL the profile lists as known, with its reason; does not fail the run"}
STYLE = """body{font-family:sans-serif;font-size:14px;margin:20px;color:#222}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #999;padding:4px 8px;text-align:left;
vertical-align:top}th{background:#f4f4f4}.o{font-weight:bold}pre{background:#f8f8f8;padding:8px;white-space:pre-wrap}
.d{color:#555;font-size:12px}a{color:#0b5394}"""


class Run:
    """One results file: the run's metadata, its cases, and where it lies (its evidence paths are relative to it)."""

    def __init__(self, path: Path, document: dict):
        self.path, self.run, self.cases = path, document["run"], {c["case"]: c for c in document["cases"]}
        self.counts = document["counts"]
        self.label = (f"{self.run['dut']} · {self.run['reference']}"
                      + (" · strict" if self.run.get("strict") == "true" else "")
                      + (f" · soak of {self.run['soak_runs']} runs" if self.run.get("soak_runs") else ""))
        self.key = slug(path.stem.removeprefix("results-"))

    def evidence(self, case: dict) -> Path | None:
        return self.path.parent.resolve() / case["evidence"] if case.get("evidence") else None


def read_runs(dirs: list[str]) -> list[Run]:
    """Every results file under `dirs` (folders, or results files themselves), each a column of its own (runs that differ in strictness or reference, or
    the same DUT run twice, are never merged); UsageError for a folder with none or a file the suite did not write."""
    runs = []
    for folder in dirs:
        files = [Path(folder)] if Path(folder).is_file() else \
            [path for path in sorted(Path(folder).rglob("results-*.json")) if not _soak_run(path)]
        if not files:
            raise UsageError(f"{folder}: no results-*.json files (give report folders written by `run`)")
        for path in files:
            try:
                runs.append(Run(path, json.loads(path.read_text())))
            except (ValueError, KeyError, TypeError) as exc:
                raise UsageError(f"{path}: not a results file the suite wrote ({exc})") from None
    labels = [run.label for run in runs]
    keys: dict[str, int] = {}
    for run in runs:
        if labels.count(run.label) > 1:  # the same DUT twice: tell the columns apart by their folders
            run.label += f" ({run.path.parent.name})"
        keys[run.key] = keys.get(run.key, 0) + 1
        run.key += f"-{keys[run.key]}" if keys[run.key] > 1 else ""
    return runs


def _soak_run(path: Path) -> bool:
    """One run of a soak (REPORT_DIR/run-NN/), which the soak's own results file beside run-NN covers."""
    return bool(re.fullmatch(r"run-\d+", path.parent.name)) and (path.parent.parent / path.name).exists()


def _e(text) -> str:
    return html.escape(str(text))


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang=en><meta charset=utf-8><title>{_e(title)}</title><style>{STYLE}</style>"
            f"<body>{body}</body></html>\n")


def _cell(outcome: str, text: str, link: str = "", tip: str = "") -> str:
    inner = f'<a href="{_e(link)}">{text}</a>' if link else text
    return f'<td class=o style="background:{COLOURS.get(outcome, "#fff")}" title="{_e(tip)}">{inner}</td>'


def render_index(runs: list[Run]) -> str:
    heads = "".join(f"<th>{_e(run.label)}</th>" for run in runs)
    fields = [("started", "date (UTC)"), ("tool_version", "tool version"), ("host", "host"), ("profile", "profile"),
              ("profile_digest", "profile digest"), ("reference", "reference RFC"), ("strict", "strict"),
              ("tolerance", "tolerance (s)")]
    meta = "".join(f"<tr><th>{label}</th>" + "".join(
        f"<td>{_e(run.run.get(key, '') if key != 'profile_digest' else run.run.get(key, '')[:19])}</td>"
        for run in runs) + "</tr>" for key, label in fields)
    counts = "<tr><th>counts</th>" + "".join(
        "<td>" + ", ".join(f"{n} {o}" for o, n in sorted(run.counts.items())) + "</td>" for run in runs) + "</tr>"
    case_ids = sorted({cid for run in runs for cid in run.cases})
    rows = []
    for cid in case_ids:
        cells = []
        for run in runs:
            case = run.cases.get(cid)
            if case is None:
                cells.append("<td></td>")
                continue
            reason = case["message"].strip().splitlines()[0] if case["outcome"] != "PASS" and case["message"] else ""
            cells.append(_cell(case["outcome"], f"{case['outcome']} <span class=d>{case['duration']:.1f} s</span>",
                               f"cases/{run.key}/{slug(cid)}.html", reason or case.get("measured", "")))
        title = next(run.cases[cid]["title"] for run in runs if cid in run.cases)
        rows.append(f"<tr><th>{_e(cid)}<div class=d>{_e(title)}</div></th>{''.join(cells)}</tr>")
    legend = "".join(f"<tr>{_cell(o, o)}<td>{_e(m)}</td></tr>" for o, m in MEANINGS.items())
    ready = [readiness.table(readiness.cells_of(list(run.cases.values()))) for run in runs]
    deployments = list(dict.fromkeys(row.deployment for rows in ready for row in rows))
    ready_rows = "".join(f"<tr><th>{_e(d)}</th>" + "".join(_readiness_cell(rows, d) for rows in ready) + "</tr>"
                         for d in deployments)
    return _page("DHCPv6 conformance report",
                 "<h1>DHCPv6 conformance report</h1><h2>Runs</h2>"
                 f"<table><tr><th></th>{heads}</tr>{meta}{counts}</table>"
                 "<h2>RFC 6853 readiness</h2><p class=d>Does the device do all that each deployment model needs "
                 "of it to keep service (a relay: relaying to every server, also while one is unreachable); the "
                 "broken cases that stand in the way; the longest time without a usable lease in the failover "
                 "cases.</p>"
                 f"<table><tr><th>deployment</th>{heads}</tr>{ready_rows}</table>"
                 f"<h2>Verdicts</h2><table><tr><th>case</th>{heads}</tr>{''.join(rows)}</table>"
                 f"<h2>Legend</h2><table>{legend}</table>")


READINESS_COLOURS = {"ready": "PASS", "ready (warnings)": "WARN", "not ready": "FAIL", "not judged": "ERROR",
                     "n/a": "SKIP"}


def _readiness_cell(rows, deployment: str) -> str:
    row = next((r for r in rows if r.deployment == deployment), None)
    if row is None:
        return "<td></td>"
    detail = ", ".join(row.because) + ("<br>" if row.because and row.gap else "") + _e(row.gap)
    return _cell(READINESS_COLOURS[row.verdict], f"{_e(row.verdict)}<div class=d>{detail}</div>")


def render_case(run: Run, case: dict, page_dir: Path, soak_bands: dict) -> str:
    evidence = run.evidence(case)
    links = [f'<a href="{_e(os.path.relpath(run.path.parent.resolve() / name, page_dir))}">{_e(Path(name).name)}</a>'
             for name in case.get("files", [])]  # what the run attached, relative to its results file
    diagram = ""
    if evidence is not None and (evidence / "ladder.json").exists():
        try:
            diagram = ladder(json.loads((evidence / "ladder.json").read_text()))
        except (ValueError, KeyError, TypeError) as exc:
            diagram = f"<p>ladder.json could not be drawn ({_e(exc)})</p>"
    histograms = "".join(histogram(name, values, *soak_bands[name]) for name, values in
                         sorted(case.get("samples", {}).items()) if name in soak_bands and len(values) > 1)
    rows = "".join(f"<tr><th>{label}</th><td>{_e(case.get(key) or '-')}</td></tr>" for key, label in
                   (("expected", "expected"), ("measured", "measured")))
    back = os.path.relpath(page_dir.parent.parent / "index.html", page_dir)
    return _page(f"{case['case']}: {case['outcome']}",
                 f'<p><a href="{_e(back)}">index</a> · {_e(run.label)}</p>'
                 f"<h1>{_e(case['case'])} <span style=\"background:{COLOURS.get(case['outcome'], '#fff')};"
                 f"padding:2px 8px\">{_e(case['outcome'])}</span></h1>"
                 f"<p>{_e(case['title'])}</p><p>{_e(case['level'])} · {_e(', '.join(case['rfc']))} · "
                 f"{case['duration']:.1f} s</p>"
                 f"<h2>Requirement</h2><pre>{_e(case.get('requirement') or case['title'])}</pre>"
                 f"<h2>Expected and measured</h2><table>{rows}</table>"
                 + (f"<h2>Verdict</h2><pre>{_e(case['message'])}</pre>" if case["message"] else "")
                 + (f"<h2>Message ladder</h2>{diagram}" if diagram else "")
                 + (f"<h2>Distributions across the soak's runs</h2>{histograms}" if histograms else "")
                 + (f"<h2>Evidence</h2><p>{' · '.join(links)}</p>" if links else ""))


def write(dirs: list[str], out_dir: Path) -> Path:
    from ..soak import BANDS
    runs = read_runs(dirs)
    out_dir.mkdir(parents=True, exist_ok=True)
    for run in runs:
        page_dir = out_dir / "cases" / run.key
        page_dir.mkdir(parents=True, exist_ok=True)
        for case in run.cases.values():
            (page_dir / f"{slug(case['case'])}.html").write_text(render_case(run, case, page_dir.resolve(), BANDS))
    index = out_dir / "index.html"
    index.write_text(render_index(runs))
    return index
