"""Profiles are validated on load: a bad one is refused naming the file and the key, before anything is created."""
import re
from pathlib import Path

import pytest

from conformance.dut import profile as profiles
from conformance.errors import UsageError

PROFILES = sorted(Path(__file__).parents[1].joinpath("profiles").glob("*.toml")) + sorted(
    Path(__file__).parents[1].joinpath("profiles", "templates").glob("*.toml"))
GOOD = """[capabilities]
ia_na = true

[dut]
name = "x"
role = "client"
attach = "process"
command = ["sh", "-c", "sleep 1", "{iface}"]
"""


def write(tmp_path, text):
    path = tmp_path / "p.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.name)
def test_shipped_profiles_load(path):
    profile = profiles.load(path)
    if profile.role == "client":  # something to be configured with, or every case would SKIP
        assert any(profile.capabilities[name] for name in ("ia_na", "ia_pd", "stateless"))
    else:
        assert profile.role == "relay"


def test_defaults(tmp_path):
    profile = profiles.load(write(tmp_path, GOOD))
    assert profile.timing.tolerance == profiles.DEFAULT_TOLERANCE and profile.capabilities["ia_pd"] is False
    assert profile.timing.reference.name == "RFC 9915" and profile.timing.reference.hop_count_limit == 8


def test_an_older_reference_changes_the_numbers_judged(tmp_path):
    profile = profiles.load(write(tmp_path, GOOD + '[timing]\nrfc = "3315"\n'))
    assert profile.timing.reference.hop_count_limit == 32 and profile.timing.reference.params["SOLICIT"].mrt == 120


@pytest.mark.parametrize("extra, key", [
    ('[dut2]\n', "[dut2]"),
    ('[timing]\ntolerance = 2.0\n', "[timing.tolerance]"),
    ('[timing]\nmin_t2 = true\n', "[timing.min_t2]"),
    ('[timing]\nrfc = "7550"\n', "[timing.rfc]"),
    ('private_dirs = [5]\n', "[dut.private_dirs]"),
    ('stop_timeout = 1e12\n', "[dut.stop_timeout]"),
    ('stop_timeout = -1\n', "[dut.stop_timeout]"),
    ('stop_timeout = nan\n', "[dut.stop_timeout]"),
    ('log_limit = 10\n', "[dut.log_limit]"),
    ('[timing]\nmin_t2 = 100000\n', "[timing.min_t2]"),
    ('[timing]\ntolerance = nan\n', "[timing.tolerance]"),
    ('[dut.templates]\n"a.conf" = "{fixtrues}/dhclient/dhclient6.conf"\n', "[dut.templates.a.conf]"),
    ('[dut.templates]\n".." = "{fixtures}/dhclient/dhclient6.conf"\n', '[dut.templates.".."]'),
])
def test_bad_keys_are_named(tmp_path, extra, key):
    with pytest.raises(UsageError) as error:
        profiles.load(write(tmp_path, GOOD + extra))
    assert key in str(error.value) and "p.toml" in str(error.value)


@pytest.mark.parametrize("old, new, key", [
    ('role = "client"', 'role = "server"', "[dut.role]"),
    ('attach = "process"', 'attach = "teleport"', "[dut.attach]"),
    ('command = ["sh", "-c", "sleep 1", "{iface}"]', 'command = ["no-such-program-x"]', "[dut.command]"),
    ('command = ["sh", "-c", "sleep 1", "{iface}"]', 'command = ["sh", "{nowhere}"]', "[dut.command]"),
    ('command = ["sh", "-c", "sleep 1", "{iface}"]', 'command = []', "[dut.command]"),
    ('name = "x"\n', '', "[dut.name]"),
    ('ia_na = true', 'ia_xx = true', "[capabilities.ia_xx]"),
    ('ia_na = true', 'ia_pd = "yes"', "[capabilities.ia_pd]"),
    ('ia_na = true', 'ia_na = false', "[capabilities]"),  # a client that asks for nothing: every case would SKIP
    ('command = ["sh", "-c", "sleep 1", "{iface}"]', 'command = ["sh", "{iface:>99999999}"]', "[dut.command]"),
    ('command = ["sh", "-c", "sleep 1", "{iface}"]', 'command = ["sh", "{iface.__class__}"]', "[dut.command]"),
    ('command = ["sh", "-c", "sleep 1", "{iface}"]', 'command = ["sh", "{iface!r}"]', "[dut.command]"),
])
def test_bad_values_are_named(tmp_path, old, new, key):
    with pytest.raises(UsageError) as error:
        profiles.load(write(tmp_path, GOOD.replace(old, new)))
    assert key in str(error.value)


