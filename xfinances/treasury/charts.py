"""Geometry of the inline SVG charts (no JavaScript, no chart library): columns for money in
(up from zero) and out (down from zero), an optional balance line, one scale for both. Pure; the
templates draw the returned numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from xfinances.core.formatting import amount as format_amount


@dataclass(frozen=True)
class Column:
    label: str
    x: float  # left edge of the column slot
    width: float
    in_y: float
    in_height: float
    out_y: float
    out_height: float
    centre: float
    in_x: float  # the in bar sits left of the centre, the out bar right of it
    out_x: float
    line_y: float | None
    url: str
    title: str
    is_lowest: bool


@dataclass
class Chart:
    width: int
    height: int
    top: float
    bottom: float
    zero_y: float
    columns: list[Column]
    line_points: str  # "x,y x,y …" for a <polyline>, empty without a line
    ticks: list[tuple[float, str]] = field(default_factory=list)
    lowest: Column | None = None
    bar_width: float = 0.0


def bar_line_chart(
    labels: Sequence[str],
    money_in: Sequence[Decimal],
    money_out: Sequence[Decimal],
    balances: Sequence[Decimal] | None = None,
    urls: Sequence[str] | None = None,
    lowest_index: int | None = None,
    width: int = 760,
    height: int = 260,
) -> Chart:
    """`money_out` holds negative (or zero) amounts. `lowest_index` marks one column's point."""
    left, right, top, bottom = 70.0, 10.0, 10.0, height - 24.0
    values = [Decimal(0), *money_in, *money_out, *(balances or [])]
    high, low = max(values), min(values)
    if high == low:
        high = low + 1
    span = float(high - low)

    def y(value: Decimal) -> float:
        return round(top + (float(high - value) / span) * (bottom - top), 1)

    zero = y(Decimal(0))
    count = max(1, len(labels))
    slot = (width - left - right) / count
    bar = max(2.0, slot * 0.35)
    columns: list[Column] = []
    points: list[str] = []
    for i, label in enumerate(labels):
        x = left + i * slot
        centre = round(x + slot / 2, 1)
        in_top = y(money_in[i])
        out_bottom = y(money_out[i])
        line_y = y(balances[i]) if balances is not None else None
        if line_y is not None:
            points.append(f"{centre},{line_y}")
        title = f"{label}: +{format_amount(money_in[i])} / {format_amount(money_out[i])}"
        if balances is not None:
            title += f" → {format_amount(balances[i])}"
        columns.append(
            Column(
                label=label,
                x=round(x, 1),
                width=round(slot, 1),
                in_y=in_top,
                in_height=round(zero - in_top, 1),
                out_y=zero,
                out_height=round(out_bottom - zero, 1),
                centre=centre,
                in_x=round(centre - bar, 1),
                out_x=centre,
                line_y=line_y,
                url=urls[i] if urls else "",
                title=title,
                is_lowest=i == lowest_index,
            )
        )
    ticks = [(y(v), format_amount(v)) for v in sorted({high, Decimal(0), low}, reverse=True)]
    return Chart(
        width,
        height,
        top,
        bottom,
        zero,
        columns,
        " ".join(points),
        ticks,
        lowest=next((c for c in columns if c.is_lowest), None),
        bar_width=round(bar, 1),
    )
