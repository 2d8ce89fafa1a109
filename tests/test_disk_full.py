"""A full disk is an unfit environment (issue 9): a run that lacks room for its evidence does not start, and a disk
that fills during a run ends it with exit status 3 and the JUnit of the cases that finished, thanks to the room
held back at its start. The report folder is a small tmpfs of the test's own."""
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.lab import naming
from conftest import control_profile, junit_outcomes, run_cli

pytestmark = pytest.mark.lab


@pytest.fixture
def small_disk(tmp_path):
    def make(megabytes: int) -> Path:
        folder = tmp_path / "disk"
        folder.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)], check=True)
        mounted.append(folder)
        return folder
    mounted: list[Path] = []
    yield make
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_run_without_room_for_its_evidence_does_not_start(tmp_path, small_disk):
    reports = small_disk(16) / "reports"
    result = run_cli("run", "--profile", str(control_profile(tmp_path, "none")), "--case", "C-PREF-255",
                     "--report-dir", str(reports))
    assert result.returncode == 3, result.stdout + result.stderr
    assert "MiB free; a run needs at least 64 MiB" in result.stdout + result.stderr
    assert not reports.exists()


def test_a_disk_that_fills_during_a_run_ends_it_with_the_verdicts_it_reached(tmp_path, small_disk):
    reports = small_disk(72) / "reports"
    junit = reports / "junit.xml"
    command = [sys.executable, "-m", "conformance.cli", "run", "--profile", str(control_profile(tmp_path, "none")),
               "--case", "C-PREF-255", "--case", "C-PREF-WAIT", "--case", "C-PREF-HIGHEST", "--report-dir",
               str(reports), "--junit", str(junit)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as run:
        deadline = time.time() + 60
        while not (junit.exists() and "<testcase" in junit.read_text()) and time.time() < deadline:
            time.sleep(0.05)
        with open(reports.parent / "filler", "wb") as filler:  # everything that is left, the reserve aside
            try:
                while True:
                    filler.write(bytes(1 << 20))
                    filler.flush()
            except OSError:
                pass
        output, _ = run.communicate(timeout=120)
    assert run.returncode == 3, output
    assert "is full: the run ends after" in output
    outcomes = junit_outcomes(junit)
    assert len(outcomes) == 2, outcomes  # the case that finished, and the one the full disk cut
    first, second = outcomes.values()
    assert first["outcome"] == "PASS" and second["outcome"] == "ERROR"
    assert not [n for n in naming.ours() if n.startswith(f"d6c-{run.pid}-")]
    assert not list(reports.glob(".d6c-reserve-*"))
