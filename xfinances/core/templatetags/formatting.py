"""Template filters for numbers and dates in the active language (`core/formatting.py`).

Loaded as a builtin (settings `TEMPLATES`), so every template can write
`{{ document.total|amount }}`, `{{ line.unit_price|unit_price }}`, `{{ line.quantity|qty }}`,
`{{ group.rate|pct }}`, `{{ rate.rate|xrate }}`, `{{ document.issue_date|day }}`,
`{{ batch.period|period }}` and `{{ total|money:document.currency }}` without `{% load %}`.
"""

from __future__ import annotations

import datetime as dt

from django import template

from xfinances.core import formatting, history
from xfinances.core.action_labels import action_label
from xfinances.core.models import AuditEntry

register = template.Library()


@register.filter
def amount(value: object) -> str:
    return formatting.amount(value)


@register.filter
def money(value: object, currency: str = "") -> str:
    return formatting.money(value, currency or "")


@register.filter
def unit_price(value: object) -> str:
    return formatting.unit_price(value)


@register.filter
def qty(value: object) -> str:
    return formatting.quantity(value)


@register.filter
def pct(value: object) -> str:
    return formatting.percent(value)


@register.filter
def xrate(value: object) -> str:
    return formatting.exchange_rate(value)


@register.filter
def day(value: dt.date | None) -> str:
    return formatting.date(value)


@register.filter
def moment(value: dt.datetime | None) -> str:
    return formatting.datetime(value)


@register.filter
def period(value: object) -> str:
    return formatting.period(value)


@register.filter
def readable_changes(entry: AuditEntry) -> list[history.Change]:
    """An audit entry's changes with translated labels and formatted values."""
    return history.readable_changes(entry)


@register.filter
def action(entry: AuditEntry) -> str:
    """What an audit entry did, in words (`core.action_labels`)."""
    return action_label(entry.action)
