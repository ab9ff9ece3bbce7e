"""The flow diagram of one metal in one year: a Sankey network and its geometry.

The network follows the chain a reader knows: mining and imports → smelting →
processing → use → end of life and recycling, with recycled metal looping back to
processing underneath. Flows are national (shipments between regions cancel) and come
from the signed ``Results.flows``; where a form's pool has several sources and several
uses (refined metal from smelting, recycling, imports and reserve draws going to
processing, reserve fills and exports) each source is split over the uses in proportion,
which is the only allocation the balance itself implies.

Geometry is computed once here and drawn twice (PNG for the report, SVG for the HTML), so
both pictures show the same diagram.
"""

from __future__ import annotations

import math
import weakref
from collections import defaultdict
from dataclasses import dataclass, field, replace

from msc_model.data import ModelData
from msc_model.report import natural
from msc_model.results import Results

#: column headings, left to right
COLUMNS = ("Mining & imports", "Smelting", "Processing", "Use", "End of life & recycling")
#: link colours by material; imports are drawn in the import colour whatever their form
COLOURS = {
    "ore": (140, 86, 75),
    "refined": (0, 114, 178),
    "product": (230, 159, 0),
    "scrap": (0, 158, 115),
    "import": (213, 94, 0),
    "unmet": (204, 0, 0),
    "sink": (150, 150, 150),
}
#: node name → (column, colour key); the order is the vertical order inside a column
NODES = {
    "Mining": (0, "ore"),
    "Ore imports": (0, "import"),
    "Smelting": (1, "refined"),
    "Refined imports": (1, "import"),
    "Reserve draw": (1, "refined"),
    "Ore exports": (1, "sink"),
    "Processing": (2, "product"),
    "Product imports": (2, "import"),
    "Unmet demand": (2, "unmet"),
    "Reserve fill": (2, "sink"),
    "Refined exports": (2, "sink"),
    "Use": (3, "product"),
    "End-of-life scrap": (3, "scrap"),
    "Scrap imports": (3, "import"),
    "Product exports": (3, "sink"),
    "Recycling": (4, "refined"),
    "Landfill": (4, "sink"),
    "Not collected": (4, "sink"),
    "Scrap exports": (4, "sink"),
}
WIDTH, HEIGHT = 1400, 620
MARGIN, TOP, NODE_W, GAP = 40, 70, 16, 16
LABEL_ROOM = 190  # space right of the last column for its labels


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    value: float  # kt/yr
    material: str  # colour key


