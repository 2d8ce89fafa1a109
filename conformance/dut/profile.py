"""DUT profiles (TOML): load, validate, refuse with the file, the key and what is wrong, before anything is created.

A relay's command has groups: a nested list of arguments repeated once per client-side interface ({lower},
{lower_address}), once per destination ({destination}), or once per pair when it names both, so one profile
configures as many interfaces and destinations as a case needs.
"""
import ipaddress
import json
import os
import re
import shlex
import shutil
import string
import sys
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import data as suite_data
from ..errors import UsageError
from ..lab.syscalls import CAPABILITY_NUMBERS
from ..wire.timing import REFERENCES

CAPABILITIES = ("ia_na", "ia_pd", "stateless", "multicast_destination")
CLIENT_SERVICES = ("ia_na", "ia_pd", "stateless")  # what a client asks for: a client profile names at least one
LOWER_KEYS = frozenset({"lower", "lower_address"})  # one value per client-side interface of a relay
DESTINATION_KEYS = frozenset({"destination"})       # one value per destination a relay forwards to
DEFAULT_TOLERANCE = 0.05  # seconds of scheduling noise allowed around RFC windows (README: Timing)
DEFAULT_LOG_LIMIT = 16 * 1024 * 1024      # bytes of DUT output kept in dut.log
DEFAULT_FILES_LIMIT = 64 * 1024 * 1024    # bytes the DUT may write in its box (a tmpfs: README, The DUT's box)
DEFAULT_CAPTURE_LIMIT = 256 * 1024 * 1024  # bytes of frames kept for a case's pcap files
BOUNDS = {"timing.tolerance": (0.0, 0.5), "dut.stop_timeout": (0.1, 60.0), "timing.min_t2": (0, 600),
          "dut.log_limit": (4096, 1 << 30), "dut.files_limit": (1 << 20, 1 << 32),
          "dut.capture_limit": (1 << 20, 1 << 34), "dut.reset_timeout": (1, 3600), "dut.ready_timeout": (1, 3600),
          "dut.vlan": (1, 4094), "dut.upstream_vlan": (1, 4094), "dut.second_vlan": (1, 4094)}  # inclusive
UNITS = {"timing.tolerance": "seconds", "dut.stop_timeout": "seconds", "timing.min_t2": "seconds (T2)",
         "dut.log_limit": "bytes", "dut.files_limit": "bytes", "dut.capture_limit": "bytes",
         "dut.reset_timeout": "seconds", "dut.ready_timeout": "seconds", "dut.vlan": "(802.1Q VLAN ID)",
         "dut.upstream_vlan": "(802.1Q VLAN ID)", "dut.second_vlan": "(802.1Q VLAN ID)"}
DEFAULTS = {"timing.tolerance": DEFAULT_TOLERANCE, "dut.stop_timeout": 3.0, "timing.min_t2": 0,
            "dut.log_limit": DEFAULT_LOG_LIMIT, "dut.files_limit": DEFAULT_FILES_LIMIT,
            "dut.capture_limit": DEFAULT_CAPTURE_LIMIT, "dut.reset_timeout": 120, "dut.ready_timeout": 120,
            "dut.vlan": 1, "dut.upstream_vlan": 1, "dut.second_vlan": 1}
# What a DHCP client or relay (and its scripts) needs as root: a container engine's default set without MKNOD and
# SETFCAP, with the network ones. Not SYS_ADMIN (no mounts, no entering other namespaces), not SYS_PTRACE.
DUT_PRIVILEGES = ("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
                  "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
                  "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_AUDIT_WRITE")
WRITABLE = ("/etc/", "/var/", "/run/", "/tmp/")  # where a DUT may write, and so where private_dirs may be made


class ProfileError(UsageError):
    def __init__(self, path: Path, key: str, problem: str):
        super().__init__(f"{path}: [{key}] {problem}")


@dataclass(frozen=True)
class Timing:
    tolerance: float = DEFAULT_TOLERANCE
    min_t2: int = 0          # shortest T2 the DUT accepts (a client that raises short T2s says so here)
    rfc: str = "9915"        # the standard judged against: "9915", "8415" or "3315" (wire.timing.REFERENCES)

    @property
    def reference(self):
        return REFERENCES[self.rfc]


