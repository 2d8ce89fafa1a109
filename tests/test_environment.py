"""Unfit environments get one clear line and exit 3, and leave nothing behind (issue 9): here a chroot whose / is not a
mount point, where the DUT's private mounts could not be kept from the host; entered through a bind mount of its
folder onto itself, as the message advises, the suite works."""
import re
import subprocess
import sys

import pytest

from conftest import PROJECT

pytestmark = pytest.mark.lab

TOP_LEVEL = ("usr", "lib", "lib64", "bin", "sbin", "etc", "var", "run", "dev", "proc", "sys", "tmp",
             PROJECT.parts[1])


def _in_chroot(tmp_path, bind_root: bool, *command):
    """`command` in a chroot at tmp_path/root made of bind mounts of the host's folders, inside a mount namespace
    of its own (everything it mounts goes with it)."""
    root = tmp_path / "root"
    script = "\n".join(["set -e", f"mkdir -p {root}"] + ([f"mount --bind {root} {root}"] if bind_root else [])
                       + [f"[ -e /{d} ] && mkdir -p {root}/{d} && mount --rbind /{d} {root}/{d} || true"
                          for d in dict.fromkeys(TOP_LEVEL)]
                       + [f'exec chroot {root} "$@"'])
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, "chroot", *command],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", [["doctor"], ["run", "--profile", str(PROJECT / "profiles" / "dhclient.toml"),
                                                  "--case", "C-PREF-255", "--report-dir", "/tmp"]])
def test_where_root_is_not_a_mount_point_it_says_so_and_exits_3(tmp_path, command):
    result = _in_chroot(tmp_path, False, sys.executable, "-m", "conformance.cli", *command)
    output = result.stdout + result.stderr
    assert result.returncode == 3 and "/ is not a mount point" in output and "Traceback" not in output, output


@pytest.mark.cost(15)
def test_a_chroot_entered_through_a_bind_mount_works(tmp_path):
    result = _in_chroot(tmp_path, True, sys.executable, "-m", "conformance.cli", "run", "--profile",
                        str(PROJECT / "profiles" / "dhclient.toml"), "--case", "C-PREF-255", "--report-dir",
                        str(tmp_path / "reports"))
    assert result.returncode == 0 and re.search(r"^PASS +C-PREF-255 +MUST", result.stdout, re.M), result.stdout + result.stderr
