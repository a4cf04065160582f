"""Geometry for the server-rendered SVG bar chart (no JavaScript, the table is its text)."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
HEIGHT = 240
LABEL_SPACE = 28  # below the bars, for the month labels
TOP_SPACE = 24  # above the tallest bar, for its amount


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value_text: str
    negative: bool


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    baseline: float
    bars: list[Bar]


def bar_chart(points: list[tuple[str, int, str]]) -> BarChart:
    """Bars for (label, value, value text) points; negative values hang below the baseline."""
    highest = max([value for _, value, _ in points] + [0])
    lowest = min([value for _, value, _ in points] + [0])
    span = (highest - lowest) or 1
    plot_height = HEIGHT - LABEL_SPACE - TOP_SPACE
    baseline = TOP_SPACE + plot_height * highest / span
    slot = WIDTH / max(len(points), 1)
    bars = []
    for index, (label, value, text) in enumerate(points):
        height = plot_height * abs(value) / span
        y = baseline - height if value >= 0 else baseline
        bars.append(Bar(index * slot + slot * 0.15, y, slot * 0.7, height, label, text, value < 0))
    return BarChart(WIDTH, HEIGHT, baseline, bars)
