"""The HTML matrix across runs: DUT x case, each cell the outcome, linking to the case's evidence folder.

Reads the results-PROFILE.json files the runs wrote (report knows results, never the network).
"""
import html
import json
import os
from pathlib import Path

from ..errors import UsageError

COLOURS = {"PASS": "#c8e6c9", "FAIL": "#ffcdd2", "WARN": "#fff3c4", "SKIP": "#e0e0e0", "ERROR": "#d1c4e9",
           "INTERMITTENT": "#ffab91", "WAIVED": "#b3e5fc"}


def read_runs(dirs: list[str]) -> dict[str, dict[str, dict[str, str]]]:
    """DUT name -> case ID -> what results-*.json says of it (evidence made absolute), from every report folder
    under `dirs`."""
    runs: dict[str, dict[str, dict[str, str]]] = {}
    for folder in dirs:
        files = sorted(Path(folder).rglob("results-*.json"))
        if not files:
            raise UsageError(f"{folder}: no results-*.json files (give report folders written by `run`)")
        for path in files:
            try:
                document = json.loads(path.read_text())
                cases = runs.setdefault(document["run"]["dut"], {})
                for case in document["cases"]:
                    evidence = str(path.parent.resolve() / case["evidence"]) if case["evidence"] else ""
                    cases[case["case"]] = {**case, "rfc": ", ".join(case["rfc"]), "evidence": evidence}
            except (ValueError, KeyError, TypeError) as exc:
                raise UsageError(f"{path}: not a results file the suite wrote ({exc})") from None
    return runs


def render(runs, out_dir: Path) -> str:
    case_ids = sorted({cid for cases in runs.values() for cid in cases})
    head = "".join(f"<th>{html.escape(cid)}</th>" for cid in case_ids)
    rows = []
    for dut, cases in sorted(runs.items()):
        cells = []
        for cid in case_ids:
            props = cases.get(cid)
            if props is None:
                cells.append("<td></td>")
                continue
            outcome = props.get("outcome", "?")
            link = os.path.relpath(props["evidence"], out_dir) if props.get("evidence") else ""
            title = html.escape(f"{props.get('level', '')} {props.get('rfc', '')}\nmeasured: {props.get('measured', '')}"
                                f"\nexpected: {props.get('expected', '')}")
            text = f'<a href="{html.escape(link)}">{outcome}</a>' if link else outcome
            cells.append(f'<td style="background:{COLOURS.get(outcome, "#fff")}" title="{title}">{text}</td>')
        rows.append(f"<tr><th>{html.escape(dut)}</th>{''.join(cells)}</tr>")
    return ("<!doctype html><meta charset=utf-8><title>DHCPv6 conformance matrix</title>"
            "<style>td,th{border:1px solid #999;padding:4px 8px;font-family:sans-serif;font-size:13px}"
            "table{border-collapse:collapse}</style><h1>DHCPv6 conformance matrix</h1>"
            f"<table><tr><th>DUT</th>{head}</tr>{''.join(rows)}</table>")


def write(dirs: list[str], out_dir: Path) -> Path:
    runs = read_runs(dirs)
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "index.html"
    page.write_text(render(runs, out_dir.resolve()))
    return page
