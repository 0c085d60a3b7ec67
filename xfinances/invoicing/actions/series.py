"""Number series: create, change, deactivate."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.invoicing import locks, numbering
from xfinances.invoicing.models import (
    NumberSeries,
    SeriesGroup,
)

# --- number series -----------------------------------------------------------------------------


@transaction.atomic
def create_series(
    actor: Actor,
    company: Company,
    *,
    group: str,
    name: str,
    range_start: int,
    range_end: int,
    is_default: bool = False,
) -> NumberSeries:
    """A new range of numbers, e.g. 1000000001…1999999999 for a branch. Ranges of one group
    never overlap (numbers are unique per company)."""
    ensure_can(actor, company, "documents.settings")
    errors = InvalidInput.collect()
    if group not in SeriesGroup.values:
        errors.add("group", _("Choose tax documents or proformas."))
    name = (name or "").strip()[:100]
    if not name:
        errors.add("name", _("Name the series."))
    try:
        start, end = int(range_start), int(range_end)
    except (TypeError, ValueError):
        errors.add("range_start", _("Enter whole numbers."))
        errors.raise_if_any()
        raise
    if not 1 <= start <= end <= 9_999_999_999:
        errors.add(
            "range_end",
            _("A range runs from 1 to 9999999999, the first number not after the last."),
        )
    errors.raise_if_any()
    overlap = NumberSeries.objects.filter(
        company=company, group=group, range_start__lte=end, range_end__gte=start
    ).first()
    if overlap is not None:
        raise Conflict(
            _("The range overlaps the series “%(name)s”.") % {"name": overlap.name},
            field="range_start",
        )
    if is_default:
        NumberSeries.objects.filter(company=company, group=group, is_default=True).update(
            is_default=False
        )
    series = NumberSeries.objects.create(
        company=company,
        group=group,
        name=name,
        range_start=start,
        range_end=end,
        next_number=start,
        is_default=is_default,
    )
    audit.record_create(actor, company, "create_series", series)
    return series


def _series_in_use(series: NumberSeries) -> bool:
    return series.next_number != series.range_start or series.documents.exists()


@transaction.atomic
def update_series(
    actor: Actor,
    series: NumberSeries,
    *,
    name: str | None = None,
    is_default: bool | None = None,
    range_start: int | None = None,
    range_end: int | None = None,
) -> NumberSeries:
    """Rename a series, make it the default of its group, or change its range. The first number
    cannot change once numbers were taken; the last one never below a number already taken."""
    company = series.company
    ensure_can(actor, company, "documents.settings")
    series = locks.lock_series(company, series.pk)
    before = audit.snapshot(series)
    errors = InvalidInput.collect()
    if name is not None:
        clean_name = (name or "").strip()[:100]
        if not clean_name:
            errors.add("name", _("Name the series."))
        series.name = clean_name
    start, end = series.range_start, series.range_end
    try:
        if range_start is not None:
            start = int(range_start)
        if range_end is not None:
            end = int(range_end)
    except (TypeError, ValueError):
        errors.add("range_start", _("Enter whole numbers."))
    if start != series.range_start and _series_in_use(series):
        errors.add(
            "range_start",
            _("Numbers of this series were already given: its first number cannot change."),
        )
    if not 1 <= start <= end <= 9_999_999_999:
        errors.add(
            "range_end",
            _("A range runs from 1 to 9999999999, the first number not after the last."),
        )
    elif end < series.next_number - 1:
        errors.add(
            "range_end",
            _("Number %(n)s was already given: the range cannot end before it.")
            % {"n": numbering.format_number(series.next_number - 1)},
        )
    if is_default and not series.is_active:
        errors.add("is_default", _("Only an active series can be the default."))
    errors.raise_if_any()
    if (start, end) != (series.range_start, series.range_end):
        overlap = (
            NumberSeries.objects.filter(
                company=company, group=series.group, range_start__lte=end, range_end__gte=start
            )
            .exclude(pk=series.pk)
            .first()
        )
        if overlap is not None:
            raise Conflict(
                _("The range overlaps the series “%(name)s”.") % {"name": overlap.name},
                field="range_start",
            )
        if start != series.range_start:
            series.next_number = start
        series.range_start, series.range_end = start, end
    if is_default and not series.is_default:
        NumberSeries.objects.filter(company=company, group=series.group, is_default=True).update(
            is_default=False
        )
        series.is_default = True
    elif is_default is False and series.is_default:
        errors.add(
            "is_default",
            _("Make another series the default instead; each kind keeps one default."),
        )
        errors.raise_if_any()
    series.save()
    audit.record_update(actor, company, "update_series", series, before)
    return series


@transaction.atomic
def deactivate_series(actor: Actor, series: NumberSeries) -> NumberSeries:
    """Stop giving numbers from a series (its numbers stay on their documents for ever). The
    last active series of a group cannot go (documents would have nowhere to take a number);
    a default series hands the default to the next active one."""
    company = series.company
    ensure_can(actor, company, "documents.settings")
    series = locks.lock_series(company, series.pk)
    if not series.is_active:
        return series
    others = (
        NumberSeries.objects.select_for_update()
        .filter(company=company, group=series.group, is_active=True)
        .exclude(pk=series.pk)
        .order_by("range_start", "pk")
    )
    successor = next(iter(others), None)
    if successor is None:
        raise Conflict(
            _("This is the last active series for these documents: add another one first."),
            field="is_active",
        )
    before = audit.snapshot(series)
    series.is_active = False
    if series.is_default:
        series.is_default = False
        series.save(update_fields=["is_active", "is_default"])
        successor.is_default = True
        successor.save(update_fields=["is_default"])
    else:
        series.save(update_fields=["is_active"])
    audit.record_update(actor, company, "deactivate_series", series, before)
    return series