@dataclass
class Diagram:
    """Drawable geometry: node boxes, link centre lines (path commands) and widths."""

    metal: str
    year: int
    title: str
    nodes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    node_values: dict[str, float] = field(default_factory=dict)
    node_colours: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    #: (closed outline as path commands M/L/C/Z, band width, colour, tooltip)
    links: list[tuple[list[tuple], float, tuple[int, int, int], str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    #: unit of the values (natural units: iron Mt/yr, others kt/yr)
    unit: str = "kt/yr"


#: national flow sums of the last flows table, by (metal, year): a report draws every
#: metal in every year, and filtering the whole table each time is most of the cost
_NATIONAL: list = [None, {}]


def _national(results: Results, metal: str, year: int) -> dict[tuple[str, str], float]:
    flows = results.flows
    ref, by_case = _NATIONAL
    if ref is None or ref() is not flows:
        # one groupby over the whole table sums each group's rows in the same order as a
        # groupby of the filtered rows would, so the sums are the same to the last bit
        sums = flows.groupby(["metal", "year", "form", "flow"], sort=True)["value"].sum()
        by_case = defaultdict(dict)
        for (m, t, form, flow), value in sums.items():
            by_case[m, t][form, flow] = value
        _NATIONAL[:] = [weakref.ref(flows), by_case]
    return dict(by_case.get((metal, year), {}))


def _pool(
    sources: list[tuple[str, float, str]], sinks: list[tuple[str, float]], links: list[Link]
) -> None:
    """Split every source over the sinks in proportion to the sinks' sizes."""
    sources = [(n, v, m) for n, v, m in sources if v > 0]
    sinks = [(n, v) for n, v in sinks if v > 0]
    total = sum(v for _, v in sinks)
    if total <= 0:
        return
    for name, value, material in sources:
        for sink, share in sinks:
            links.append(Link(name, sink, value * share / total, material))


def flow_links(results: Results, data: ModelData, metal: str, year: int) -> list[Link]:
    """The national flows of ``metal`` in ``year`` as Sankey links (kt/yr)."""
    f = defaultdict(float, _national(results, metal, year))
    scrap = results.scrap
    mine = scrap[(scrap["metal"] == metal) & (scrap["year"] == year)]
    end_of_life, collected = float(mine["end_of_life"].sum()), float(mine["collected"].sum())
    links: list[Link] = []
    _pool(
        [("Mining", f["ore", "mining"], "ore"), ("Ore imports", f["ore", "imports"], "import")],
        [("Smelting", -f["ore", "smelting"]), ("Ore exports", -f["ore", "exports"])],
        links,
    )
    _pool(
        [
            ("Smelting", f["refined", "smelting"], "refined"),
            ("Refined imports", f["refined", "imports"], "import"),
            ("Reserve draw", f["refined", "draw"], "refined"),
            ("Recycling", f["refined", "recycling"], "scrap"),
        ],
        [
            ("Processing", -f["refined", "processing"]),
            ("Reserve fill", -f["refined", "fill"]),
            ("Refined exports", -f["refined", "exports"]),
        ],
        links,
    )
    _pool(
        [
            ("Processing", f["product", "processing"], "product"),
            ("Product imports", f["product", "imports"], "import"),
            ("Unmet demand", f["product", "unmet_demand"], "unmet"),
        ],
        [("Use", -f["product", "demand"]), ("Product exports", -f["product", "exports"])],
        links,
    )
    _pool(
        [
            ("End-of-life scrap", f["scrap", "collected"], "scrap"),
            ("Processing", f["scrap", "prompt"], "scrap"),
            ("Scrap imports", f["scrap", "imports"], "import"),
        ],
        [
            ("Recycling", -f["scrap", "recycling"]),
            ("Landfill", -f["scrap", "landfill"]),
            ("Scrap exports", -f["scrap", "exports"]),
        ],
        links,
    )
    if end_of_life - collected > 0:
        links.append(Link("End-of-life scrap", "Not collected", end_of_life - collected, "sink"))
    biggest = max((link.value for link in links), default=0.0)
    return [link for link in links if link.value > 1e-3 * biggest]


def _ribbon(x0: float, s0: float, x1: float, t0: float, width: float) -> list[tuple]:
    """Outline of a forward link: two cubic edges offset vertically, so the band keeps
    its height from the source to the target (the usual Sankey ribbon)."""
    middle = (x0 + x1) / 2
    s1, t1 = s0 + width, t0 + width
    return [
        ("M", (x0, s0)),
        ("C", (middle, s0), (middle, t0), (x1, t0)),
        ("L", (x1, t1)),
        ("C", (middle, t1), (middle, s1), (x0, s1)),
        ("Z",),
    ]


def _arc(cx: float, cy: float, r: float, start: float, end: float, steps: int = 10) -> list:
    """Points on a circular arc (angles in degrees, y downwards)."""
    return [
        (cx + r * math.cos(math.radians(a)), cy + r * math.sin(math.radians(a)))
        for a in (start + (end - start) * i / steps for i in range(steps + 1))
    ]


def _loop(xs: float, ys: float, xt: float, yt: float, lane: float, width: float) -> list[tuple]:
    """Outline of a backward link: out of the source's right side, down to ``lane`` under
    the diagram, back left and up into the target's left side. ``ys``, ``yt`` and
    ``lane`` are centre lines; corners are circular arcs around fixed centres, so the
    inner and outer edges are exact offsets of each other."""
    h = width / 2
    r = h + 6  # centre-line radius; the inner edge keeps a radius of 6
    right, left = xs + r + 4, xt - r - 4
    centres = [  # (centre x, centre y, start angle, end angle) of the four corners
        (right - r, ys + r, -90, 0),
        (right - r, lane - r, 0, 90),
        (left + r, lane - r, 90, 180),
        (left + r, yt + r, 180, 270),
    ]
    outer = [(xs, ys - h)]
    inner = [(xs, ys + h)]
    for cx, cy, a0, a1 in centres:
        outer += _arc(cx, cy, r + h, a0, a1)
        inner += _arc(cx, cy, r - h, a0, a1)
    outer.append((xt, yt - h))
    inner.append((xt, yt + h))
    points = outer + inner[::-1]
    return [("M", points[0]), *(("L", p) for p in points[1:]), ("Z",)]


def layout(links: list[Link], metal: str, year: int, title: str, unit: str = "kt/yr") -> Diagram:
    """Place nodes in their columns and route every link (see :class:`Diagram`)."""
    inflow: dict[str, float] = defaultdict(float)
    outflow: dict[str, float] = defaultdict(float)
    for link in links:
        outflow[link.source] += link.value
        inflow[link.target] += link.value
    used = [n for n in NODES if inflow[n] > 0 or outflow[n] > 0]
    size = {n: max(inflow[n], outflow[n]) for n in used}
    columns: dict[int, list[str]] = defaultdict(list)
    for name in used:
        columns[NODES[name][0]].append(name)
    backward = [k for k in links if NODES[k.source][0] >= NODES[k.target][0]]
    lanes = sum(k.value for k in backward)
    # the tallest column plus the loop lanes must fit between TOP and the bottom margin
    tallest = max((sum(size[n] for n in c) for c in columns.values()), default=0.0)
    gaps = max((len(c) - 1 for c in columns.values()), default=0) * GAP
    room = HEIGHT - TOP - 30 - gaps - 14 * len(backward)
    scale = room / (tallest + lanes) if tallest + lanes > 0 else 0.0
    step = (WIDTH - 2 * MARGIN - NODE_W - LABEL_ROOM) / (len(COLUMNS) - 1)

    diagram = Diagram(metal, year, title, unit=unit)
    for column, names in columns.items():
        y = TOP
        for name in names:
            x = MARGIN + column * step
            height = max(size[name] * scale, 1.0)
            diagram.nodes[name] = (x, y, x + NODE_W, y + height)
            diagram.node_values[name] = size[name]
            diagram.node_colours[name] = COLOURS[NODES[name][1]]
            y += height + GAP
    bottom = max((box[3] for box in diagram.nodes.values()), default=TOP)

    def position(name: str) -> float:
        return diagram.nodes[name][1]

    # stack links on each side of a node in the vertical order of the other end, so they
    # do not cross at the node; loops leave and enter at the bottom
    out_at = {n: diagram.nodes[n][1] for n in used}
    in_at = dict(out_at)
    ordered_out = sorted(links, key=lambda k: (k in backward, position(k.target)))
    starts = {}
    for link in ordered_out:
        starts[id(link)] = out_at[link.source]
        out_at[link.source] += link.value * scale
    ends = {}
    for link in sorted(links, key=lambda k: (k in backward, position(k.source))):
        ends[id(link)] = in_at[link.target]
        in_at[link.target] += link.value * scale
    lane = bottom + 12
    for link in links:
        width = link.value * scale
        sx = diagram.nodes[link.source][2]
        tx = diagram.nodes[link.target][0]
        sy, ty = starts[id(link)], ends[id(link)]
        if link in backward:
            lane += width / 2 + 2
            path = _loop(sx, sy + width / 2, tx, ty + width / 2, lane, width)
            lane += width / 2 + 12
        else:
            path = _ribbon(sx, sy, tx, ty, width)
        tip = f"{link.source} → {link.target}: {link.value:,.1f} {unit}"
        diagram.links.append((path, max(width, 1.0), COLOURS[link.material], tip))
    diagram.height = int(max(HEIGHT, lane + 20))
    return diagram


def diagram_for(results: Results, data: ModelData, metal: str, year: int) -> Diagram:
    """The laid-out flow diagram of ``metal`` in ``year``."""
    name = data.metal_names.get(metal) or metal
    unit = f"{natural.mass(metal)}/yr"
    title = f"{name[:1].upper() + name[1:]} ({metal}) flows in {year}, {unit} of metal content"
    scale = natural.divisor(metal)
    links = [replace(k, value=k.value / scale) for k in flow_links(results, data, metal, year)]
    return layout(links, metal, year, title, unit)
