"""A port of the lab host lent to a case: a real device's cable (or a VLAN on it) becomes the DUT's port on the lab
bridge, and goes back exactly as it was.

Before anything changes, the port's state is written to /run/d6c-ports/<port>.json (<port>.<vlan>.json for a VLAN
on it, so one trunk port carries several devices' VLANs at once): the owner (pid and start time, naming.claim), its addresses, routes, MTU, up/down state, master, and its per-interface IPv4/IPv6 settings (which a
move between namespaces resets). The port (or a VLAN made on it) then moves into the case's switch namespace and
joins the lab bridge. `give_back` moves it home and restores what the record says; the sweep does that for a record
whose owner is gone, before the namespaces are removed (a veth end inside a removed namespace would be destroyed
with it, and a physical port would come back down and bare).
"""
import errno
import fcntl
import json
import os
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from pyroute2 import IPRoute, NetNS
from pyroute2.netlink.exceptions import NetlinkError

from ..errors import EnvironmentUnfit, UsageError
from . import naming, progress

PORTS = Path("/run/d6c-ports")
RT_PROTO_KERNEL, RT_TABLE_LOCAL = 2, 255
SETTINGS = ("ipv6", "ipv4")


@dataclass
class PortState:
    name: str
    owner: int
    switch: str                      # the namespace it is lent to
    lent: str                        # the interface that joins the bridge: the port itself or its VLAN
    vlan: int | None = None
    up: bool = False
    mtu: int = 1500
    master: str | None = None
    addresses: list[tuple[str, int]] = field(default_factory=list)
    routes: list[dict] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)  # "ipv6/accept_ra" -> "1"


def _record(name: str, vlan: int | None) -> Path:
    return PORTS / (f"{name}.json" if vlan is None else f"{name}.{vlan}.json")


def _records() -> dict[Path, PortState | None]:
    """Every port lent now (by this run or another), by its record; None for a record half-written by a run
    killed in lend(), before anything was moved."""
    out = {}
    for path in sorted(PORTS.glob("*.json")) if PORTS.is_dir() else ():
        try:
            out[path] = PortState(**json.loads(path.read_text()))
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError):
            out[path] = None
    return out


def _holder(name: str, vlan: int | None) -> int | None:
    """The pid of a live run that holds the port, or the same VLAN on it (or the whole port under a VLAN)."""
    return next((r.owner for r in _records().values() if r and r.name == name
                 and (vlan is None or r.vlan in (None, vlan)) and naming.owner_alive(r.owner)), None)


def _link(ipr, name: str):
    found = ipr.link_lookup(ifname=name)
    return ipr.get_links(found[0])[0] if found else None


def _settings(name: str) -> dict[str, str]:
    out = {}
    for family in SETTINGS:
        folder = Path(f"/proc/sys/net/{family}/conf/{name}")
        for entry in sorted(folder.iterdir()) if folder.is_dir() else ():
            try:
                out[f"{family}/{entry.name}"] = entry.read_text().strip()
            except OSError:  # write-only or unreadable (stable_secret)
                pass
    return out


def inspect(name: str) -> dict:
    """What the port carries, from the lab host's own namespace: UsageError if there is no such port."""
    with IPRoute() as ipr:
        link = _link(ipr, name)
        if link is None:
            raise UsageError(f"no port {name!r} on this host (ip link shows the ports)")
        index = link["index"]
        master = link.get_attr("IFLA_MASTER")
        addresses = [(a.get_attr("IFA_ADDRESS"), a["prefixlen"]) for a in ipr.get_addr(index=index)]
        routes = [dict(r["attrs"], dst_len=r["dst_len"], family=r["family"], proto=r["proto"], scope=r["scope"],
                       type=r["type"]) for r in ipr.get_routes() if r.get_attr("RTA_OIF") == index
                  and r["proto"] != RT_PROTO_KERNEL and r.get_attr("RTA_TABLE") != RT_TABLE_LOCAL]
        return {"up": bool(link["flags"] & 1), "mtu": link.get_attr("IFLA_MTU"),
                "master": ipr.get_links(master)[0].get_attr("IFLA_IFNAME") if master else None,
                "addresses": addresses, "routes": [{k: v for k, v in r.items() if not k.startswith("RTA_CACHE")
                                                    and k != "RTA_MULTIPATH"} for r in routes]}