def test_not_toml_and_missing_file(tmp_path):
    with pytest.raises(UsageError, match="not valid TOML"):
        profiles.load(write(tmp_path, "[dut\n"))
    with pytest.raises(UsageError, match="no such profile"):
        profiles.load(tmp_path / "absent.toml")


def test_missing_template_is_named(tmp_path):
    with pytest.raises(UsageError, match=r"\[dut.templates.a.conf\]"):
        profiles.load(write(tmp_path, GOOD + '[dut.templates]\n"a.conf" = "/nonexistent/a.conf"\n'))


@pytest.mark.parametrize("folder", ["/usr/lib/no-such-x", "var/lib/x", "/var/lib/../../usr/x"])
def test_private_dirs_must_exist_or_lie_where_the_dut_writes(tmp_path, folder):
    with pytest.raises(UsageError, match=r"\[dut.private_dirs\]"):
        profiles.load(write(tmp_path, GOOD.replace('attach = "process"',
                                                   f'attach = "process"\nprivate_dirs = ["{folder}"]')))


@pytest.mark.parametrize("folder", ["/run/x", "/var/lib/no-such-x", "/etc/x", "/tmp/x"])
def test_private_dirs_may_be_made_in_the_duts_own_copies(tmp_path, folder):
    assert profiles.load(write(tmp_path, GOOD.replace('attach = "process"',
                                                      f'attach = "process"\nprivate_dirs = ["{folder}"]')))


def test_a_folder_is_not_a_profile(tmp_path):
    with pytest.raises(UsageError, match="is a folder"):
        profiles.load(tmp_path)


BENCH = """[capabilities]
ia_na = true

[dut]
name = "cpe"
role = "client"
attach = "interface"
interface = "eth9"
"""


@pytest.mark.parametrize("extra, key", [
    ('command = ["dhclient"]', "[dut.command]"),
    ('private_dirs = ["/var/lib/x"]', "[dut.private_dirs]"),
    ('vlan = 5000', "[dut.vlan]"),
    ('reset = ["sh", "{host}"]', "[dut.reset] unknown placeholder {host}"),
    ('reset = ["no-such-resetter"]', "[dut.reset] program 'no-such-resetter' not found"),
    ('ready = "boot"', "[dut.ready]"),
    ('ready = ["sh", "{iface:>9}"]', "[dut.ready] bad placeholder"),
    ('reset_timeout = 0', "[dut.reset_timeout]"),
])
def test_bench_profiles_are_checked_before_anything_is_created(tmp_path, extra, key):
    with pytest.raises(UsageError, match=re.escape(key)):
        profiles.load(write(tmp_path, BENCH + extra + "\n"))


def test_a_bench_profile_loads_with_its_reset_and_ready_commands(tmp_path):
    profile = profiles.load(write(tmp_path, BENCH + 'vlan = 101\nreset = ["sh", "-c", "echo {iface} {vlan}"]\n'
                                                    'ready = ["true"]\nready_timeout = 30\n'))
    assert (profile.bench.interface, profile.bench.vlan, profile.bench.ready, profile.bench.ready_timeout) == \
        ("eth9", 101, ("true",), 30.0)


RELAY_BENCH = BENCH.replace('role = "client"', 'role = "relay"')


