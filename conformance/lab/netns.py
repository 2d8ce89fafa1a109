"""Working inside network namespaces from threads of one process.

setns() moves only the calling thread (LAB-NOTES), so `inside()` switches the current thread in and back out, and
anything opened meanwhile (sockets, netlink handles) stays bound to that namespace for its lifetime.
"""
import os
from contextlib import contextmanager

from pyroute2 import netns as _netns

from ..errors import EnvironmentUnfit
from .syscalls import CLONE_NEWNET, setns

NETNS_DIR = "/var/run/netns"


def path(name: str) -> str:
    return os.path.join(NETNS_DIR, name)


@contextmanager
def inside(name: str):
    """Run the body with the calling thread in namespace `name`."""
    with open("/proc/thread-self/ns/net") as own, open(path(name)) as target:
        setns(target.fileno(), CLONE_NEWNET)
        try:
            yield
        finally:
            setns(own.fileno(), CLONE_NEWNET)


def write_sysctl(name: str, key: str, value: str) -> None:
    """Write /proc/sys/<key> as seen from namespace `name` (key like 'net/ipv6/conf/all/accept_dad')."""
    with inside(name), open(f"/proc/sys/{key}", "w") as f:
        f.write(value)


def create(name: str) -> None:
    _netns.create(name)


def names() -> list[str]:
    return _netns.listnetns()


def kill_processes(name: str, sig: int = 9) -> list[int]:
    pids = [int(p) for p in _netns.ns_pids().get(name, [])]
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
    return pids


def remove(name: str) -> None:
    """Kill what runs inside (a process keeps a namespace and its veths alive), then delete the namespace."""
    kill_processes(name)
    try:
        _netns.remove(name)
    except FileNotFoundError:
        pass


NEEDED_CAPABILITIES = {12: "CAP_NET_ADMIN (namespaces, veths, bridges)", 13: "CAP_NET_RAW (packet capture)",
                       21: "CAP_SYS_ADMIN (setns, mounts for the DUT)"}  # bit numbers of linux/capability.h


def effective_capabilities() -> int:
    """The CapEff bit mask of this process (/proc/self/status): root without a capability cannot use it."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("CapEff:"))
    return int(line.split()[1], 16)


def root_is_a_mount_point() -> bool:
    """Whether this process's / is a mount point (/proc/self/mountinfo lists only mounts reachable from it)."""
    with open("/proc/self/mountinfo") as mounts:
        return any(line.split()[4] == "/" for line in mounts)


def require_capabilities() -> None:
    """Refuse early, with one clear line, where the lab cannot be made (exit 3): not root, a capability dropped
    (a container's bounding set), no network namespaces."""
    if os.geteuid() != 0:
        raise EnvironmentUnfit("the lab needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN to create network namespaces); "
                               "run as root")
    if not root_is_a_mount_point():
        raise EnvironmentUnfit("/ is not a mount point here (a chroot?), so the DUT's private mounts cannot be kept "
                               "from the host: enter the chroot through a bind mount of its folder onto itself "
                               "(mount --bind DIR DIR)")
    effective = effective_capabilities()
    missing = [name for bit, name in NEEDED_CAPABILITIES.items() if not effective >> bit & 1]
    if missing:
        raise EnvironmentUnfit(f"root here lacks {', '.join(missing)}: run with them (for a container: "
                               "--cap-add NET_ADMIN --cap-add NET_RAW --cap-add SYS_ADMIN, or --privileged)")
    if not os.path.exists("/proc/thread-self/ns/net"):
        raise EnvironmentUnfit("this kernel has no network namespaces (/proc/thread-self/ns/net is missing)")
    if not os.path.exists("/proc/self/ns/pid_for_children"):
        raise EnvironmentUnfit("this kernel has no PID namespaces, which keep a DUT's processes in its box")
    with open("/proc/filesystems") as known:
        filesystems = {line.split()[-1] for line in known if line.strip()}
    for needed in ("overlay", "tmpfs"):
        if needed not in filesystems:
            raise EnvironmentUnfit(f"this kernel has no {needed} filesystem, which the DUT's box is made of "
                                   f"(modprobe {needed}?)")
