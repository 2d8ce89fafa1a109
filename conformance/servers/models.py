"""The RFC 6853 section 6 deployment models as data (profiles/models/*.toml): each server's prefix, pool, prefix
delegation pool and preference. A bad model file is refused like a bad profile: file, key, what is wrong."""
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .. import data
from ..errors import UsageError
from .pool import AddressPool, PrefixPool

PD_LENGTH = 56


@dataclass(frozen=True)
class ServerSpec:
    preference: int | None
    pool: AddressPool
    pd_pool: PrefixPool


@dataclass(frozen=True)
class Model:
    name: str
    section: str
    servers: tuple[ServerSpec, ...]


def _spec(path: Path, index: int, data: dict) -> ServerSpec:
    where = f"{path}: [servers #{index + 1}]"
    try:
        return ServerSpec(data.get("preference"), AddressPool.of(data["prefix"], data["pool"]),
                          PrefixPool(data["pd_pool"], PD_LENGTH))
    except KeyError as exc:
        raise UsageError(f"{where} missing key {exc}") from None
    except ValueError as exc:
        raise UsageError(f"{where} {exc}") from None


def load(path: Path) -> Model:
    try:
        data = tomllib.loads(path.read_text())
        model = data["model"]
        servers = tuple(_spec(path, i, s) for i, s in enumerate(data["servers"]))
    except (OSError, tomllib.TOMLDecodeError, KeyError) as exc:
        raise UsageError(f"{path}: not a deployment model ({exc})") from None
    if len(servers) < 2:
        raise UsageError(f"{path}: a redundancy model needs at least two [[servers]]")
    return Model(model["name"], model.get("section", ""), servers)


def all_models() -> dict[str, Model]:
    return {m.name: m for m in map(load, sorted(data.models().glob("*.toml")))}
