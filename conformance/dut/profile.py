"""DUT profiles (TOML): load, validate, refuse with the file, the key and what is wrong, before anything is created."""
import shutil
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError

PROJECT_DIR = Path(__file__).resolve().parents[2]
FIXTURES_DIR = PROJECT_DIR / "fixtures"
CAPABILITIES = ("ia_na", "ia_pd", "stateless")
DEFAULT_TOLERANCE = 0.05  # seconds of scheduling noise allowed around RFC windows (README: Timing)


class ProfileError(UsageError):
    def __init__(self, path: Path, key: str, problem: str):
        super().__init__(f"{path}: [{key}] {problem}")


@dataclass(frozen=True)
class Timing:
    tolerance: float = DEFAULT_TOLERANCE
    min_t2: int = 0          # shortest T2 the DUT accepts (a client that raises short T2s says so here)


@dataclass(frozen=True)
class Profile:
    path: Path
    name: str
    role: str
    attach: str
    command: tuple[str, ...]
    templates: dict[str, str] = field(default_factory=dict)
    private_dirs: tuple[str, ...] = ()
    stop_timeout: float = 3.0
    capabilities: dict[str, bool] = field(default_factory=dict)
    timing: Timing = Timing()

    @property
    def slug(self) -> str:
        return self.path.stem

    def placeholders(self, iface: str, state: Path) -> dict[str, str]:
        return {"iface": iface, "state": str(state), "fixtures": str(FIXTURES_DIR),
                "profile_dir": str(self.path.parent), "python": sys.executable}


_SCHEMA = {
    "dut": {"name": str, "role": str, "attach": str, "command": list, "templates": dict, "private_dirs": list,
            "stop_timeout": (int, float)},
    "capabilities": {name: bool for name in CAPABILITIES},
    "timing": {"tolerance": (int, float), "min_t2": int},
}
_REQUIRED = {"dut": ("name", "role", "attach", "command")}


def _check_shape(path: Path, data: dict) -> None:
    for section, body in data.items():
        if section not in _SCHEMA:
            raise ProfileError(path, section, f"unknown section; expected one of {', '.join(_SCHEMA)}")
        if not isinstance(body, dict):
            raise ProfileError(path, section, "must be a table")
        for key, value in body.items():
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
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"{path}: no such profile") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    _check_shape(path, data)
    dut, timing = data["dut"], data.get("timing", {})
    if dut["role"] not in ("client", "relay"):
        raise ProfileError(path, "dut.role", f"must be 'client' or 'relay', not {dut['role']!r}")
    if dut["attach"] != "process":
        raise ProfileError(path, "dut.attach", f"{dut['attach']!r} is not supported yet; use 'process'")
    command = dut["command"]
    if not command or not all(isinstance(part, str) for part in command):
        raise ProfileError(path, "dut.command", "must be a non-empty list of strings")
    if not all(isinstance(v, str) for v in dut.get("templates", {}).values()):
        raise ProfileError(path, "dut.templates", "values must be file paths (strings)")
    tolerance = float(timing.get("tolerance", DEFAULT_TOLERANCE))
    if not 0 <= tolerance <= 0.5:
        raise ProfileError(path, "timing.tolerance", f"{tolerance} is outside 0..0.5 seconds")
    profile = Profile(path=path.resolve(), name=dut["name"], role=dut["role"], attach=dut["attach"],
                      command=tuple(command), templates=dict(dut.get("templates", {})),
                      private_dirs=tuple(dut.get("private_dirs", ())),
                      stop_timeout=float(dut.get("stop_timeout", 3.0)),
                      capabilities={name: bool(data.get("capabilities", {}).get(name, False)) for name in CAPABILITIES},
                      timing=Timing(tolerance, int(timing.get("min_t2", 0))))
    _check_files(profile)
    return profile


def _check_files(profile: Profile) -> None:
    """The program and the template files must exist: a missing program is bad input (exit 2), found now."""
    values = profile.placeholders("IFACE", Path("STATE"))
    for part in profile.command:
        try:
            part.format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise ProfileError(profile.path, "dut.command",
                               f"bad placeholder in {part!r} ({exc}); known: {', '.join(values)}") from None
    program = profile.command[0].format(**values)
    if shutil.which(program) is None:
        raise ProfileError(profile.path, "dut.command", f"program {program!r} not found (is its package installed?)")
    for folder in profile.private_dirs:
        if not folder.startswith("/") or not (folder.startswith("/run/") or Path(folder).is_dir()):
            raise ProfileError(profile.path, "dut.private_dirs",
                               f"{folder!r} must be an absolute path to an existing folder, or lie under /run "
                               "(which the DUT gets empty and private)")
    for name, source in profile.templates.items():
        if "/" in name:
            raise ProfileError(profile.path, f"dut.templates.{name}", "must be a plain file name")
        if not Path(source.format(**values)).is_file():
            raise ProfileError(profile.path, f"dut.templates.{name}", f"no such file {source.format(**values)}")