@dataclass(frozen=True)
class Bench:
    """A device on ports of the lab host (attach = "interface"): its port (a VLAN on it), how to bring the device to
    a case's starting point (`reset`, a command; None: the operator does it) and how the suite knows it is back
    (`ready`: "solicit", a client's first Solicit; "relaying", a relay passing on a probe Solicit; "link", its
    carrier; or a command that exits 0 once it is). A relay has a client-side port (`interface`), an upstream one,
    maybe a second client-side one, and the destinations it was configured with, in order."""

    interface: str
    vlan: int | None = None
    reset: tuple[str, ...] | None = None
    reset_timeout: float = 120
    ready: str | tuple[str, ...] = "solicit"
    ready_timeout: float = 120
    upstream: tuple[str, int | None] | None = None  # (port, VLAN)
    second: tuple[str, int | None] | None = None
    destinations: tuple[str, ...] = ()

    @property
    def ports(self) -> list[tuple[str, int | None]]:
        """(port, VLAN) of every port the device is cabled to."""
        return [(self.interface, self.vlan), *(p for p in (self.upstream, self.second) if p)]


READY = {"client": ("solicit", "link"), "relay": ("relaying", "link")}
RELAY_BENCH_KEYS = ("upstream", "upstream_vlan", "second_interface", "second_vlan", "destinations")
RESET_KEYS = frozenset({"iface", "vlan", "profile_dir", "python"})


@dataclass(frozen=True)
class RelayWiring:
    """Where the lab put a relay DUT: its client-side interfaces with their global addresses, its upstream interface
    with its address, and the destinations it is to forward to, in order."""

    lowers: tuple[tuple[str, str], ...]
    upper: str
    upper_address: str
    destinations: tuple[str, ...]

    def values(self) -> dict[str, str]:
        """The values one placeholder holds: the upstream side, and space-separated lists of the rest (for
        templates: @LOWERS@, @LOWER_ADDRESSES@, @DESTINATIONS@)."""
        return {"upper": self.upper, "upper_address": self.upper_address,
                "lowers": " ".join(i for i, _ in self.lowers), "lower_addresses": " ".join(a for _, a in self.lowers),
                "destinations": " ".join(self.destinations)}

    def repetitions(self, keys: set[str]) -> list[dict[str, str]]:
        """The values of each repetition of a group that names `keys`."""
        lowers = [{"lower": i, "lower_address": a} for i, a in self.lowers] if keys & LOWER_KEYS else [{}]
        destinations = [{"destination": d} for d in self.destinations] if keys & DESTINATION_KEYS else [{}]
        return [{**lower, **destination} for lower in lowers for destination in destinations]


def _args(part: str | tuple[str, ...]) -> tuple[str, ...]:
    return (part,) if isinstance(part, str) else part


SHELL_VARIABLE = re.compile(r"\$\{([^{}]*)\}")  # ${NAME}, ${NAME:-x}: the shell's, never a placeholder


def _escaped(text: str) -> str:
    """`text` with each shell `${...}` written as literal braces for str.format."""
    return SHELL_VARIABLE.sub(lambda m: "${{" + m.group(1) + "}}", text)


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with its `{name}` placeholders filled in; a shell's `${VAR}` is left as it is."""
    return _escaped(text).format(**values)


def _placeholders(text: str) -> set[str]:
    """The placeholder names in `text`: plain `{name}` only. ValueError for a malformed one and for format specs,
    conversions, attributes and indexes (`{iface:>99999999}`, `{iface!r}`, `{iface.x}`): a profile names values,
    it does not format them."""
    names = set()
    for _, name, spec, conversion in string.Formatter().parse(_escaped(text)):
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            raise ValueError(f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}} is "
                             "not a plain {name} placeholder")
        names.add(name)
    return names


def _keys(part: str | tuple[str, ...]) -> set[str]:
    """The placeholder names in a command part (ValueError for a malformed one)."""
    return {name for arg in _args(part) for name in _placeholders(arg)}


