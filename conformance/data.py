"""Where the suite's own data is: profiles/ (the reference DUTs' profiles and the deployment models under
profiles/models/) and fixtures/ (their configuration templates and hook scripts).

Looked up in this order: the folder named by DHCPV6_CONFORMANCE_DATA; the checkout this package lies in (the
editable install of setup.sh); the installed copy, <prefix>/share/dhcpv6-conformance (pyproject.toml's data-files,
so a plain `pip install .` or a wheel works outside a checkout).
"""
import os
import sys
import sysconfig
from functools import cache
from pathlib import Path

from .errors import UsageError

ENV = "DHCPV6_CONFORMANCE_DATA"
NAME = "dhcpv6-conformance"


def _complete(folder: Path) -> bool:
    return (folder / "profiles" / "models").is_dir() and (folder / "fixtures").is_dir()


@cache
def root() -> Path:
    if os.environ.get(ENV):
        folder = Path(os.environ[ENV]).resolve()
        if not _complete(folder):
            raise UsageError(f"{ENV}={folder}: no profiles/models/ and fixtures/ there")
        return folder
    for folder in (Path(__file__).resolve().parents[1], Path(sysconfig.get_path("data")) / "share" / NAME,
                   Path(sys.prefix) / "share" / NAME):
        if _complete(folder):
            return folder
    raise UsageError(f"the suite's profiles and fixtures are not installed (looked in the checkout and "
                     f"{sys.prefix}/share/{NAME}); set {ENV} to a folder that has them")


def fixtures() -> Path:
    return root() / "fixtures"


def models() -> Path:
    return root() / "profiles" / "models"


def shipped_profiles() -> list[str]:
    return sorted(path.stem for path in (root() / "profiles").glob("*.toml"))


def profile(name: str) -> Path:
    """A --profile value: a path as given, or the name of a profile the suite ships ("dhclient", "dhclient.toml")."""
    given = Path(name)
    if given.exists() or "/" in name:
        return given
    shipped = root() / "profiles" / (name if name.endswith(".toml") else name + ".toml")
    return shipped if shipped.exists() else given


def reference_matrix() -> Path:
    """The published verdicts of the reference profiles (`matrix` writes it, with docs/matrix.md from it)."""
    return root() / "profiles" / "reference-matrix.json"


def published_durations() -> dict[str, dict[str, float]]:
    """Profile slug -> case name -> the seconds it took in the published matrix ({} without one)."""
    import json
    try:
        runs = json.loads(reference_matrix().read_text())["runs"]
        return {run["profile"]: {case: float(cell["seconds"]) for case, cell in run["cases"].items()} for run in runs}
    except (OSError, ValueError, KeyError, TypeError, UsageError):
        return {}
