"""Numbers and dates as a person reads them, in the active language.

The one set of formatters for every amount, quantity, rate and date shown to a person: pages
(the template filters in `core/templatetags/formatting.py`), e-mails, PDFs, CLI output and
messages. Bulgarian `1 234,56` (no-break space between thousands, comma decimals) and dates
`dd.mm.yyyy`; English `1,234.56` and ISO dates `yyyy-mm-dd`. Never an exponent (`2E+1`), never
more places than the field has, and trailing zeros only down to the field's minimum:

| what | places | examples (bg) |
|---|---|---|
| `amount` | exactly 2 | `1 234,56`, `9 800,00`, `734,40` |
| `unit_price` | 2 to 4 | `85,00`, `120,50`, `1 499,99`, `0,1234` |
| `quantity` | 0 to 3 | `10`, `2,5`, `0,125` |
| `percent` | 0 to 2 | `20`, `12,5` |
| `exchange_rate` | 4 to 6 | `1,9558`, `1,95583` |

Pure: no database; the language is the active Django language unless one is passed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db.models import Choices
from django.utils import timezone, translation

#: No-break space: keeps `1 234,56` on one line in pages, e-mails and PDFs.
NBSP = "\u00a0"


@dataclass(frozen=True, slots=True)
class NumberStyle:
    thousands: str
    decimal: str
    date_format: str


STYLES = {
    "bg": NumberStyle(thousands=NBSP, decimal=",", date_format="%d.%m.%Y"),
    "en": NumberStyle(thousands=",", decimal=".", date_format="%Y-%m-%d"),
}


def style(language: str | None = None) -> NumberStyle:
    """The style of `language` (a code like `bg` or `en-gb`), else of the active language."""
    code = (language or translation.get_language() or "bg").lower().split("-")[0]
    return STYLES.get(code, STYLES["bg"])


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool | float):
        # A float here is a bug upstream; show it exactly as typed, never as 2E+1.
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(int(value))
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def number(
    value: object,
    *,
    min_places: int = 0,
    max_places: int = 2,
    language: str | None = None,
    grouping: bool = True,
) -> str:
    """`value` rounded half-up to `max_places`, trailing zeros dropped down to `min_places`,
    with the language's separators. Empty for None or text that is not a number."""
    figure = _decimal(value)
    if figure is None:
        return "" if value is None else str(value)
    if not figure.is_finite():
        return str(figure)
    current = style(language)
    rounded = figure.quantize(Decimal(1).scaleb(-max_places), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # never "-0,00"
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    fraction = fraction.rstrip("0")
    fraction = fraction + "0" * (min_places - len(fraction))
    if grouping:
        groups: list[str] = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        groups.insert(0, whole)
        whole = current.thousands.join(groups)
    sign = "-" if rounded < 0 else ""
    return f"{sign}{whole}{current.decimal}{fraction}" if fraction else f"{sign}{whole}"


def amount(value: object, language: str | None = None, *, places: int = 2) -> str:
    """A money amount: exactly two places (`1 234,56`, `9 800,00`)."""
    return number(value, min_places=places, max_places=places, language=language)


def money(value: object, currency: str, language: str | None = None) -> str:
    """An amount with its currency: `1 234,56 EUR` (no-break space before the code)."""
    text = amount(value, language)
    return f"{text}{NBSP}{currency}" if text and currency else text


def unit_price(value: object, language: str | None = None) -> str:
    """A unit price: two to four places (`85,00`, `120,50`, `0,1234`)."""
    return number(value, min_places=2, max_places=4, language=language)


def quantity(value: object, language: str | None = None) -> str:
    """A quantity: up to three places, no trailing zeros (`10`, `2,5`, `0,125`)."""
    return number(value, min_places=0, max_places=3, language=language)


def percent(value: object, language: str | None = None) -> str:
    """A rate or discount in percent, without the sign: up to two places (`20`, `12,5`)."""
    return number(value, min_places=0, max_places=2, language=language)


def exchange_rate(value: object, language: str | None = None) -> str:
    """Units per 1 EUR: four to six places (`1,9558`, `1,95583`), no grouping."""
    return number(value, min_places=4, max_places=6, language=language, grouping=False)


def date(value: dt.date | dt.datetime | str | None, language: str | None = None) -> str:
    """`04.12.2026` in Bulgarian, `2026-12-04` in English; empty for None."""
    if value is None or value == "":
        return ""
    day: dt.date
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return value
    elif isinstance(value, dt.datetime):
        day = value.date()
    else:
        day = value
    return day.strftime(style(language).date_format)


def month(value: dt.date | None, language: str | None = None) -> str:
    """`12.2026` in Bulgarian, `2026-12` in English; empty for None."""
    if value is None:
        return ""
    pattern = style(language).date_format.replace("%d.", "").replace("-%d", "")
    return value.strftime(pattern)


def period(value: object, language: str | None = None) -> str:
    """A month kept as a code or a period: `202603`, `2026-03`, a date or anything with a
    `first` day (accounting's `Period`) → `03.2026` (`2026-03` in English). Other text is
    returned as it is."""
    if isinstance(value, dt.date):
        return month(value, language)
    first = getattr(value, "first", None)
    if isinstance(first, dt.date):
        return month(first, language)
    digits = str(value or "").replace("-", "")
    if len(digits) != 6 or not digits.isdigit() or not 1 <= int(digits[4:]) <= 12:
        return str(value or "")
    return month(dt.date(int(digits[:4]), int(digits[4:]), 1), language)


def datetime(value: dt.datetime | None, language: str | None = None) -> str:
    """`04.12.2026 14:05` in Bulgarian, `2026-12-04 14:05` in English (local time)."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{date(value, language)} {value:%H:%M}"


def choice_label(choices: type[Choices], value: str) -> str:
    """A stored choice's label in the active language, as `get_FOO_display()` gives it (the
    value itself when it is no choice), without what that costs on every call: a dict of all
    the choices built anew and each of their lazy labels translated to be hashed. The names of
    documents in audit records and histories are made thousands of times in a bulk run."""
    key = (choices, value, translation.get_language())
    label = _LABELS.get(key)
    if label is None:
        try:
            label = str(choices(value).label)
        except ValueError:
            return str(value)  # not cached: only the choices' own values are
        _LABELS[key] = label
    return label


#: choice_label's answers by (choices, value, language): a label is fixed per language, and
#: translating a lazy label costs a catalog look-up each time. Bounded: choices in code only.
_LABELS: dict[tuple[type[Choices], str, str | None], str] = {}