@dataclass(frozen=True)
class Profile:
    path: Path
    name: str
    role: str
    attach: str
    command: tuple[str | tuple[str, ...], ...]  # a tuple is a relay's group (module docstring)
    templates: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # a path inside the DUT's box -> its template
    env: dict[str, str] = field(default_factory=dict)    # the DUT's environment, beyond PATH and LANG
    private_dirs: tuple[str, ...] = ()
    stop_timeout: float = 3.0
    log_limit: int = DEFAULT_LOG_LIMIT
    files_limit: int = DEFAULT_FILES_LIMIT
    capture_limit: int = DEFAULT_CAPTURE_LIMIT
    privileges: tuple[str, ...] = DUT_PRIVILEGES  # the capabilities the DUT keeps ([dut] privileges adds to them)
    capabilities: dict[str, bool] = field(default_factory=dict)
    timing: Timing = Timing()
    via: "Profile | None" = None  # a relay DUT between this client DUT and the servers (one composed run)
    bench: Bench | None = None    # attach = "interface": the port, VLAN, reset and readiness of a device
    waivers: dict[str, str] = field(default_factory=dict)  # case name (ID, or ID[model]) -> why its FAIL is known
    host: str | None = None       # the lab host the DUT is attached to (workers there run its cases: hosts.py)

    def waiver(self, name: str) -> str | None:
        """The reason a case's FAIL is waived: by its full name (C-REBIND-OTHER[split]) or its ID."""
        return self.waivers.get(name) or self.waivers.get(name.split("[")[0])

    @property
    def slug(self) -> str:
        return self.path.stem + (f"-via-{self.via.slug}" if self.via else "")

    @property
    def label(self) -> str:
        """The name reports use: the DUT, and the relay it is judged behind."""
        return self.name + (f" via {self.via.name}" if self.via else "")

    def placeholders(self, iface: str, state: Path, wiring: RelayWiring | None = None) -> dict[str, str]:
        return {"iface": iface, "state": str(state), "fixtures": str(suite_data.fixtures()),
                "profile_dir": str(self.path.parent), "here": str(self.path.parent), "python": sys.executable,
                **(wiring.values() if wiring else {})}

    def arguments(self, values: dict[str, str], wiring: RelayWiring | None = None) -> list[str]:
        """The command line with placeholders filled in and each group repeated as the wiring asks."""
        out: list[str] = []
        for part in self.command:
            if isinstance(part, str):
                out.append(fill(part, values))
                continue
            for repetition in wiring.repetitions(_keys(part)):
                out += [fill(arg, {**values, **repetition}) for arg in part]
        return out


_SCHEMA = {
    "dut": {"name": str, "role": str, "attach": str, "command": list, "templates": dict, "files": dict, "env": dict,
            "private_dirs": list,
            "stop_timeout": (int, float), "log_limit": int, "files_limit": int, "capture_limit": int,
            "privileges": list, "host": str, "interface": str, "vlan": int, "reset": list, "reset_timeout": (int, float),
            "ready": (str, list), "ready_timeout": (int, float), "upstream": str, "upstream_vlan": int,
            "second_interface": str, "second_vlan": int, "destinations": list},
    "capabilities": {name: bool for name in CAPABILITIES},
    "timing": {"tolerance": (int, float), "min_t2": int, "rfc": str},
    "waivers": None,  # any case name -> a reason (checked in _waivers)
}
_REQUIRED = {"dut": ("name", "role", "attach")}


def _check_shape(path: Path, data: dict) -> None:
    for section, body in data.items():
        if section not in _SCHEMA:
            raise ProfileError(path, section, f"unknown section; expected one of {', '.join(_SCHEMA)}")
        if not isinstance(body, dict):
            raise ProfileError(path, section, "must be a table")
        for key, value in body.items() if _SCHEMA[section] is not None else ():
            kind = _SCHEMA[section].get(key)
            if kind is None:
                raise ProfileError(path, f"{section}.{key}", f"unknown key; expected one of {', '.join(_SCHEMA[section])}")
            if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
                raise ProfileError(path, f"{section}.{key}", f"has the wrong type ({type(value).__name__})")
    for section, keys in _REQUIRED.items():
        for key in keys:
            if key not in data.get(section, {}):
                raise ProfileError(path, f"{section}.{key}", "is required")


