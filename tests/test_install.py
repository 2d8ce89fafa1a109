"""Installable outside a checkout (issue 9): a wheel of the project, installed into an empty environment and run
from elsewhere, finds the profiles, models and fixtures it ships and judges a reference DUT with them."""
import os
import shutil
import subprocess
import sys
import sysconfig

import pytest

from conftest import PROJECT, junit_outcomes


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "-q", "--disable-pip-version-check", *args], check=True,
                   capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A venv holding only the wheel (the dependencies come from the test environment's site-packages, on
    PYTHONPATH, which does not read its .pth files: the checkout's editable install is not seen)."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    shutil.copytree(PROJECT, source, ignore=shutil.ignore_patterns(".venv", ".git", "reports", "tests", "build",
                                                                  "*.egg-info", "__pycache__"))
    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(work / "dist"), str(source))
    venv = work / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    _pip("--python", str(venv / "bin" / "python"), "install", "--no-deps", *map(str, (work / "dist").glob("*.whl")))
    shutil.rmtree(source)
    env = {**os.environ, "PYTHONPATH": sysconfig.get_path("purelib")}
    return venv, env, work


def _cli(installed, *args):
    venv, env, work = installed
    return subprocess.run([str(venv / "bin" / "dhcpv6-conformance"), *args], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.cost(60)
def test_the_installed_suite_lists_a_shipped_profile_by_name(installed):
    result = _cli(installed, "list", "--profile", "dhclient")
    assert result.returncode == 0, result.stderr
    assert "C-PREF-255" in result.stdout and "applies" in result.stdout
    for profile in sorted(PROJECT.glob("profiles/*.toml")):  # each loads: its templates and files are installed
        shipped = _cli(installed, "list", "--profile", profile.stem)
        assert shipped.returncode == 0, shipped.stderr
    venv, env, work = installed
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "from conformance import data; print(data.root())"],
                           cwd=work, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert where == str(venv / "share" / "dhcpv6-conformance")


@pytest.mark.lab
def test_the_installed_suite_judges_a_reference_dut_with_its_own_fixtures(installed):
    work = installed[2]
    result = _cli(installed, "run", "--profile", "dhclient", "--case", "C-PREF-255", "--report-dir",
                  str(work / "reports"))
    assert junit_outcomes(work / "reports" / "junit-dhclient.xml")["C-PREF-255"]["outcome"] == "PASS", \
        result.stdout + result.stderr
