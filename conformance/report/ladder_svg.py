"""SVG drawings for the HTML report: a case's message ladder (a column per host, an arrow per message with its time,
type, transaction ID, preference and server, the RFC windows as bands) and a histogram of a soak's samples against
their RFC band. Inputs are the JSON the suite wrote; text is escaped, whatever a DUT put in it."""
import html

LEFT = 150        # px: the time labels' margin
COLUMN = 190      # px between host columns
TOP = 50          # px: the host names
ROW = 30          # px a message needs at least
PX_PER_S = 40     # px per second of quiet between two moments...
MAX_GAP = 90      # ...but no more than this, so a 3 minute wait still fits a screen
BAND_COLOURS = ("#fff3c4", "#dcedc8", "#d1e8ff", "#f3d1ff")


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _scale(moments: list[tuple[float, bool]]):
    """y for a time: messages at least ROW apart, quiet time compressed (at most MAX_GAP), interpolated between
    the moments it knows, so bands and arrows share one axis."""
    points, y = [], TOP + 20.0
    for index, (t, is_message) in enumerate(sorted(moments)):
        if index:
            y += min(MAX_GAP, (t - points[-1][0]) * PX_PER_S) + (ROW if is_message else 0)
        points.append((t, y))

    def at(t: float) -> float:
        if not points:
            return TOP + 20.0
        if t <= points[0][0]:
            return points[0][1]
        for (t0, y0), (t1, y1) in zip(points, points[1:]):
            if t <= t1:
                return y0 + (y1 - y0) * ((t - t0) / (t1 - t0) if t1 > t0 else 1.0)
        return points[-1][1] + min(MAX_GAP, (t - points[-1][0]) * PX_PER_S)
    return at, (points[-1][1] if points else TOP + 20.0)


def _text(message: dict) -> str:
    kind = message["type"] + (f" [{message['inner']}]" if message.get("inner") else "")
    parts = [kind]
    if message.get("xid"):
        parts.append(f"xid {message['xid']}")
    if message.get("preference") is not None:
        parts.append(f"pref {message['preference']}")
    if message.get("server"):
        parts.append(f"server {message['server']}")
    if message.get("label"):
        parts.append(f"({message['label']})")
    return " ".join(parts)


def ladder(data: dict) -> str:
    messages, bands, notes = data["messages"], data["bands"], data["notes"]
    columns = list(data["columns"])
    for message in messages:
        for end in (message["from"], message["to"]):
            if end != "*" and end not in columns:
                columns.append(end)
    x = {name: LEFT + 40 + index * COLUMN for index, name in enumerate(columns)}
    moments = [(m["t"], True) for m in messages] + [(b["start"], False) for b in bands] + \
              [(b["end"], False) for b in bands] + [(n["t"], True) for n in notes]
    at, bottom = _scale(moments)
    width = LEFT + 80 + COLUMN * max(1, len(columns) - 1) + 260
    height = bottom + 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
             f'font-family="sans-serif" font-size="12" role="img" aria-label="message ladder">',
             '<defs><marker id="a" markerWidth="8" markerHeight="8" refX="8" refY="4" orient="auto">'
             '<path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>']
    for index, band in enumerate(bands):
        top, low = at(band["start"]), at(band["end"])
        colour = BAND_COLOURS[index % len(BAND_COLOURS)]
        parts.append(f'<rect class="band" x="{LEFT}" y="{top:.1f}" width="{width - LEFT - 10}" '
                     f'height="{max(3.0, low - top):.1f}" fill="{colour}" stroke="#c9a400" '
                     f'stroke-dasharray="4 2"><title>{_e(band["label"])}</title></rect>')
        parts.append(f'<text x="{width - 12}" y="{top + 12:.1f}" text-anchor="end" fill="#7a5d00">'
                     f'{_e(band["label"])} ({band["start"]:+.3f} to {band["end"]:+.3f} s)</text>')
    for name, cx in x.items():
        parts.append(f'<text x="{cx}" y="{TOP - 18}" text-anchor="middle" font-weight="bold">{_e(name)}</text>')
        parts.append(f'<line x1="{cx}" y1="{TOP - 10}" x2="{cx}" y2="{height - 20:.0f}" stroke="#999"/>')
    for note in notes:
        y = at(note["t"])
        parts.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" fill="#777">{note["t"]:+.3f} s</text>'
                     f'<text x="{LEFT + 4}" y="{y + 4:.1f}" fill="#777" font-style="italic">'
                     f'{_e(note["source"])}: {_e(note["text"][:140])}</text>')
    for message in messages:
        y, start = round(at(message["t"])) + 0.5, x[message["from"]]  # on a pixel row: a crisp line
        targets = [cx for name, cx in x.items() if name != message["from"]] if message["to"] == "*" \
            else [x[message["to"]]]
        end = max(targets, key=lambda cx: abs(cx - start)) if targets else start + 40
        frame = f' #{message["frame"]}' if message.get("frame") else ""
        parts.append(f'<g class="message"><text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{message["t"]:+.3f} s{frame}</text>'
                     f'<line x1="{start}" y1="{y:.1f}" x2="{end}" y2="{y:.1f}" stroke="#333" '
                     f'marker-end="url(#a)"/>'
                     + "".join(f'<circle cx="{cx}" cy="{y:.1f}" r="3" fill="#333"/>' for cx in targets if cx != end)
                     + f'<text x="{min(start, end) + 6}" y="{y - 5:.1f}">{_e(_text(message))}</text></g>')
    if data.get("left_out"):
        parts.append(f'<text x="{LEFT}" y="{height - 8:.0f}">{data["left_out"]} more messages: see the timeline '
                     'and the pcap</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(name: str, values: list[float], what: str, low: float, high: float, offset: float = 0.0) -> str:
    """The values (plus `offset`) in 20 bins over the band widened by half its width each side, the band shaded."""
    shown = [v + offset for v in values]
    span = high - low
    start, stop = min(low - span / 2, min(shown)), max(high + span / 2, max(shown))
    bins = [0] * 20
    for v in shown:
        bins[min(19, int((v - start) / (stop - start) * 20))] += 1
    width, height, base = 520, 180, 150

    def px(v: float) -> float:
        return 20 + (v - start) / (stop - start) * (width - 40)
    tallest = max(bins) or 1
    parts = [f'<figure><svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="11" role="img" aria-label="{_e(what)}">',
             f'<rect class="band" x="{px(low):.1f}" y="20" width="{px(high) - px(low):.1f}" height="{base - 20}" '
             'fill="#dcedc8"/>']
    bar = (width - 40) / 20
    for index, count in enumerate(bins):
        if count:
            h = count / tallest * (base - 30)
            parts.append(f'<rect x="{20 + index * bar + 1:.1f}" y="{base - h:.1f}" width="{bar - 2:.1f}" '
                         f'height="{h:.1f}" fill="#0b5394"><title>{count}</title></rect>')
    parts.append(f'<line x1="20" y1="{base}" x2="{width - 20}" y2="{base}" stroke="#333"/>')
    for v in (start, low, high, stop):
        parts.append(f'<text x="{px(v):.1f}" y="{base + 14}" text-anchor="middle">{v:.3f}</text>')
    parts.append(f'<text x="{px(low):.1f}" y="14">RFC band [{low:g}, {high:g}]</text></svg>'
                 f'<figcaption>{_e(what)}: {len(values)} values ({_e(name)})</figcaption></figure>')
    return "".join(parts)
