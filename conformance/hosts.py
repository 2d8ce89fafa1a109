"""Cases on several lab hosts: xdist's remote workers (execnet gateways: `--tx ssh=root@lab-a//id=lab-a-1`, socket
gateways, or local processes standing in for hosts), each case sent only to a worker on the host its profile names.

A profile's `[dut] host` names the lab host its device (or program) is attached to. A worker serves host H when its
gateway id is H or starts with "H-" (`//id=lab-a`, `//id=lab-a-2`); xdist's own local workers (gw0, gw1, ...) serve
this machine's host name. A profile without `host` runs on any worker.

A worker whose report folder is not the controller's (another machine, or another folder) sends each case's
evidence back in the case's report, as a tar, and the controller unpacks it into its own report folder: the
JUnit, results files and HTML report always describe the evidence beside them.
"""
import io
import re
import socket
import tarfile
from pathlib import Path

from xdist.scheduler import LoadScheduling

from .errors import UsageError

SHIP_LIMIT = 64 * 1024 * 1024  # bytes of one case's evidence a worker sends back


def serves(worker_id: str, host: str | None) -> bool:
    if host is None:
        return True
    if re.fullmatch(r"gw\d+", worker_id):
        return host == socket.gethostname()
    return worker_id == host or worker_id.startswith(host + "-")


def worker_ids(specs: list[str]) -> list[str]:
    """The gateway ids the --tx specs give (xdist's gwN for those without `//id=`), N*spec counted N times."""
    out = []
    for spec in specs:
        count, _, rest = spec.partition("*") if re.match(r"^\d+\*", spec) else ("1", "", spec)
        named = re.search(r"//id=([^/]+)", rest)
        for _ in range(int(count)):
            out.append(named.group(1) if named else f"gw{len(out)}")
    return out


def require_served(profiles, ids: list[str]) -> None:
    """Every host a profile names has a worker; UsageError naming the first that has none."""
    for profile in profiles:
        if profile.host and not any(serves(worker, profile.host) for worker in ids):
            raise UsageError(f"{profile.path}: its device is on host {profile.host!r}, and no worker is: give one "
                             f"with --tx ssh=root@{profile.host}//python=PYTHON//id={profile.host} (README: Several "
                             "lab hosts)")


class HostScheduling(LoadScheduling):
    """xdist's load scheduling (the order the plugin collected, the longest first), each worker handed only the
    cases of the hosts it serves."""

    def __init__(self, config, log, host_of):
        super().__init__(config, log)
        self.host_of = host_of  # node ID -> the host its profile names, or None

    def _send_tests(self, node, num: int) -> None:
        worker = node.gateway.id
        chosen = [index for index in self.pending if serves(worker, self.host_of(self.collection[index]))][:num]
        if chosen:
            self.pending[:] = [index for index in self.pending if index not in chosen]
            self.node2pending[node].extend(chosen)
            node.send_runtest_some(chosen)


def pack(folder: Path) -> bytes | None:
    """A case's evidence folder as a gzipped tar, None when it is larger than SHIP_LIMIT (the report says so)."""
    if not folder.is_dir() or sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) > SHIP_LIMIT:
        return None
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
    return buffer.getvalue()


def unpack(blob: bytes, folder: Path) -> None:
    """A worker's evidence into `folder`: regular files only, each inside it (the tar came over the network)."""
    folder.mkdir(parents=True, exist_ok=True)
    base = folder.resolve()
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        for member in tar:
            target = (base / member.name).resolve()
            if not member.isfile() or base not in target.parents:
                continue  # links, devices, folders and names that climb out are not evidence
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(tar.extractfile(member).read())
