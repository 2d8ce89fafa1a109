"""Cases side by side (`run -n`), several profiles in one run, and workers standing in for lab hosts (execnet
gateways with their own ids and folders): every verdict reaches the controller's reports, with its evidence."""
import json
import re
from pathlib import Path

import pytest

from conftest import control_profile, junit_outcomes, run_cli
from conformance import hosts, schedule
from conformance.errors import UsageError

LAB = pytest.mark.lab


def _with_host(path: Path, host: str) -> Path:
    """The control profile, attached to lab host `host`."""
    text = path.read_text().replace('role = "client"', f'role = "client"\nhost = "{host}"', 1)
    target = path.with_name(f"{path.stem}-{host}.toml")
    target.write_text(text)
    return target


def test_the_longest_cases_start_first_each_with_a_short_one_behind_it():
    seconds = {"a": 180, "b": 60, "c": 30, "d": 5, "e": 2, "f": 1, "g": 0.5}
    assert schedule.order(list(seconds), seconds.get, 1) == ["a", "b", "c", "d", "e", "f", "g"]
    # xdist hands each of two workers two cases at the start: a with g, b with f, then the rest longest first
    assert schedule.order(list(seconds), seconds.get, 2) == ["a", "g", "b", "f", "c", "d", "e"]


def test_a_worker_serves_the_host_its_gateway_id_names():
    assert hosts.worker_ids(["popen//id=lab-a", "2*popen", "ssh=root@b//id=lab-b-2"]) == ["lab-a", "gw1", "gw2",
                                                                                          "lab-b-2"]
    assert hosts.serves("lab-b-2", "lab-b") and hosts.serves("lab-a", "lab-a") and hosts.serves("gw0", None)
    assert not hosts.serves("lab-a", "lab-b") and not hosts.serves("lab-ab", "lab-a")


def test_a_host_without_a_worker_is_a_usage_error(tmp_path):
    profile = _with_host(control_profile(tmp_path, "none"), "lab-z")
    result = run_cli("run", "--profile", str(profile), "--case", "C-PREF-255", "-n", "2",
                     "--report-dir", str(tmp_path / "r"))
    assert result.returncode == 2 and "host 'lab-z', and no worker is" in result.stderr, result.stderr
    assert not (tmp_path / "r").exists()


@LAB
@pytest.mark.cost(30)
def test_two_profiles_side_by_side_get_the_verdicts_of_one_at_a_time(tmp_path):
    """The correct control client and one that Requests from the first Advertise, in one run at -n 4: one JUnit
    each, with the verdicts each gets alone, and one HTML report across them."""
    good, bad = control_profile(tmp_path, "none"), control_profile(tmp_path, "first-advertise")
    cases = ["--case", "C-PREF-255", "--case", "C-PREF-WAIT", "--case", "C-PREF-HIGHEST"]
    result = run_cli("run", "--profile", str(good), "--profile", str(bad), *cases, "-n", "4",
                     "--report-dir", str(tmp_path / "r"))
    out = result.stdout
    assert result.returncode == 1, out
    verdicts = {name: {case: facts["outcome"] for case, facts in junit_outcomes(
        tmp_path / "r" / f"junit-{Path(name).stem}.xml").items()} for name in (good, bad)}
    assert verdicts[good] == {"C-PREF-255": "PASS", "C-PREF-WAIT": "PASS", "C-PREF-HIGHEST": "PASS"}, out
    assert verdicts[bad] == {"C-PREF-255": "PASS", "C-PREF-WAIT": "FAIL", "C-PREF-HIGHEST": "FAIL"}, out
    assert re.search(rf"^\d\d:\d\d:\d\d +C-PREF-WAIT \({bad.stem}\) FAIL in ", out, re.M), out  # names its profile
    assert (tmp_path / "r" / "html" / "index.html").exists()
    for name in (good, bad):
        for case in verdicts[name]:
            assert (tmp_path / "r" / name.stem / case / "capture.pcap").exists()


@LAB
@pytest.mark.cost(25)
def test_workers_on_two_hosts_run_their_own_profiles_and_send_the_evidence_back(tmp_path):
    """Two local execnet workers stand in for lab hosts lab-a and lab-b, each in its own folder (as a remote host
    would be): each profile's cases run on its host's worker, and the evidence comes back to the controller."""
    a = _with_host(control_profile(tmp_path, "none"), "lab-a")
    b = _with_host(control_profile(tmp_path, "first-advertise"), "lab-b")
    for host in ("lab-a", "lab-b"):
        (tmp_path / host).mkdir()
    result = run_cli("run", "--profile", str(a), "--profile", str(b), "--case", "C-PREF-255", "--case", "C-PREF-WAIT",
                     "--tx", f"popen//id=lab-a//chdir={tmp_path / 'lab-a'}",
                     "--tx", f"popen//id=lab-b//chdir={tmp_path / 'lab-b'}", "--report-dir", "r", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    for profile, host, wait in ((a, "lab-a", "PASS"), (b, "lab-b", "FAIL")):
        document = json.loads((tmp_path / "r" / f"results-{profile.stem}.json").read_text())
        cases = {case["case"]: case for case in document["cases"]}
        assert {c: cases[c]["outcome"] for c in cases} == {"C-PREF-255": "PASS", "C-PREF-WAIT": wait}
        for case in cases.values():
            assert case["properties"]["worker"] == host
            assert "capture.pcap" in " ".join(case["files"])
            assert (tmp_path / "r" / case["evidence"] / "capture.pcap").stat().st_size > 0  # came back
        assert (tmp_path / host / "r" / profile.stem / "C-PREF-WAIT" / "capture.pcap").exists()  # made there


def test_a_tar_from_a_worker_cannot_write_outside_the_case_folder(tmp_path):
    import io
    import tarfile
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in (("../escaped.txt", b"x"), ("timeline.txt", b"ok")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("link")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    hosts.unpack(buffer.getvalue(), tmp_path / "case")
    assert (tmp_path / "case" / "timeline.txt").read_bytes() == b"ok"
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "case" / "link").exists()


def test_require_served_names_the_profile_and_host():
    class Profile:
        path, host = Path("lab.toml"), "lab-q"
    with pytest.raises(UsageError, match="lab.toml: its device is on host 'lab-q'"):
        hosts.require_served([Profile()], ["gw0", "lab-a"])


def test_cases_on_one_device_take_turns_and_others_do_not_wait(monkeypatch, tmp_path):
    """The per-port lock: a second holder of the same port waits until the first lets go; another port's does not."""
    import threading
    import time
    from conformance.lab import bench_port
    monkeypatch.setattr(bench_port, "LOCKS", tmp_path / "locks")
    order = []

    def hold(name, port, seconds):
        with bench_port.held([(port, None)]):
            order.append(f"{name} in")
            time.sleep(seconds)
            order.append(f"{name} out")

    first = threading.Thread(target=hold, args=("a", "eth9", 0.6))
    first.start()
    time.sleep(0.2)
    others = [threading.Thread(target=hold, args=("b", "eth9", 0)), threading.Thread(target=hold, args=("c", "eth8", 0))]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join(timeout=10)
    assert order.index("c in") < order.index("a out") < order.index("b in"), order
