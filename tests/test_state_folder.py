"""The DUT's state folder cannot be used to make the harness write elsewhere (issue 9): the testbed makes it with
mkdtemp (0700, a random name, never an existing folder) and every file in it is created new, 0600, never through a
symlink."""
import os
import stat

import pytest

from conformance.dut import profile as profiles
from conformance.dut.process import ProcessDut


def _profile(tmp_path):
    source = tmp_path / "dut.conf.in"
    source.write_text("interface @IFACE@\n")
    path = tmp_path / "p.toml"
    path.write_text(f'[capabilities]\nia_na = true\n[dut]\nname = "x"\nrole = "client"\nattach = "process"\n'
                    f'command = ["sh", "-c", "sleep 1"]\n[dut.templates]\n"dut.conf" = "{source}"\n')
    return profiles.load(path)


def test_templates_are_private_files(tmp_path):
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    ProcessDut(_profile(tmp_path), "ns", "eth0", state, tmp_path / "dut.log")._prepare()
    assert stat.S_IMODE((state / "dut.conf").stat().st_mode) == 0o600
    assert (state / "dut.conf").read_text() == "interface eth0\n"


def test_a_planted_symlink_is_never_written_through(tmp_path):
    victim = tmp_path / "root-owned-secret"
    victim.write_text("secret\n")
    victim.chmod(0o600)
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    (state / "dut.conf").symlink_to(victim)
    with pytest.raises(FileExistsError):
        ProcessDut(_profile(tmp_path), "ns", "eth0", state, tmp_path / "dut.log")._prepare()
    assert victim.read_text() == "secret\n" and stat.S_IMODE(victim.stat().st_mode) == 0o600
    assert os.path.islink(state / "dut.conf")


@pytest.mark.lab
@pytest.mark.cost(15)
def test_a_chatty_dut_log_stops_at_its_limit(tmp_path):
    """A DUT writing 100 MB to its output: dut.log keeps log_limit bytes and says how much it cut; the DUT is not
    blocked (its pipe is drained) and the case is judged as usual (ERROR here: it never sends a Solicit)."""
    from conftest import run_cli
    path = tmp_path / "chatty.toml"
    path.write_text('[capabilities]\nia_na = true\n[dut]\nname = "chatty"\nrole = "client"\nattach = "process"\n'
                    'log_limit = 65536\ncommand = ["sh", "-c", "head -c 100000000 /dev/zero; sleep 30", "{iface}"]\n'
                    'stop_timeout = 1\n')
    result = run_cli("run", "--profile", str(path), "--case", "C-PREF-255", "--report-dir", str(tmp_path / "r"))
    log = next((tmp_path / "r").glob("*/C-PREF-255/dut.log"))
    assert result.returncode == 3, result.stdout
    assert log.stat().st_size < 65536 + 200 and b"99934464 more bytes of DUT output discarded" in log.read_bytes()
