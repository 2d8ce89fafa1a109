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
    for name in ("dut.conf", "resolv.conf"):
        assert stat.S_IMODE((state / name).stat().st_mode) == 0o600
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
