"""The readable timeline and the pcap tell one story: time zero is the first captured frame, each line's number is
its frame in the link's pcap (as Wireshark counts, from 1), and the Neighbor Discovery frames a verdict rests on (the
DUT's DAD probe, the suite's own probes, the answers) are there, labelled by who sent them."""
import re

import pytest
from scapy.utils import rdpcap

from conftest import PROJECT, run_cli

pytestmark = pytest.mark.lab

LINE = re.compile(r"^#(\d+)\s+([+-]\d+\.\d{3})s  (\S+)  ")


def _lines(timeline: str) -> list[tuple[int, float, str]]:
    return [(int(m[1]), float(m[2]), line) for line in timeline.splitlines() if (m := LINE.match(line))]


def _agree_with_pcap(timeline: str, pcaps: dict) -> None:
    """Every numbered line sits at its frame's time from the first frame of all the captures (to the ms)."""
    packets = {link: rdpcap(str(path)) for link, path in pcaps.items()}
    zero = min(float(p[0].time) for p in packets.values())
    lines = _lines(timeline)
    assert lines
    for number, since, line in lines:
        link = LINE.match(line)[3]
        assert abs(float(packets[link][number - 1].time) - zero - since) < 0.0015, line


def test_a_client_timeline_numbers_frames_as_the_pcap_and_labels_the_probes(tmp_path):
    run_cli("run", "--profile", str(PROJECT / "profiles" / "dhclient.toml"), "--case", "C-DECLINE-DUP",
            "--report-dir", str(tmp_path))
    evidence = tmp_path / "dhclient" / "C-DECLINE-DUP"
    timeline = (evidence / "timeline.txt").read_text()
    assert timeline.startswith("# +0.000s is the first frame captured")
    _agree_with_pcap(timeline, {"lan": evidence / "capture.pcap"})
    assert re.search(r"  :: -> ff02::1:ff\S+  NS for 2001:db8:\S+  <- the DUT's Duplicate Address Detection probe",
                     timeline), timeline
    assert "<- the suite's probe: does a host use this address?" in timeline, timeline
    assert "DUT STARTED" in timeline


def test_a_relay_timeline_labels_the_suites_probe_solicits_on_both_links(tmp_path):
    run_cli("run", "--profile", str(PROJECT / "profiles" / "dhcrelay.toml"), "--case", "R-FWD-ALL",
            "--report-dir", str(tmp_path))
    evidence = tmp_path / "dhcrelay" / "R-FWD-ALL"
    timeline = (evidence / "timeline.txt").read_text()
    _agree_with_pcap(timeline, {link: evidence / f"capture-{link}.pcap" for link in ("client", "upstream")})
    probes = [line for line in timeline.splitlines() if line.endswith("<- the suite's probe Solicit: is the relay up yet?")]
    assert any("  client  " in line and "SOLICIT" in line for line in probes), timeline
    assert any("  upstream  " in line and "RELAY-FORW" in line for line in probes), timeline
