"""The command-line contract: exit statuses and refusing bad input before anything is created."""
import os
import re

import pytest

from conftest import PROJECT, junit_outcomes, run_cli
from conformance import caseinfo
from conformance.errors import UsageError
from conformance.lab import naming

PROFILE = str(PROJECT / "profiles" / "dhclient.toml")


def test_list_shows_every_case_with_levels():
    result = run_cli("list", "--profile", PROFILE)
    assert result.returncode == 0
    for case_id in ("C-PREF-255", "C-PREF-WAIT", "C-SOL-RT"):
        assert case_id in result.stdout
    assert "MUST" in result.stdout and "SHOULD" in result.stdout and "applies" in result.stdout


@pytest.mark.lab
def test_unknown_case_is_a_usage_error_and_creates_nothing():
    result = run_cli("run", "--profile", PROFILE, "--case", "C-NO-SUCH")
    assert result.returncode == 2 and "matches no case" in result.stderr
    assert not [n for n in naming.ours() if n.startswith(f"{naming.PREFIX}-{result.pid}-")]


@pytest.mark.lab
def test_bad_profile_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[dut]\nname = "x"\nrole = "client"\nattach = "process"\ncommand = ["no-such-dut-program"]\n')
    result = run_cli("run", "--profile", str(bad))
    assert result.returncode == 2 and "bad.toml" in result.stderr and "dut.command" in result.stderr


@pytest.mark.parametrize("option, make, message", [
    ("--report-dir", lambda d: (d / "f").write_text(""), "is a file; give a folder"),
    ("--junit", lambda d: (d / "f").mkdir(), "is a folder; give a file name"),
])
def test_outputs_that_cannot_be_written_are_refused_before_any_case(tmp_path, option, make, message):
    """A report folder that is a file, or a JUnit path that is a folder, would lose the report after every case had
    run: exit 2 first, naming the option."""
    make(tmp_path)
    result = run_cli("run", "--profile", PROFILE, option, str(tmp_path / "f"))
    assert result.returncode == 2 and option in result.stderr and message in result.stderr, result.stderr


def test_a_folder_given_as_profile_is_a_usage_error():
    result = run_cli("run", "--profile", str(PROJECT / "profiles"))
    assert result.returncode == 2 and "is a folder" in result.stderr


def test_a_selection_takes_ids_globs_and_the_names_reports_print():
    from conformance import caseinfo
    chosen = caseinfo.select(["c-pref-*", "C-REBIND-OTHER[split]"])
    assert caseinfo.matches(chosen, "C-PREF-WAIT", None) and not caseinfo.matches(chosen, "C-SOL-RT", None)
    assert caseinfo.matches(chosen, "C-REBIND-OTHER", "split")
    assert not caseinfo.matches(chosen, "C-REBIND-OTHER", "unique")
    with pytest.raises(UsageError, match="--case 'C-NOPE\\*' matches no case"):
        caseinfo.select(["C-NOPE*"])
    with pytest.raises(UsageError, match="no model 'nope'; the models are identical, split, unique"):
        caseinfo.select(["C-REBIND-OTHER[nope]"])


@pytest.mark.cost(45)
@pytest.mark.lab
def test_the_names_a_junit_file_prints_select_those_cases_and_exclude_leaves_them_out(tmp_path):
    """The JUnit name of a case run under a model selects it again; --exclude takes the same names. A run into the
    same folder leaves no case folder of the run before it (the folders match the JUnit), and nothing else goes."""
    result = run_cli("run", "--profile", PROFILE, "--case", "C-REBIND-OTHER[split]", "--case", "C-PREF-*",
                     "--exclude", "C-PREF-[AHL]*", "--exclude", "C-PREF-WAIT", "--report-dir", str(tmp_path))
    names = set(junit_outcomes(tmp_path / "junit-dhclient.xml"))
    assert names == {"C-REBIND-OTHER[split]", "C-PREF-255"}, result.stdout
    (tmp_path / "dhclient" / "notes").mkdir()
    again = run_cli("run", "--profile", PROFILE, "--case", sorted(names)[1], "--report-dir", str(tmp_path))
    assert set(junit_outcomes(tmp_path / "junit-dhclient.xml")) == {"C-REBIND-OTHER[split]"}, again.stdout
    assert {p.name for p in (tmp_path / "dhclient").iterdir()} == {"C-REBIND-OTHER-split", "notes"}


