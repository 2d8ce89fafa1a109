"""The data of a case's message ladder diagram (ladder.json in its evidence folder): a column per host, a row per
DHCPv6 message with its time from the first captured frame, type, transaction ID, preference and server, the RFC
windows the case judged against, and the lab's notes. The HTML report draws it; it never reads the network."""
import json
from pathlib import Path

from .timeline import Timeline

FORMAT = "dhcpv6-conformance ladder 1"
MAX_MESSAGES = 400  # a flood is summarised: the diagram is for reading, the pcap holds everything
ALL = "*"           # a message to a multicast group: every host on its link


def ladder(timeline: Timeline, columns: dict[str, str], order: list[str], bands: list[tuple[str, float, float]],
           server_names: dict[bytes, str]) -> dict:
    """`columns`: MAC -> column name; `order`: the columns left to right; `bands`: (label, start, end) in capture
    time; `server_names`: DUID -> the server's name, for the server a message names."""
    origin = timeline.origin or 0.0
    messages = sorted(timeline.messages(), key=lambda m: m.time)
    rows = []
    for m in messages[:MAX_MESSAGES]:
        try:
            rows.append(_row(m, origin, columns, server_names, timeline.label_of(m)))
        except Exception as exc:  # noqa: BLE001 - evidence must be written whatever the DUT sent
            rows.append({"t": round(m.time - origin, 6), "frame": m.frame, "link": m.link,
                         "from": columns.get(m.src_mac, m.src), "to": columns.get(m.dst_mac, m.dst),
                         "type": f"UNRENDERABLE ({type(exc).__name__})"})
    return {"format": FORMAT, "columns": order, "messages": rows, "left_out": max(0, len(messages) - MAX_MESSAGES),
            "bands": [{"label": label, "start": round(start - origin, 6), "end": round(end - origin, 6)}
                      for label, start, end in bands],
            "notes": [{"t": round(when - origin, 6), "source": source, "text": text}
                      for when, source, text in timeline.notes()]}


def _row(m, origin: float, columns: dict[str, str], server_names: dict[bytes, str], label: str | None) -> dict:
    """One message: what a relay message carries at its core is what the arrow is labelled with."""
    core = m.dhcp
    while core is not None and core.is_relay:
        core = core.relay_message
    return {"t": round(m.time - origin, 6), "frame": m.frame, "link": m.link,
            "from": columns.get(m.src_mac, m.src),
            "to": ALL if m.dst_mac.startswith("33:33") else columns.get(m.dst_mac, m.dst),
            "type": m.name, "inner": core.name if core is not None and core is not m.dhcp else None,
            "xid": f"0x{core.xid:06x}" if core is not None else None,
            "preference": core.preference if core is not None else None,
            "server": server_names.get(core.server_id) if core is not None and core.server_id else None,
            "label": label}


def write(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=1) + "\n")