def _reached_through(name: str, state: dict) -> str | None:
    """Why taking the port could cut the lab host off: a default route through it, a global address on it, or the
    address an SSH session came in on."""
    for route in state["routes"]:
        if route["dst_len"] == 0:
            via = route.get("RTA_GATEWAY")
            return f"it carries a default route ({'via ' + via + ' ' if via else ''}dev {name})"
    for address, prefixlen in state["addresses"]:
        if not address.startswith(("fe80", "169.254.")):
            return f"it has the global address {address}/{prefixlen}"
    session = os.environ.get("SSH_CONNECTION", "").split()
    if len(session) == 4 and any(address == session[2] for address, _ in state["addresses"]):
        return f"this SSH session comes in on it ({session[2]})"
    return None


def check(ports: list[tuple[str, int | None]], taken: set[str]) -> None:
    """Each (port, VLAN) may be lent: the port exists, no live run holds it (or that VLAN on it), and it carries
    nothing the lab host may be reached through (unless --take-port names it). UsageError naming the port and
    what it carries."""
    for name, vlan in ports:
        owner = _holder(name, vlan)
        if owner is not None:
            raise UsageError(f"port {name}{f' (VLAN {vlan})' if vlan else ''} is lent to another run (pid {owner}), "
                             "which is still going")
        reason = _reached_through(name, inspect(name))
        if reason and name not in taken:
            raise UsageError(f"port {name}: {reason}, so the lab host may be reached through it; pass --take-port "
                             f"{name} to lend it to the suite anyway")