@pytest.mark.parametrize("extra, key", [
    ('destinations = ["2001:db8:ff::101"]', "[dut.upstream] is required for a relay on the bench"),
    ('upstream = "eth8"', "[dut.destinations] is required for a relay on the bench"),
    ('upstream = "eth9"\ndestinations = ["2001:db8:ff::101"]', "[dut.upstream] eth9 is named twice"),
    ('upstream = "eth8"\ndestinations = ["fe80::1"]', "[dut.destinations] 'fe80::1' is not a global"),
    ('upstream = "eth8"\ndestinations = []', "[dut.destinations] lists 1 to 8 distinct"),
    ('upstream = "eth8"\ndestinations = ["2001:db8::1", "2001:db8:0::1"]', "[dut.destinations] lists 1 to 8"),
    ('upstream = "eth8"\nupstream_vlan = 0\ndestinations = ["2001:db8::1"]', "[dut.upstream_vlan]"),
    ('upstream = "eth8"\ndestinations = ["2001:db8::1"]\nready = "solicit"', "[dut.ready] must be one of relaying"),
])
def test_relay_bench_profiles_are_checked_before_anything_is_created(tmp_path, extra, key):
    with pytest.raises(UsageError, match=re.escape(key)):
        profiles.load(write(tmp_path, RELAY_BENCH + extra + "\n"))


def test_a_relay_on_the_bench_loads_with_its_ports_and_destinations(tmp_path):
    profile = profiles.load(write(tmp_path, RELAY_BENCH + 'vlan = 101\nupstream = "eth9"\nupstream_vlan = 102\n'
                                  'second_interface = "eth7"\ndestinations = ["2001:db8:ff::101", "ff05::1:3"]\n'))
    bench = profile.bench
    assert (bench.ports, bench.destinations, bench.ready) == \
        ([("eth9", 101), ("eth9", 102), ("eth7", None)], ("2001:db8:ff::101", "ff05::1:3"), "relaying")


def test_relay_keys_are_refused_for_a_client_on_the_bench(tmp_path):
    with pytest.raises(UsageError, match=re.escape("[dut.upstream] is for a relay on the bench")):
        profiles.load(write(tmp_path, BENCH + 'upstream = "eth8"\n'))



@pytest.mark.parametrize("extra, key", [
    ('[dut.env]\n"1X" = "a"', '[dut.env."1X"] must be NAME = "value"'),
    ('[dut.env]\nX = 5', '[dut.env."X"] must be NAME = "value"'),
    ('[dut.env]\nX = "{nope}"', "[dut.env.X] bad placeholder"),
    ('[dut.files]\n"/usr/lib/x.conf" = "{here}/p.toml"', '[dut.files."/usr/lib/x.conf"] must be a plain absolute path'),
    ('[dut.files]\n"/run/../usr/x" = "{here}/p.toml"', '[dut.files."/run/../usr/x"] must be a plain absolute path'),
    ('[dut.files]\n"run/x" = "{here}/p.toml"', '[dut.files."run/x"] must be a plain absolute path'),
    ('[dut.files]\n"/run/x" = "{here}/missing"', '[dut.files."/run/x"] no such file'),
])
def test_env_and_placed_files_are_checked_on_load(tmp_path, extra, key):
    with pytest.raises(UsageError, match=re.escape(key)):
        profiles.load(write(tmp_path, GOOD + extra + "\n"))


def test_a_shell_command_has_its_programs_checked_and_its_variables_left_alone(tmp_path):
    shell = GOOD.replace('"sleep 1"', '"X=1 exec no-such-dhcp -d ${IFACE:-x}"')
    with pytest.raises(UsageError, match=re.escape("program 'no-such-dhcp' (run by its shell command) not found")):
        profiles.load(write(tmp_path, shell))
    profile = profiles.load(write(tmp_path, shell.replace("no-such-dhcp", "dhclient")))
    assert profile.arguments(profile.placeholders("eth0", Path("/s")))[2] == "X=1 exec dhclient -d ${IFACE:-x}"