def load(path: str | Path) -> Profile:
    path = suite_data.profile(str(path))
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"{path}: no such profile; the suite ships {', '.join(suite_data.shipped_profiles())}")\
            from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a folder; --profile names a profile file (profiles/*.toml)") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the profile ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    _check_shape(path, data)
    dut, timing = data["dut"], data.get("timing", {})
    if dut["role"] not in ("client", "relay"):
        raise ProfileError(path, "dut.role", f"must be 'client' or 'relay', not {dut['role']!r}")
    if dut["attach"] not in ("process", "interface"):
        raise ProfileError(path, "dut.attach", f"must be 'process' (a program the suite starts) or 'interface' (a "
                                               f"device on a port of the lab host), not {dut['attach']!r}")
    bench = _bench(path, dut) if dut["attach"] == "interface" else None
    if bench is None and "command" not in dut:
        raise ProfileError(path, "dut.command", "is required")
    command = [tuple(part) if isinstance(part, list) else part for part in dut.get("command", ())]
    if bench is None:
        _check_command(path, dut["role"], command)
    for key in ("templates", "files"):
        if not all(isinstance(v, str) for v in dut.get(key, {}).values()):
            raise ProfileError(path, f"dut.{key}", "values must be file paths (strings)")
    _check_env(path, dut.get("env", {}))
    if not all(isinstance(v, str) for v in dut.get("private_dirs", [])):
        raise ProfileError(path, "dut.private_dirs", "must be a list of absolute folder paths (strings)")
    unknown = [name for name in dut.get("privileges", []) if not isinstance(name, str) or name not in CAPABILITY_NUMBERS]
    if unknown:
        raise ProfileError(path, "dut.privileges", f"{unknown[0]!r} is not a Linux capability name "
                                                   "(CAP_NET_ADMIN, CAP_SYS_ADMIN, ...)")
    value = {}
    for key, (low, high) in BOUNDS.items():
        section, name = key.split(".")
        value[key] = data.get(section, {}).get(name, DEFAULTS[key])
        if not low <= value[key] <= high:  # NaN fails both comparisons
            raise ProfileError(path, key, f"{value[key]} is outside {low}..{high} {UNITS[key]}")
    rfc = timing.get("rfc", "9915")
    if rfc not in REFERENCES:
        raise ProfileError(path, "timing.rfc", f"{rfc!r} is not a reference the suite knows; use one of "
                                               f"{', '.join(repr(r) for r in REFERENCES)}")
    profile = Profile(path=path.resolve(), name=dut["name"], role=dut["role"], attach=dut["attach"],
                      command=tuple(command), templates=dict(dut.get("templates", {})),
                      files=dict(dut.get("files", {})), env=dict(dut.get("env", {})),
                      private_dirs=tuple(dut.get("private_dirs", ())),
                      stop_timeout=float(value["dut.stop_timeout"]), log_limit=value["dut.log_limit"],
                      files_limit=value["dut.files_limit"], capture_limit=value["dut.capture_limit"],
                      privileges=tuple(dict.fromkeys(DUT_PRIVILEGES + tuple(dut.get("privileges", ())))),
                      capabilities={name: bool(data.get("capabilities", {}).get(name, False)) for name in CAPABILITIES},
                      timing=Timing(float(value["timing.tolerance"]), value["timing.min_t2"], rfc),
                      bench=bench and replace(bench, reset_timeout=float(value["dut.reset_timeout"]),
                                              ready_timeout=float(value["dut.ready_timeout"])),
                      waivers=_waivers(path, data.get("waivers", {})), host=dut.get("host"))
    if bench is None:
        _check_files(profile)
    if profile.role == "client" and not any(profile.capabilities[name] for name in CLIENT_SERVICES):
        raise ProfileError(path, "capabilities", f"a client profile declares at least one of "
                                                 f"{', '.join(CLIENT_SERVICES)} = true; without one every case SKIPs")
    return profile


def _bench(path: Path, dut: dict) -> Bench:
    """The [dut] keys of a device on a port; what only a program has is refused."""
    role = dut["role"]
    for key in ("command", "templates", "files", "env", "private_dirs", "privileges"):
        if key in dut:
            raise ProfileError(path, f"dut.{key}", "is for a program the suite starts (attach = 'process'); a device "
                                                   "on a port has none")
    name = _port_name(path, dut, "interface", "the lab host's port the device is cabled to" if role == "client"
                      else "the lab host's port cabled to the relay's client side")
    ready = dut.get("ready", READY[role][0])
    if isinstance(ready, list):
        ready = _bench_command(path, "dut.ready", ready, name)
    elif ready not in READY[role]:
        raise ProfileError(path, "dut.ready", f"must be one of {', '.join(READY[role])}, or a command that exits 0 "
                                              "once the device is ready")
    reset = _bench_command(path, "dut.reset", dut["reset"], name) if "reset" in dut else None
    bench = Bench(name, dut.get("vlan"), reset, ready=ready)
    if role == "client":
        extra = next((key for key in RELAY_BENCH_KEYS if key in dut), None)
        if extra:
            raise ProfileError(path, f"dut.{extra}", "is for a relay on the bench (role = 'relay')")
        return bench
    for key in ("upstream", "destinations"):
        if key not in dut:
            raise ProfileError(path, f"dut.{key}", "is required for a relay on the bench (profiles/templates/"
                                                   "physical-relay.toml)")
    upstream = (_port_name(path, dut, "upstream", "the lab host's port cabled to the relay's upstream side"),
                dut.get("upstream_vlan"))
    second = (_port_name(path, dut, "second_interface", "a second port cabled to another client side of the relay"),
              dut.get("second_vlan")) if "second_interface" in dut else None
    ports = [(name, dut.get("vlan")), upstream, *([second] if second else [])]
    for i, (port, vlan) in enumerate(ports):
        if any(port == other and (vlan is None or v is None or vlan == v) for other, v in ports[:i]):
            raise ProfileError(path, "dut.upstream" if i == 1 else "dut.second_interface",
                               f"{port} is named twice; one port carries two of the relay's links only as two VLANs")
    return replace(bench, upstream=upstream, second=second, destinations=_destinations(path, dut["destinations"]))


def _port_name(path: Path, dut: dict, key: str, what: str) -> str:
    name = dut.get(key)
    if not name or len(name) > 15 or not all(ch.isalnum() or ch in "-_.@" for ch in name):
        raise ProfileError(path, f"dut.{key}", f"names {what} (ip link shows them)")
    return name


def _destinations(path: Path, values: list) -> tuple[str, ...]:
    """The addresses a relay on the bench was configured to relay to: 1 to 8 distinct IPv6 addresses, unicast
    (the suite puts a fake server at each) or multicast (All_DHCP_Servers)."""
    out = []
    for value in values:
        try:
            address = ipaddress.IPv6Address(value) if isinstance(value, str) else None
        except ValueError:
            address = None
        if address is None or address.is_unspecified or address.is_loopback or address.is_link_local:
            raise ProfileError(path, "dut.destinations", f"{value!r} is not a global or multicast IPv6 address")
        out.append(str(address))
    if not 1 <= len(out) <= 8 or len(set(out)) != len(out):
        raise ProfileError(path, "dut.destinations", "lists 1 to 8 distinct addresses the relay was configured with")
    return tuple(out)


def _bench_command(path: Path, key: str, command: list, iface: str) -> tuple[str, ...]:
    """A command a bench profile runs on the lab host (reset, ready): strings, RESET_KEYS placeholders, a program
    that exists."""
    if not command or not all(isinstance(arg, str) for arg in command):
        raise ProfileError(path, key, "must be a non-empty list of strings, starting with the program")
    try:
        unknown = set().union(*map(_placeholders, command)) - RESET_KEYS
    except ValueError as exc:
        raise ProfileError(path, key, f"bad placeholder ({exc})") from None
    if unknown:
        raise ProfileError(path, key, f"unknown placeholder {{{sorted(unknown)[0]}}}; known: "
                                      f"{', '.join(sorted(RESET_KEYS))}")
    if shutil.which(fill(command[0], {"profile_dir": str(path.parent), "python": sys.executable, "iface": iface,
                                      "vlan": ""})) is None:
        raise ProfileError(path, key, f"program {command[0]!r} not found")
    return tuple(command)


def composed(client: Profile, relay: Profile) -> Profile:
    """The client profile judged behind the relay profile's DUT, refused unless the roles are those."""
    if client.role != "client" or relay.role != "relay":
        raise UsageError(f"--via-relay puts a client DUT ({client.path}: role {client.role}) behind a relay DUT "
                         f"({relay.path}: role {relay.role})")
    if client.bench or relay.bench:
        raise UsageError("--via-relay composes programs the suite starts; a device on a port is judged on its own")
    return replace(client, via=relay)


def load_entry(entry: str, via: str | None = None) -> Profile:
    """A profile named on the command line: a file, or `CLIENT+RELAY` (the client judged behind the relay); `via`
    (--via-relay) puts a client behind that relay too. UsageError for a bad file or pairing."""
    if "+" in entry and not Path(entry).exists():
        client, _, relay = entry.partition("+")
        if via:
            raise UsageError(f"--profile {entry} names its relay already; leave out --via-relay")
        return composed(load(client), load(relay))
    profile = load(entry)
    return composed(profile, load(via)) if via else profile


def _check_command(path: Path, role: str, command: list) -> None:
    """Strings, and for a relay groups of strings that name per-interface or per-destination placeholders (and
    those placeholders only inside groups); a relay must be told its client-side interfaces and destinations."""
    if not command or not isinstance(command[0], str) or not all(
            isinstance(part, str) or (isinstance(part, tuple) and part and all(isinstance(a, str) for a in part))
            for part in command):
        raise ProfileError(path, "dut.command", "must be a non-empty list of strings, starting with the program"
                                                + (" (and, for a relay, groups: lists of strings)" if role == "relay"
                                                   else ""))
    groups = [part for part in command if not isinstance(part, str)]
    if groups and role != "relay":
        raise ProfileError(path, "dut.command", "argument groups (nested lists) are for relay profiles")
    repeated = LOWER_KEYS | DESTINATION_KEYS
    for part in command:
        try:
            keys = _keys(part)
        except ValueError as exc:
            raise ProfileError(path, "dut.command", f"bad placeholder in {part!r} ({exc})") from None
        if isinstance(part, str) and keys & repeated:
            raise ProfileError(path, "dut.command", f"{part!r}: {{{', '.join(sorted(keys & repeated))}}} has one "
                                                    "value per interface or destination: put it in a group")
        if not isinstance(part, str) and not keys & repeated:
            raise ProfileError(path, "dut.command", f"group {list(part)!r} names none of "
                                                    f"{', '.join('{' + k + '}' for k in sorted(repeated))}")
    if role == "relay":
        named = set().union(*map(_keys, groups))
        for keys, what in ((LOWER_KEYS, "client-side interfaces ({lower} or {lower_address})"),
                           (DESTINATION_KEYS, "destinations ({destination})")):
            if not named & keys:
                raise ProfileError(path, "dut.command", f"a relay command must name its {what} in a group")


def _waivers(path: Path, waivers: dict) -> dict[str, str]:
    """Known failures: each key names a case (as reports print it), each value says why it is known."""
    from .. import caseinfo
    for name, reason in waivers.items():
        key = f"waivers.{json.dumps(name)}"
        if not isinstance(reason, str) or not reason.strip():
            raise ProfileError(path, key, "must say why the failure is known (a vendor ticket, a fixed version)")
        if "*" in name or "?" in name:
            raise ProfileError(path, key, "names one case (or one case and model), not a glob")
        try:
            caseinfo.select([name], "a waiver")
        except UsageError as exc:
            raise ProfileError(path, key, str(exc).replace("a waiver ", "", 1)) from None
    return dict(waivers)


def _check_env(path: Path, env: dict) -> None:
    for name, value in env.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or not isinstance(value, str) or "\0" in value:
            raise ProfileError(path, f"dut.env.{json.dumps(name)}", "must be NAME = \"value\" (a variable name, a "
                                                                "string)")
        try:
            _placeholders(value)
        except ValueError as exc:
            raise ProfileError(path, f"dut.env.{name}", f"bad placeholder ({exc})") from None


SHELLS = ("sh", "bash", "dash")
# What a shell runs itself, or the words before a command: never a program to look for.
SHELL_WORDS = frozenset("! { } ( ) : . [ [[ alias bg break builtin cd command continue echo eval exec exit export "
                        "false fg getopts hash if then else elif fi for while until do done case esac in jobs kill "
                        "local printf pwd read readonly return set shift source test times trap true type ulimit "
                        "umask unalias unset wait".split())
SEPARATORS = frozenset(";|&\n()")


def programs(argv: list[str]) -> list[str]:
    """The programs a command line runs, where they can be seen: its first word, and behind `sh -c SCRIPT` the
    first word of each simple command in the script (after `exec`, `command` and variable assignments)."""
    found = [argv[0]]
    if os.path.basename(argv[0]) not in SHELLS or "-c" not in argv[1:-1]:
        return found
    lexer = shlex.shlex(argv[argv.index("-c", 1) + 1], posix=True, punctuation_chars=True)
    lexer.whitespace = " \t"
    try:
        words = list(lexer)
    except ValueError:  # an unbalanced quote: the shell will say so; nothing to look for
        return found
    functions = {word for word, after in zip(words, words[1:]) if after in ("(", "()")}  # f() { ...; }
    first = True
    for word in words:
        if word and set(word) <= SEPARATORS:
            first = True
        elif first and (word in ("exec", "command") or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", word)):
            continue
        elif first:
            first = False
            relative = "/" in word and not word.startswith("/")  # found from the DUT's own working folder
            if word not in SHELL_WORDS | functions and not relative and not set("$`<>") & set(word):
                found.append(word)
    return found


def _check_files(profile: Profile) -> None:
    """The programs and the template files must exist, and files may be placed only inside the DUT's box: a
    missing program is bad input (exit 2), found now."""
    wiring = RelayWiring((("LOWER", "LOWER_ADDRESS"),), "UPPER", "UPPER_ADDRESS", ("DESTINATION",))
    values = profile.placeholders("IFACE", Path("STATE"), wiring if profile.role == "relay" else None)
    for part in profile.command:
        try:
            for arg in _args(part):
                fill(arg, {**values, **wiring.repetitions(_keys(part))[0]})
        except (KeyError, IndexError, ValueError) as exc:
            known = sorted(values) + (sorted(LOWER_KEYS | DESTINATION_KEYS) if profile.role == "relay" else [])
            raise ProfileError(profile.path, "dut.command",
                               f"bad placeholder in {part!r} ({exc}); known: {', '.join(known)}") from None
    for name, value in profile.env.items():
        try:
            fill(value, values)
        except KeyError as exc:
            raise ProfileError(profile.path, f"dut.env.{name}",
                               f"bad placeholder in {value!r} ({exc}); known: {', '.join(sorted(values))}") from None
    words = [fill(part, values) for part in profile.command if isinstance(part, str)]
    for program in programs(words):
        if shutil.which(program) is None:
            where = "" if program == words[0] else " (run by its shell command)"
            raise ProfileError(profile.path, "dut.command", f"program {program!r}{where} not found (is its package "
                                                            "installed?)")
    for folder in profile.private_dirs:
        if not folder.startswith("/") or ".." in folder.split("/") or not (
                folder.startswith(WRITABLE) or Path(folder).is_dir()):
            raise ProfileError(profile.path, "dut.private_dirs",
                               f"{folder!r} must be an absolute path under {', '.join(WRITABLE)} (where the DUT "
                               "writes to its own copies) or to an existing folder")
    for name, source in profile.templates.items():
        if "/" in name or "\0" in name or name in ("", ".", ".."):
            raise ProfileError(profile.path, f"dut.templates.{json.dumps(name)}", "must be a plain file name")
        _check_source(profile, f"dut.templates.{name}", source, values)
    for target, source in profile.files.items():
        key = f"dut.files.{json.dumps(target)}"
        if os.path.normpath(target) != target or not target.startswith(WRITABLE) or "\0" in target:
            raise ProfileError(profile.path, key, f"must be a plain absolute path under {', '.join(WRITABLE)}, where "
                                                  "the DUT's box has its own copies (nothing reaches the host)")
        _check_source(profile, key, source, values)


def _check_source(profile: Profile, key: str, source: str, values: dict[str, str]) -> None:
    """A template's source: placeholders the profile knows, and a file that exists."""
    try:
        _placeholders(source)
        rendered = fill(source, values)
    except (KeyError, IndexError, ValueError) as exc:
        raise ProfileError(profile.path, key, f"bad placeholder in {source!r} ({exc}); known: "
                                              f"{', '.join(sorted(values))}") from None
    if not Path(rendered).is_file():
        raise ProfileError(profile.path, key, f"no such file {rendered}")
