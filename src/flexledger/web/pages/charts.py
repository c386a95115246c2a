"""Server-side SVG line charts: no JavaScript, no chart library, works offline.

Figures arrive as `Decimal`; only the drawing coordinates become floats (a pixel
needs no exactness). Labels on the axes are formatted from the Decimal values.
Colors come from CSS classes (`static/app.css`), never inline styles, so a strict
Content-Security-Policy holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from markupsafe import Markup

from flexledger.web.pages.filters import money

_WIDTH = 720
_HEIGHT = 240
_LEFT = 100
_RIGHT = 16
_TOP = 14
_BOTTOM = 30
_GRID_LINES = 4
# Cents on an axis spanning hundreds or more are noise.
_WHOLE_UNITS_SPAN = Decimal(100)


@dataclass(frozen=True, slots=True)
class Series:
    """One line: a name for the legend, a CSS class, and (date, value) points."""

    name: str
    css_class: str
    points: Sequence[tuple[dt.date, Decimal]]
    step: bool = False


def line_chart(
    title: str, series: Sequence[Series], *, unit: str | None = None
) -> Markup:
    """An SVG chart of the series over a shared date axis and value axis."""
    points = [p for s in series for p in s.points]
    if not points:
        return Markup('<p class="muted">No data to chart yet.</p>')
    days = [p[0].toordinal() for p in points]
    values = [p[1] for p in points]
    x_min, x_max = min(days), max(days)
    y_min, y_max = min(values), max(values)
    if y_min == y_max:
        y_min -= 1
        y_max += 1
    span_x = max(x_max - x_min, 1)
    span_y = float(y_max - y_min)
    plot_w = _WIDTH - _LEFT - _RIGHT
    plot_h = _HEIGHT - _TOP - _BOTTOM

    def x(day: dt.date) -> float:
        return _LEFT + plot_w * (day.toordinal() - x_min) / span_x

    def y(value: Decimal) -> float:
        return _TOP + plot_h * (1 - float(value - y_min) / span_y)

    parts = [
        f'<svg class="chart" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for index in range(_GRID_LINES + 1):
        value = y_min + (y_max - y_min) * Decimal(index) / Decimal(_GRID_LINES)
        gy = y(value)
        parts.append(
            f'<line class="grid" x1="{_LEFT}" x2="{_WIDTH - _RIGHT}" '
            f'y1="{gy:.1f}" y2="{gy:.1f}"/>'
            f'<text class="axis" x="{_LEFT - 6}" y="{gy + 4:.1f}" '
            f'text-anchor="end">{escape(_axis_label(value, y_max - y_min))}</text>'
        )
    first, last = dt.date.fromordinal(x_min), dt.date.fromordinal(x_max)
    base = _HEIGHT - _BOTTOM + 18
    parts.append(
        f'<text class="axis" x="{_LEFT}" y="{base}">{first.isoformat()}</text>'
        f'<text class="axis" x="{_WIDTH - _RIGHT}" y="{base}" text-anchor="end">'
        f"{last.isoformat()}</text>"
    )
    for line in series:
        if not line.points:
            continue
        coordinates = _path(line, x, y)
        parts.append(
            f'<polyline class="line {line.css_class}" points="{coordinates}"/>'
        )
        if len(line.points) == 1:
            day, value = line.points[0]
            parts.append(
                f'<circle class="dot {line.css_class}" cx="{x(day):.1f}" '
                f'cy="{y(value):.1f}" r="3"/>'
            )
    parts.append("</svg>")
    legend = (
        f'<span class="legend-unit">{escape(unit)}</span>' if unit else ""
    ) + "".join(
        f'<span class="legend-item"><span class="swatch {s.css_class}"></span>'
        f"{escape(s.name)}</span>"
        for s in series
    )
    # Every text piece above went through html.escape; the rest is our own markup.
    return Markup(  # noqa: S704
        f'<figure class="chart-box">{"".join(parts)}'
        f'<figcaption class="legend">{legend}</figcaption></figure>'
    )


def _axis_label(value: Decimal, span: Decimal) -> str:
    """A value-axis label: whole units once the axis spans 100 or more."""
    if span < _WHOLE_UNITS_SPAN:
        return money(value, None)
    shown = f"{value.quantize(Decimal(1)):,}"
    return "0" if shown == "-0" else shown


def _path(
    line: Series, x: Callable[[dt.date], float], y: Callable[[Decimal], float]
) -> str:
    coordinates: list[str] = []
    previous: Decimal | None = None
    for day, value in sorted(line.points):
        if line.step and previous is not None:
            coordinates.append(f"{x(day):.1f},{y(previous):.1f}")
        coordinates.append(f"{x(day):.1f},{y(value):.1f}")
        previous = value
    return " ".join(coordinates)
