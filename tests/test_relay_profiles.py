"""Relay profiles: groups of arguments repeat per client-side interface and per destination, and a relay command
that cannot be told its interfaces or destinations is refused on load, naming the file and the key."""
from pathlib import Path

import pytest

from conformance.dut import profile as profiles
from conformance.errors import UsageError

RELAY = """[dut]
name = "r"
role = "relay"
attach = "process"
command = ["sh", "-c", "sleep 1", "{upper}", ["-l", "{lower}"], ["-u", "{destination}%{upper}"],
           ["--relay={lower_address},{destination}"]]
"""
WIRING = profiles.RelayWiring((("lo1", "2001:db8:a::1"), ("lo2", "2001:db8:b::1")), "up", "2001:db8:ff::1",
                              ("2001:db8:ff::101", "ff05::1:3"))


def write(tmp_path, text):
    path = tmp_path / "p.toml"
    path.write_text(text)
    return path


def test_groups_repeat_per_interface_destination_and_pair(tmp_path):
    profile = profiles.load(write(tmp_path, RELAY))
    values = profile.placeholders("lo1", Path("/state"), WIRING)
    assert profile.arguments(values, WIRING) == [
        "sh", "-c", "sleep 1", "up", "-l", "lo1", "-l", "lo2", "-u", "2001:db8:ff::101%up", "-u", "ff05::1:3%up",
        "--relay=2001:db8:a::1,2001:db8:ff::101", "--relay=2001:db8:a::1,ff05::1:3",
        "--relay=2001:db8:b::1,2001:db8:ff::101", "--relay=2001:db8:b::1,ff05::1:3"]


@pytest.mark.parametrize("command, problem", [
    ('["sh", "{lower}", ["-u", "{destination}"]]', "put it in a group"),
    ('["sh", ["-l", "{lower}"], ["-x"], ["-u", "{destination}"]]', "names none of"),
    ('["sh", ["-l", "{lower}"]]', "destinations"),
    ('["sh", ["-u", "{destination}"]]', "client-side interfaces"),
    ('["sh", ["-l", "{lower}"], ["-u", "{destination}%{nowhere}"]]', "bad placeholder"),
    ('["sh", ["-l", "{lower"], ["-u", "{destination}"]]', "bad placeholder"),
    ('["sh", ["-l", 3], ["-u", "{destination}"]]', "lists of strings"),
    ('["sh", 3, ["-l", "{lower}"], ["-u", "{destination}"]]', "lists of strings"),
])
def test_bad_relay_commands_are_named(tmp_path, command, problem):
    text = RELAY.replace(RELAY[RELAY.index("command"):RELAY.index("]]\n") + 3], f"command = {command}\n")
    with pytest.raises(UsageError, match=problem) as error:
        profiles.load(write(tmp_path, text))
    assert "p.toml" in str(error.value) and "[dut.command]" in str(error.value)


def test_groups_are_for_relays(tmp_path):
    with pytest.raises(UsageError, match=r"\[dut.command\] argument groups"):
        profiles.load(write(tmp_path, RELAY.replace('role = "relay"', 'role = "client"')))


def test_client_profile_has_no_relay_placeholders(tmp_path):
    with pytest.raises(UsageError, match=r"\[dut.command\] bad placeholder"):
        profiles.load(write(tmp_path, '[dut]\nname = "c"\nrole = "client"\nattach = "process"\n'
                                      'command = ["sh", "{upper}"]\n'))
