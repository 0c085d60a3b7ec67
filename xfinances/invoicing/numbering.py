"""Number series and taking the next number (ППЗДДС art. 78).

Numbers are 10 digits with leading zeros, strictly ascending per series, given only at issue.
`take_number` must run inside the issuing transaction: it locks the series row, checks the
range and the date order, and moves the counter in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from xfinances.core import formatting
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company
from xfinances.invoicing import locks, model_rows
from xfinances.invoicing.exceptions import SeriesExhausted
from xfinances.invoicing.models import MAX_NUMBER, MIN_NUMBER, NumberSeries, SeriesGroup

DEFAULT_RANGE_END = 999_999_999
DEFAULT_SERIES_NAMES: dict[str, str] = {
    SeriesGroup.TAX: "Основна",
    SeriesGroup.PROFORMA: "Проформи",
}


def format_number(value: int) -> str:
    """`42` → `"0000000042"`."""
    if not MIN_NUMBER <= value <= MAX_NUMBER:
        raise ValueError(f"a document number is 1…{MAX_NUMBER} (got {value})")
    return f"{value:010d}"


def parse_number(text: str) -> int:
    """`"0000000042"` or `"42"` → 42; ValueError for anything that is not a valid number."""
    clean = (text or "").strip()
    if not clean.isdigit() or len(clean) > 10:
        raise ValueError(f"{text!r} is not a document number")
    value = int(clean)
    format_number(value)
    return value


def default_series(company: Company, group: str) -> NumberSeries:
    """The company's default series for `group`, created when there is none: 0000000001 …
    0999999999, leaving 1000000001 … free for branch series (ППЗДДС art. 78 practice).

    Two first issues at the same time both try to create it; the loser's insert fails on the
    one-default constraint inside a savepoint and it reads the winner's row instead.
    """
    found = NumberSeries.objects.filter(company=company, group=group, is_default=True).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return NumberSeries.objects.create(
                company=company,
                group=group,
                name=DEFAULT_SERIES_NAMES.get(group, group),
                range_start=MIN_NUMBER,
                range_end=DEFAULT_RANGE_END,
                next_number=MIN_NUMBER,
                is_default=True,
            )
    except IntegrityError:
        return NumberSeries.objects.get(company=company, group=group, is_default=True)


def take_number(
    company: Company,
    series: NumberSeries | int | None,
    issue_date: dt.date,
    *,
    group: str = SeriesGroup.TAX,
) -> tuple[NumberSeries, str]:
    """Lock the series (None: the default series of `group`, made when missing), take its next
    number and move the counter: one guarded UPDATE when the checks pass, else the locked read
    that words the refusal. Call inside the issuing transaction. Refuses an exhausted
    series and a date earlier than the last issued one (a higher number must not carry an
    earlier date)."""
    series_id = series.pk if isinstance(series, NumberSeries) else series
    taken = _take_if_allowed(company, series_id, group, issue_date)
    if taken is not None:
        return taken
    # Nothing was taken: the company has no default series yet, or the series refuses. Lock the
    # row, read it and say why (or make the default series and take its first number).
    if series_id is None:
        locked = locks.lock_default_series(company, group)
        if locked is None:
            locked = locks.lock_series(company, default_series(company, group).pk)
    else:
        locked = locks.lock_series(company, series_id)
    if not locked.is_active:
        raise InvalidInput(
            {"series": [_("The number series “%(name)s” is not active.") % {"name": locked.name}]}
        )
    if locked.next_number > locked.range_end:
        raise SeriesExhausted(
            _(
                "The number series “%(name)s” has no numbers left (it ends at %(end)s). "
                "Add a new series in the settings."
            )
            % {"name": locked.name, "end": format_number(locked.range_end)},
            field="series",
        )
    if locked.last_issue_date is not None and issue_date < locked.last_issue_date:
        raise InvalidInput(
            {
                "issue_date": [
                    _(
                        "Series “%(name)s” already has a document dated %(date)s; a later number "
                        "cannot have an earlier issue date."
                    )
                    % {"name": locked.name, "date": formatting.date(locked.last_issue_date)}
                ]
            }
        )
    number = format_number(locked.next_number)
    locked.next_number += 1
    if locked.last_issue_date is None or issue_date > locked.last_issue_date:
        locked.last_issue_date = issue_date
    locked.save(update_fields=["next_number", "last_issue_date"])
    return locked, number


def _take_if_allowed(
    company: Company, series_id: int | None, group: str, issue_date: dt.date
) -> tuple[NumberSeries, str] | None:
    """Move the counter of the series (None: the default series of `group`) in one guarded
    `UPDATE … RETURNING`, when every check of `take_number` passes; None when none did (or the
    database cannot return rows from an UPDATE). The UPDATE locks the row like `lock_series`
    does: a concurrent issue waits, then PostgreSQL checks the guard again on the row the first
    one committed, so numbers stay consecutive. One statement instead of a locked read and an
    UPDATE through the ORM (~1 ms of Python)."""
    if not connection.features.can_return_columns_from_insert:  # SQLite before 3.35
        return None
    which = "id = %s" if series_id else '"group" = %s AND is_default'
    day = connection.ops.adapt_datefield_value(issue_date)
    columns = model_rows.columns(NumberSeries, "", connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE invoicing_numberseries SET next_number = next_number + 1,"  # noqa: S608 (model columns and placeholders)
            " last_issue_date = CASE WHEN last_issue_date IS NULL OR last_issue_date < %s"
            " THEN %s ELSE last_issue_date END"
            f" WHERE company_id = %s AND {which} AND is_active AND next_number <= range_end"
            " AND (last_issue_date IS NULL OR last_issue_date <= %s)"
            f" RETURNING {columns.sql}",
            [day, day, company.pk, series_id or group, day],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    taken = columns.instance(row, connection)
    return taken, format_number(taken.next_number - 1)