def lend(name: str, vlan: int | None, switch: str, bridge: str, vlan_name: str) -> str:
    """Write the port's record, then move it (or a new VLAN on it, called `vlan_name`) into `switch` and make it a
    port of `bridge`. The interface that joined the bridge."""
    owner = _holder(name, vlan)
    if owner is not None:
        raise UsageError(f"port {name} is lent to another run (pid {owner}); `dhcpv6-conformance cleanup` gives "
                         "back the ports of runs that are gone")
    lent = vlan_name if vlan is not None else name
    earlier = next((r for r in _records().values() if r and r.name == name), None)
    if earlier is not None:  # another VLAN on it is lent: the port is no longer as it was, that record knows how
        record = replace(earlier, owner=os.getpid(), switch=switch, lent=lent, vlan=vlan)
    else:
        state = inspect(name)
        record = PortState(name, os.getpid(), switch, lent, vlan, state["up"], state["mtu"], state["master"],
                           state["addresses"], state["routes"], _settings(name))
    PORTS.mkdir(mode=0o700, exist_ok=True)
    try:
        fd = os.open(_record(name, vlan), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise UsageError(f"port {name} is lent to another run; `dhcpv6-conformance cleanup` gives back the ports "
                         "of runs that are gone") from None
    with os.fdopen(fd, "w") as out:
        json.dump(asdict(record), out)
    try:
        _move_in(name, vlan, lent, switch, bridge)
    except BaseException:
        give_back(name, vlan)
        raise
    return lent


def _move_in(name: str, vlan: int | None, lent: str, switch: str, bridge: str) -> None:
    with IPRoute() as ipr:
        index = ipr.link_lookup(ifname=name)[0]
        if vlan is not None:
            ipr.link("set", index=index, state="up")
            try:
                ipr.link("add", ifname=lent, kind="vlan", link=index, vlan_id=vlan)
            except NetlinkError as exc:
                if exc.code == errno.EOPNOTSUPP:
                    raise EnvironmentUnfit("this kernel has no 802.1Q VLAN support (module 8021q), so vlan = "
                                           f"{vlan} cannot be made on {name}") from None
                raise
            index = ipr.link_lookup(ifname=lent)[0]
        ipr.link("set", index=index, net_ns_fd=switch)
    with NetNS(switch, flags=0) as ipr:
        index = ipr.link_lookup(ifname=lent)[0]
        ipr.link("set", index=index, master=ipr.link_lookup(ifname=bridge)[0], state="up")


def give_back(name: str, vlan: int | None = None) -> None:
    """Move the port home (or remove the VLAN made on it) and restore its record, then remove the record; nothing
    to do without one. A port that still carries another run's VLAN keeps its state until the last one goes."""
    path = _record(name, vlan)
    record = _records().get(path)
    if record is None:
        path.unlink(missing_ok=True)  # none, or half-written: nothing was moved yet
        return
    try:
        with NetNS(record.switch, flags=0) as ipr:
            found = ipr.link_lookup(ifname=record.lent)
            if found and record.vlan is not None:
                ipr.link("del", index=found[0])
            elif found:
                ipr.link("set", index=found[0], state="down", master=0)
                ipr.link("set", index=found[0], net_ns_pid=1)
    except Exception:  # noqa: BLE001  (pyroute2 raises its own errors for a namespace that is gone)
        pass  # the namespace is gone: a physical port is home already, a VLAN went with it
    if not any(other and other.name == name for other_path, other in _records().items() if other_path != path):
        _restore(record)
    path.unlink(missing_ok=True)  # last: killed before this, the next sweep restores it again


def _restore(record: PortState) -> None:
    with IPRoute() as ipr:
        found = ipr.link_lookup(ifname=record.name)
        if not found:
            return  # a veth whose other end went away: nothing left to restore
        index = found[0]
        for key, value in record.settings.items():
            try:
                Path(f"/proc/sys/net/{key.split('/')[0]}/conf/{record.name}/{key.split('/', 1)[1]}").write_text(value)
            except OSError:
                pass  # read-only settings
        master = ipr.link_lookup(ifname=record.master) if record.master else []
        ipr.link("set", index=index, mtu=record.mtu, master=master[0] if master else 0,
                 state="up" if record.up else "down")  # a VLAN's port too, brought up for it
        for address, prefixlen in record.addresses:
            try:
                ipr.addr("replace", index=index, address=address, prefixlen=prefixlen)
            except Exception:  # noqa: BLE001  (one that the kernel already made again)
                pass
        for route in record.routes:
            attrs = {k.removeprefix("RTA_").lower(): v for k, v in route.items() if k.startswith("RTA_")}
            attrs.pop("oif", None)
            try:
                ipr.route("replace", oif=index, dst_len=route["dst_len"], family=route["family"],
                          proto=route["proto"], scope=route["scope"], type=route["type"], **attrs)
            except Exception:  # noqa: BLE001
                pass


def sweep(include_live: bool = False) -> list[str]:
    """Give back every port whose owner is gone (or every port, with include_live)."""
    given = []
    for path, record in _records().items():
        if record is None:
            path.unlink(missing_ok=True)
        elif include_live or not naming.owner_alive(record.owner):
            give_back(record.name, record.vlan)
            given.append(f"port {record.name}" + (f" (VLAN {record.vlan})" if record.vlan is not None else ""))
    return given


LOCKS = Path("/run/d6c-locks")


@contextmanager
def held(ports: list[tuple[str, int | None]]):
    """One case at a time on a device on a port, across workers and runs: an exclusive flock per port (the whole
    port, so the devices on VLANs of one trunk also take turns), waited for in port-name order (no deadlock),
    released by the kernel if the holder dies."""
    LOCKS.mkdir(mode=0o700, exist_ok=True)
    files = []
    try:
        for name in sorted({name for name, _ in ports}):
            lock = os.open(LOCKS / f"{name}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            files.append(lock)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                with progress.waiting(f"port {name}: another case uses its device", 3600):
                    while True:
                        try:
                            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                            break
                        except BlockingIOError:
                            time.sleep(0.2)
                            progress.tick()
        yield
    finally:
        for lock in files:
            os.close(lock)  # closing releases the flock
