"""The DUT's box: the mount namespace a DUT runs in, where nothing it writes reaches the host.

Built by the exec helper (dut/enter.py) after it has entered the DUT's network namespace and unshared mount, UTS
and PID namespaces:
- every mount the host has is made read-only here (per-mount flags of this namespace's copies: the host's own
  mounts are untouched);
- a tmpfs of the profile's `files_limit` holds everything the DUT may write: the upper layers of overlays on /etc,
  /var and /tmp (the DUT sees the host's files and changes only its copies), an empty /run, a copy of the state
  folder the harness rendered (mounted at the state folder's path), each of the profile's private_dirs and the
  files the profile places ([dut.files], only under those folders);
- a small /dev with the usual character devices, a read-only sysfs of the DUT's network namespace, and (mounted by
  the namespace's init) a /proc of its PID namespace whose kernel knobs are read-only except /proc/sys/net.
When the DUT has ended, `keep_files` writes the box into the host's state folder as dut-files.tar: the files the
DUT wrote, kept as evidence and never extracted.
"""
import os
import shutil
import tarfile

from ..lab.syscalls import (CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS, MS_BIND, MS_NOATIME, MS_NODEV,
                            MS_NODIRATIME, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_RELATIME,
                            MS_REMOUNT, MS_STRICTATIME, mount, setns, umount, unshare)

OVERLAID = ("/etc", "/var", "/tmp")  # the DUT sees the host's files here and writes only to its own copies
EMPTY = ("/run",)                    # the DUT gets these empty
PROC_READ_ONLY = ("sys", "sysrq-trigger", "irq", "bus", "fs")  # kernel-wide knobs; /proc/sys/net is the DUT's own
DEVICES = {"null": (1, 3), "zero": (1, 5), "full": (1, 7), "random": (1, 8), "urandom": (1, 9), "tty": (5, 0)}
_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": MS_NOATIME,
          "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME, "strictatime": MS_STRICTATIME}
FILES = "dut-files.tar"


def _unescape(field: str) -> str:
    """A mountinfo path: spaces, tabs, newlines and backslashes come as octal escapes."""
    return field.encode().decode("unicode_escape").encode("latin-1").decode(errors="surrogateescape")


def _mounts() -> list[tuple[str, int]]:
    """(mount point, flags to keep) of every mount this namespace has, but namespace handles (nsfs: the labs'
    /run/netns/NAME files, nothing a DUT can write through). Remounting one failed once with EINVAL while other
    workers' labs came and went (once in about 1,700 judged cases: a reference matrix run at -n 16)."""
    out = []
    with open("/proc/self/mountinfo") as table:
        for line in table:
            fields = line.split()
            if fields[fields.index("-") + 1] != "nsfs":
                out.append((_unescape(fields[4]), sum(_FLAGS.get(opt, 0) for opt in fields[5].split(","))))
    return out


def _read_only_host() -> None:
    for point, flags in _mounts():
        try:
            mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags)
        except OSError as exc:
            if exc.errno != 2:  # a mount point hidden under another one has no path to remount it by
                raise


def _bind(source: str, target: str) -> None:
    mount(source, target, None, MS_BIND)


