"""`{{ amount|money }}`: Bulgarian print form of an amount (1 234,56); empty for None."""

from __future__ import annotations

from decimal import Decimal

from django import template

from xfinances.core.money import format_amount

register = template.Library()


@register.filter
def money(value: Decimal | int | None) -> str:
    if value is None or value == "":
        return ""
    return format_amount(Decimal(value))


@register.filter
def indent(depth: int) -> str:
    return f"{1.25 * int(depth or 0):.2f}rem"
