"""Charts drawn on the server as SVG (no script, no CDN): the geometry is computed here and
templates/stats/_chart.svg draws it; the numbers are in the table beside every chart.

The SVG scales with its viewBox, so the same drawing reads at 1366 px and on a phone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Colours by series, readable in grey print too (dark to light).
PALETTE = [
    "#b22222",
    "#2e7d32",
    "#1565c0",
    "#ef6c00",
    "#6a1b9a",
    "#00838f",
    "#795548",
    "#c2185b",
    "#9e9d24",
    "#455a64",
    "#8d6e63",
    "#5d4037",
    "#9e9e9e",
]

WIDTH = 640
ROW = 26  # height of one horizontal bar
LABEL = 120  # width of the label column
PAD = 8


@dataclass
class Segment:
    x: float
    width: float
    color: str
    title: str


@dataclass
class Bar:
    label: str
    y: float
    segments: list[Segment] = field(default_factory=list)
    total: int = 0
    text_x: float = 0


@dataclass
class Chart:
    title: str
    height: float
    width: int
    bars: list[Bar]
    legend: list[tuple[str, str]]
    label_width: int = LABEL
    line: str = ""  # a polyline's points (the line chart)
    points: list[dict] = field(default_factory=list)
    kind: str = "bars"


def stacked_bars(title: str, rows: list[tuple[str, list[int]]], series: list[str]) -> Chart:
    """One horizontal bar per row, its segments the series (e.g. statuses by child region)."""
    top = max([sum(values) for _, values in rows] or [0]) or 1
    span = WIDTH - LABEL - 60
    bars = []
    for i, (label, values) in enumerate(rows):
        bar = Bar(label, PAD + i * ROW, total=sum(values))
        x = float(LABEL)
        for j, value in enumerate(values):
            w = span * value / top
            if w > 0:
                bar.segments.append(
                    Segment(x, w, PALETTE[j % len(PALETTE)], f"{label} {series[j]}：{value}")
                )
            x += w
        bar.text_x = x + 4
        bars.append(bar)
    legend = [(PALETTE[j % len(PALETTE)], name) for j, name in enumerate(series)]
    return Chart(title, PAD * 2 + ROW * len(rows), WIDTH, bars, legend)


def bars(title: str, items: list[tuple[str, int]]) -> Chart:
    """Plain horizontal bars (causes, pairing gaps)."""
    return stacked_bars(title, [(label, [value]) for label, value in items], [title])


def line(title: str, points: list[tuple[int, int]]) -> Chart:
    """A line over the years (exits per year)."""
    height, left, bottom = 220, 50, 30
    top = max([v for _, v in points] or [0]) or 1
    span_x = (WIDTH - left - 20) / max(len(points) - 1, 1)
    drawn = []
    for i, (year, value) in enumerate(points):
        x = left + i * span_x
        y = height - bottom - (height - bottom - 20) * value / top
        drawn.append({"x": round(x, 1), "y": round(y, 1), "year": year, "value": value})
    chart = Chart(title, height, WIDTH, [], [], kind="line")
    chart.points = drawn
    chart.line = " ".join(f"{p['x']},{p['y']}" for p in drawn)
    return chart