@pytest.mark.lab
def test_without_root_it_is_an_environment_error():
    import subprocess
    import sys
    result = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m",
                             "conformance.cli", "run", "--profile", os.path.abspath(PROFILE)],
                            capture_output=True, text=True, cwd="/", timeout=60)
    assert result.returncode == 3 and "root" in result.stderr


@pytest.mark.lab
@pytest.mark.parametrize("command", [["doctor"], ["run", "--profile", PROFILE, "--case", "C-PREF-255"], ["cleanup"]])
@pytest.mark.parametrize("capability", ["net_admin", "net_raw", "sys_admin"])
def test_without_a_capability_it_says_which_and_creates_nothing(capability, command):
    """Root in a container that dropped a capability: one clear line naming it, exit 3, no namespace made."""
    import subprocess
    import sys
    run = subprocess.Popen(["setpriv", f"--bounding-set=-{capability}", sys.executable, "-m", "conformance.cli",
                            *command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output, _ = run.communicate(timeout=60)  # setpriv execs the harness: same pid
    assert run.returncode == 3 and f"CAP_{capability.upper()}" in output and "Traceback" not in output, output
    assert not [n for n in naming.ours() if n.startswith(f"{naming.PREFIX}-{run.pid}-")]


@pytest.mark.lab
def test_doctor_finds_the_lab_and_programs():
    result = run_cli("doctor")
    assert result.returncode == 0 and "network namespaces" in result.stdout and "dhclient" in result.stdout


@pytest.mark.lab
def test_doctor_shows_what_a_profile_gives_its_program():
    result = run_cli("doctor", "--profile", "systemd-networkd")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "command: /lib/systemd/systemd-networkd" in result.stdout
    assert "env:     SYSTEMD_LOG_TARGET=console" in result.stdout
    assert "file:    /run/systemd/network/00-lab.network (" in result.stdout
    relay = run_cli("doctor", "--profile", "dhcrelay")
    assert "-l '<lower>' -u '2001:db8:ff::101%<upper>' -u '2001:db8:ff::102%<upper>'" in relay.stdout, relay.stdout


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.startswith("dhcpv6-conformance 0."), result.stdout


def test_list_as_json_says_which_cases_apply():
    import json
    listed = json.loads(run_cli("list", "--profile", "dhcpcd-pd", "--format", "json").stdout)
    cases = {case["case"]: case for case in listed["cases"]}
    assert listed["reference"] == "RFC 9915" and cases["C-PD-PREF-255"]["applies"]
    assert cases["C-PREF-255"]["skipped_because"] == "needs ia_na" and cases["R-FWD-ALL"]["role"] == "relay"


def test_cases_are_selected_by_the_rfc_sections_they_cite_and_by_level(tmp_path):
    import subprocess
    import sys
    collected = subprocess.run([sys.executable, "-m", "pytest", "--pyargs", "conformance.cases", "--collect-only",
                                "-q", "-p", "no:cacheprovider", "--dut-profile", PROFILE, "--report-dir",
                                str(tmp_path), "--rfc", "18.2.4", "--level", "MUST"],
                               capture_output=True, text=True, timeout=120)
    names = set(re.findall(r"::(test_\w+)", collected.stdout))
    assert "test_renew_at_t1" in names and "test_preference_255_requests_at_once" not in names, collected.stdout
    documents = caseinfo.load_all()
    assert caseinfo.cites(documents["C-RENEW-T1"], "RFC 9915 18.2.4")
    assert not caseinfo.cites(documents["C-RENEW-T1"], "RFC 3315 18.2.4")
    assert not caseinfo.cites(documents["C-PREF-255"], "RFC 9915 18.2.4")
    assert caseinfo.cites(documents["C-PREF-255"], "18.2")
    result = run_cli("run", "--profile", PROFILE, "--rfc", "99.9", "--report-dir", str(tmp_path / "none"))
    assert result.returncode == 2 and "--rfc 99.9: no case cites" in result.stderr
    assert not (tmp_path / "none").exists()