def build(spec: dict) -> int:
    """Enter the DUT's namespaces and build its box (module docstring); the box's folder, as a file descriptor."""
    with open(spec["netns"]) as target:
        setns(target.fileno(), CLONE_NEWNET)
    unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWPID)
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing mounted here reaches the host (/ is a mount point:
    # the environment check refuses to run where it is not)
    _read_only_host()
    state = spec["state"]
    box_path = os.path.join(state, "box")
    mount("tmpfs", box_path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={spec['files_limit']},mode=0700")
    box = os.open(box_path, os.O_RDONLY | os.O_DIRECTORY)
    inside = lambda *parts: os.path.join(f"/proc/self/fd/{box}", *parts)  # noqa: E731  (path-independent)
    for folder in OVERLAID:
        name = folder.strip("/")
        os.makedirs(inside("upper", name))
        os.makedirs(inside("work", name))
        mount("overlay", folder, "overlay", 0,
              f"lowerdir={folder},upperdir={inside('upper', name)},workdir={inside('work', name)}")
    for folder in EMPTY:
        os.mkdir(inside(folder.strip("/")))
        os.chmod(inside(folder.strip("/")), 0o755)  # whatever the umask
        _bind(inside(folder.strip("/")), folder)
    os.mkdir(inside("state"), 0o700)
    with os.scandir(f"/proc/self/fd/{spec['state_fd']}") as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                shutil.copy2(entry.path, inside("state", entry.name), follow_symlinks=False)
    _bind(inside("state"), state)
    for index, folder in enumerate(spec["private_dirs"]):
        os.makedirs(inside("private", str(index)))
        os.makedirs(folder, exist_ok=True)  # only where the DUT may write (profile validation)
        _bind(inside("private", str(index)), folder)
    for target, name in spec.get("files", ()):  # [dut.files]: only under /etc, /var, /run, /tmp (profile validation)
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        shutil.copyfile(inside("state", name), target, follow_symlinks=False)
        os.chmod(target, 0o644)  # a daemon that drops to its own user (systemd-networkd) still reads it
    _devices()
    umount("/sys")
    mount("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    return box


def _devices() -> None:
    mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=1m,mode=0755")
    for name, (major, minor) in DEVICES.items():
        os.mknod(f"/dev/{name}", 0o20666, os.makedev(major, minor))  # S_IFCHR | 0666
        os.chmod(f"/dev/{name}", 0o666)  # whatever the umask
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"/dev/{name}")
    os.mkdir("/dev/shm", 0o1777)
    os.chmod("/dev/shm", 0o1777)


def enter_pid_namespace() -> None:
    """In the PID namespace's first process: a /proc that shows the DUT's processes only, its kernel-wide knobs
    read-only."""
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for name in PROC_READ_ONLY:
        path = f"/proc/{name}"
        if os.path.exists(path):
            _bind(path, path)
            mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
    _bind("/proc/sys/net", "/proc/sys/net")  # the DUT's network namespace's own settings stay writable
    mount(None, "/proc/sys/net", None, MS_REMOUNT | MS_BIND)


def keep_files(box: int, state_fd: int, private_dirs: list[str]) -> None:
    """The files the DUT wrote into the host's state folder as dut-files.tar (symlinks, whiteouts and devices as
    entries, never followed). The DUT has ended: nothing in the box changes any more."""
    os.fchdir(box)
    names = [(f"upper/{f.strip('/')}", f.strip("/")) for f in OVERLAID] + [(f.strip("/"),) * 2 for f in EMPTY]
    names += [("state", "state")] + [(f"private/{i}", f"private{f}") for i, f in enumerate(private_dirs)]
    fd = os.open(FILES, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=state_fd)
    with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w") as tar:
        for name, arcname in names:
            if os.path.lexists(name):
                tar.add(name, arcname)


def describe(members: list[tarfile.TarInfo]) -> str:
    """dut-files.txt: one line per file the DUT wrote, with its size; what it deleted from the host's view."""
    lines = []
    for member in members:
        name = ascii(member.name)[1:-1]  # a name the DUT chose: no control characters reach the listing
        if member.isreg():
            lines.append(f"{name}  {member.size} bytes")
        elif member.issym():
            lines.append(f"{name} -> {ascii(member.linkname)[1:-1]}")
        elif member.ischr() and member.devmajor == member.devminor == 0:
            lines.append(f"{name}  (deleted)")  # an overlay whiteout
        elif not member.isdir():
            lines.append(f"{name}  (special file)")
    header = "Files the DUT wrote (its box: its copies of /etc, /var and /tmp, its /run, state folder, private_dirs)"
    return header + "\n" + ("\n".join(lines) if lines else "(none)") + "\n"
