"""`{{ amount|money }}`: an amount in the page's language through `core/formatting.py`
(`1 234,56`, in English `1,234.56`); empty for None."""

from __future__ import annotations

from decimal import Decimal

from django import template

from xfinances.core import formatting

register = template.Library()


@register.filter
def money(value: Decimal | int | None) -> str:
    if value is None or value == "":
        return ""
    return formatting.amount(Decimal(value))


@register.filter
def indent(depth: int) -> str:
    return f"{1.25 * int(depth or 0):.2f}rem"
