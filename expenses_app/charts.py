"""Server-rendered SVG charts, the values-to-shapes half: geometry and text, no markup.

No JavaScript and no network (the CSP allows neither inline styles nor other
origins): this module turns values into shapes, labels and colours, and the
`chart` macro in `templates/_macros/charts.html` draws them, with every text
escaped by autoescape and colours through `fill` attributes. Every chart also
gets a table on its page for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .models import is_hex_color
from .money import format_money

DEFAULT_COLOR = "#0f766e"
STATUS_COLORS = {"ok": "#15803d", "warning": "#d97706", "over": "#b91c1c"}
LABEL_LENGTH = 28

# Horizontal bars: a label line, then the bar, per row.
BARS_WIDTH = 400
BAR_ROW = 40
BAR_HEIGHT = 14
BAR_TOP = 20
# Columns: one per item with its label underneath.
COLUMNS_WIDTH = 480
COLUMNS_HEIGHT = 200
COLUMNS_TOP = 24
COLUMNS_LABELS = 22


@dataclass(frozen=True)
class ChartItem:
    """One value to draw; `label` is user text (escaped by the template)."""

    label: str
    value: Decimal
    color: str | None = None
    # A shorter text under a column (e.g. `Mar`); the full label stays in the <title>.
    axis_label: str | None = None


@dataclass(frozen=True)
class Shape:
    label: str
    short_label: str
    value_text: str
    color: str
    x: float
    y: float
    width: float
    height: float
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Chart:
    kind: str
    title: str
    width: int
    height: int
    shapes: list[Shape]
    max_text: str = ""
    baseline_y: float = 0.0


def safe_color(color: str | None, default: str = DEFAULT_COLOR) -> str:
    """`color` when it is `#rrggbb`, otherwise `default`: only known-good values reach SVG."""
    return color if color and is_hex_color(color) else default


def short(label: str, length: int = LABEL_LENGTH) -> str:
    """A label cut to fit the chart; the full text stays in the `<title>` and the table."""
    return label if len(label) <= length else label[: length - 1].rstrip() + "…"


def _scale(value: Decimal, maximum: Decimal, size: float) -> float:
    if maximum <= 0 or value <= 0:
        return 0.0
    # Geometry only: the money itself is never rounded through float.
    return round(float(value / maximum) * size, 1)


def bar_chart(title: str, items: Sequence[ChartItem]) -> Chart:
    """Horizontal bars, one row per item, label left and amount right above its bar."""
    maximum = max((item.value for item in items), default=Decimal(0))
    shapes = [
        Shape(
            label=item.label,
            short_label=short(item.label),
            value_text=format_money(item.value),
            color=safe_color(item.color),
            x=0,
            y=index * BAR_ROW + BAR_TOP,
            width=max(_scale(item.value, maximum, BARS_WIDTH), 2 if item.value > 0 else 0),
            height=BAR_HEIGHT,
            text_x=0,
            text_y=index * BAR_ROW + BAR_TOP - 6,
        )
        for index, item in enumerate(items)
    ]
    height = max(len(items), 1) * BAR_ROW
    return Chart("bars", title, BARS_WIDTH, height, shapes)


def column_chart(title: str, items: Sequence[ChartItem]) -> Chart:
    """Vertical columns over a baseline, labels underneath, the maximum marked at the top."""
    maximum = max((item.value for item in items), default=Decimal(0))
    plot_height = COLUMNS_HEIGHT - COLUMNS_TOP - COLUMNS_LABELS
    baseline = COLUMNS_HEIGHT - COLUMNS_LABELS
    slot = COLUMNS_WIDTH / max(len(items), 1)
    width = round(slot * 0.6, 1)
    shapes = []
    for index, item in enumerate(items):
        height = _scale(item.value, maximum, plot_height)
        if item.value > 0:
            height = max(height, 1.5)
        left = round(index * slot + (slot - width) / 2, 1)
        shapes.append(
            Shape(
                label=item.label,
                short_label=item.axis_label or short(item.label, 6),
                value_text=format_money(item.value),
                color=safe_color(item.color),
                x=left,
                y=round(baseline - height, 1),
                width=width,
                height=height,
                text_x=round(index * slot + slot / 2, 1),
                text_y=COLUMNS_HEIGHT - 6,
            )
        )
    return Chart(
        "columns",
        title,
        COLUMNS_WIDTH,
        COLUMNS_HEIGHT,
        shapes,
        max_text=format_money(maximum) if maximum > 0 else "",
        baseline_y=baseline,
    )
