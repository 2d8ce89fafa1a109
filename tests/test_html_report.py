"""The HTML report as a person sees it, rendered by headless Chromium (Debian's chromium package): the index with
each run's metadata, counts, legend and the case x run matrix; a case page with its requirement, expected against
measured and the message ladder diagram, its RFC window drawn as a band around the Request; a soak's histogram
against its RFC band. Links are relative: the report and the report folders move together and still work."""
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from conftest import PROJECT, run_cli

pytestmark = pytest.mark.lab

CHROMIUM = shutil.which("chromium")
BAND = (0xFF, 0xF3, 0xC4)   # the first band's colour on a case page
PASS = (0xC8, 0xE6, 0xC9)   # a PASS cell
ARROW = (0x33, 0x33, 0x33)  # a message's line


def _chromium(*args: str) -> subprocess.CompletedProcess:
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: ./setup.sh --tests installs it")
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--user-data-dir=/tmp/d6c-chromium-profile", *args], capture_output=True, text=True,
                          timeout=120, check=True)


def _seen(page: Path, tmp_path: Path, size: str = "1400,1600") -> tuple[str, Image.Image]:
    """The text of the page once Chromium rendered it, and a screenshot of it."""
    text = _chromium("--dump-dom", page.as_uri()).stdout
    shot = tmp_path / f"{page.stem}.png"
    _chromium(f"--window-size={size}", f"--screenshot={shot}", page.as_uri())
    return re.sub(r"<[^>]+>", " ", text), Image.open(shot).convert("RGB")


def _share(image: Image.Image, colour) -> float:
    counts = {c: n for n, c in image.getcolors(maxcolors=1 << 24)}
    return counts.get(colour, 0) / (image.width * image.height)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        self.links += [value for name, value in attrs if name == "href"]


def _soak_results(folder: Path) -> None:
    """A soak's results file: C-SOL-RT's first RTs across 12 runs (the histogram's input)."""
    run = json.loads(next(folder.parent.glob("a/results-*.json")).read_text())["run"]
    case = {"case": "C-SOL-RT", "title": "Solicit retransmission", "requirement": "RFC 9915 15", "outcome": "PASS",
            "level": "MUST", "rfc": ["RFC 9915 15"], "measured": "PASS x 12", "expected": "", "message": "",
            "duration": 190.0, "evidence": None, "files": [], "properties": {"runs": "12"},
            "samples": {"first_rt": [1.01 + 0.007 * i for i in range(12)]}}
    folder.mkdir()
    (folder / "results-dhclient.json").write_text(json.dumps(
        {"format": "dhcpv6-conformance-results/1", "run": {**run, "soak_runs": "12"}, "counts": {"PASS": 1},
         "cases": [case]}))


@pytest.mark.cost(50)
def test_the_report_shows_runs_verdicts_and_a_ladder_with_its_rfc_window(tmp_path):
    reports = tmp_path / "reports"
    run_cli("run", "--profile", str(PROJECT / "profiles" / "dhclient.toml"), "--case", "C-PREF-WAIT",
            "--case", "C-PD-PREF-255", "--report-dir", str(reports / "a"))
    run_cli("run", "--profile", str(PROJECT / "profiles" / "dhclient.toml"), "--case", "C-PREF-WAIT", "--strict",
            "--report-dir", str(reports / "strict"))
    _soak_results(reports / "soak")
    made = run_cli("report", str(reports / "a"), str(reports / "strict"), str(reports / "soak"),
                   "--out", str(tmp_path / "html"))
    assert made.returncode == 0, made.stderr
    moved = tmp_path / "moved"
    shutil.copytree(tmp_path, moved, ignore=shutil.ignore_patterns("moved"))
    html = moved / "html"

    text, shot = _seen(html / "index.html", tmp_path)
    for words in ("DHCPv6 conformance report", "tool version", "profile digest", "reference RFC", "strict",
                  "ISC dhclient 4.4.3 · RFC 9915 · strict", "soak of 12 runs", "C-PREF-WAIT", "C-PD-PREF-255",
                  "Legend", "does not fail the run", "RFC 6853 readiness", "identical"):
        assert words in text, words
    assert re.search(r"PASS\s+\d+\.\d s", text) and "SKIP" in text
    assert _share(shot, PASS) > 0.002  # the matrix's PASS cells are drawn

    case_pages = sorted(html.glob("cases/*/C-PREF-WAIT.html"))
    assert len(case_pages) == 2  # a strict and a normal run are separate columns, each with its pages
    text, shot = _seen(case_pages[0], tmp_path)
    for words in ("C-PREF-WAIT", "RFC 9915 18.2.1", "A client MUST collect valid Advertise messages",
                  "expected", "solicit_to_request", "Message ladder", "DUT", "s1 (preference 10)",
                  "s2 (preference 20)", "first RT ends", "SOLICIT xid 0x", "ADVERTISE xid 0x", "pref 20",
                  "REQUEST xid 0x", "server s2", "capture.pcap", "timeline.txt", "dut.log"):
        assert words in text, words
    assert _share(shot, BAND) > 0.005 and _share(shot, ARROW) > 0.0005  # the band and the arrows are drawn
    request = re.search(r"\+(\d+\.\d{3}) s #\d+\s+REQUEST", text)
    band = re.search(r"first RT ends: \(IRT, 1.1 IRT\] after the first Solicit \(\+(\d+\.\d+) to \+(\d+\.\d+) s\)", text)
    assert request and band and float(band[1]) - 0.05 <= float(request[1]), (request, band)

    for page in [html / "index.html", *case_pages]:
        parser = _Links()
        parser.feed(page.read_text())
        assert parser.links, page
        for link in parser.links:
            assert not link.startswith(("/", "file:")), link
            assert (page.parent / link).exists(), f"{page}: {link}"

    soak_page = next(html.glob("cases/*/C-SOL-RT.html"))
    text, shot = _seen(soak_page, tmp_path)
    assert "Distributions across the soak's runs" in text and "RFC band [1, 1.1]" in text
    assert "first Solicit RT in (IRT, 1.1 IRT] (s): 12 values" in text
    assert _share(shot, (0x0B, 0x53, 0x94)) > 0.0005  # the histogram's bars
