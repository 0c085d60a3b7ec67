"""Reading what a person typed: dates, amounts, quantities, percentages, identifiers.

One module, one set of messages. Forms, API schemas and the CLI build an action's typed input
through these readers, so `1250,50` means the same everywhere and no field multiplies by 100.

Each reader takes the raw value and returns the typed value or raises `ReadError` whose message
is translated and names no field (the caller knows the field). `collect()` turns the readers into
field-keyed errors for an `ErrorCollector`:

    errors = InvalidInput.collect()
    amount = readers.field(errors, "amount", readers.amount, raw["amount"])
    day = readers.field(errors, "date", readers.date, raw["date"])
    errors.raise_if_any()
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xfinances.core import formatting
from xfinances.core.exceptions import ErrorCollector
from xfinances.core.identifiers import IdentifierError

#: The largest amount the product accepts: twelve digits before the decimal point. It fits every
#: amount column (18 digits, 2 places) with room for sums, and `invoicing.words` can say it.
MAX_AMOUNT = Decimal("999999999999.99")
#: Quantities: up to 12 digits with 3 places (the lines' column is 15,3).
MAX_QUANTITY = Decimal("999999999999.999")
#: Powers of ten beyond any amount, quantity or percentage (and their smallest fractions).
_MAX_MAGNITUDE = 30
_SPACES = re.compile(r"[\s\u00a0\u202f']")


class ReadError(ValueError):
    """The value cannot be read; `message` is translated and names no field."""

    def __init__(self, message: str | Promise):
        self.message = message
        super().__init__(str(message))


def _number(value: object) -> Decimal:
    """A Decimal from what a person types in either language: `1250,50`, `1250.50`,
    `1 250,50`, `1,250.50`, `1.250,50`. Floats and bools are refused (not exact)."""
    if isinstance(value, bool | float):
        raise ReadError(_("Enter a number, e.g. 1250,50."))
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        if value.bit_length() > 128:  # converting a huge int to Decimal takes seconds
            raise ReadError(_("Enter a number, e.g. 1250,50."))
        result = Decimal(value)
    elif isinstance(value, str):
        text = _SPACES.sub("", value)
        if not text:
            raise ReadError(_("Enter a number, e.g. 1250,50."))
        if "," in text and "." in text:
            # The separator that comes last is the decimal one; the other groups thousands.
            if text.rfind(",") > text.rfind("."):
                text = text.replace(".", "").replace(",", ".")
            else:
                text = text.replace(",", "")
        elif text.count(",") == 1:
            text = text.replace(",", ".")
        elif text.count(",") > 1 or text.count(".") > 1:
            raise ReadError(_("Enter a number, e.g. 1250,50."))
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
            raise ReadError(_("Enter a number, e.g. 1250,50."))
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ReadError(_("Enter a number, e.g. 1250,50.")) from None
    else:
        raise ReadError(_("Enter a number, e.g. 1250,50."))
    # A number no reader could accept (a thousand digits, 1E+999999999) is refused here, before
    # `normalize()` overflows the decimal context on it.
    if not result.is_finite() or abs(result.adjusted()) > _MAX_MAGNITUDE:
        raise ReadError(_("Enter a number, e.g. 1250,50."))
    return result


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def amount(
    value: object,
    *,
    places: int = 2,
    positive: bool = False,
    allow_negative: bool = False,
    maximum: Decimal = MAX_AMOUNT,
) -> Decimal:
    """A money amount with at most `places` decimals, within ±`maximum`.

    `positive`: zero is refused too. `allow_negative`: below zero is accepted (corrections)."""
    number = _number(value)
    if _places(number) > places:
        raise ReadError(_("Use at most %(places)d decimal places.") % {"places": places})
    if abs(number) > maximum:
        raise ReadError(_("The amount is too large (at most 999 999 999 999,99)."))
    if positive and number <= 0:
        raise ReadError(_("Enter an amount greater than zero."))
    if not allow_negative and number < 0:
        raise ReadError(_("The amount cannot be negative."))
    return number.quantize(Decimal(1).scaleb(-places)) if places else number


def quantity(value: object, *, places: int = 3, positive: bool = True) -> Decimal:
    """A quantity with at most `places` decimals; greater than zero unless told otherwise."""
    number = _number(value)
    if _places(number) > places:
        raise ReadError(_("Use at most %(places)d decimal places.") % {"places": places})
    if abs(number) > MAX_QUANTITY:
        raise ReadError(_("The quantity is too large."))
    if positive and number <= 0:
        raise ReadError(_("Enter a quantity greater than zero."))
    return number


def percent(value: object, *, places: int = 2, maximum: Decimal = Decimal(100)) -> Decimal:
    """A percentage from 0 to `maximum` with at most `places` decimals (`20`, `20,5`, `9 %`)."""
    if isinstance(value, str):
        value = value.replace("%", "")
    number = _number(value)
    if _places(number) > places:
        raise ReadError(_("Use at most %(places)d decimal places.") % {"places": places})
    if number < 0 or number > maximum:
        raise ReadError(
            _("Enter a percentage from 0 to %(maximum)s.") % {"maximum": f"{maximum:f}"}
        )
    return number


def date_bounds() -> tuple[dt.date, dt.date]:
    """The sane range of business dates: settings `XFINANCES_MIN_DATE` and `XFINANCES_MAX_DATE`
    (ISO dates, default 2000-01-01 … 2099-12-31). A date outside it is a typing mistake (a due
    date of 0001-01-01 made a reminder 739,952 days overdue) or cannot be stored everywhere."""
    low = getattr(settings, "XFINANCES_MIN_DATE", "2000-01-01")
    high = getattr(settings, "XFINANCES_MAX_DATE", "2099-12-31")
    return _as_date(low), _as_date(high)


def _as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def date_range(
    start: dt.date | None, end: dt.date | None, *, end_field: str, errors: ErrorCollector
) -> None:
    """Adds an error under `end_field` when `end` comes before `start` (a due date before the
    issue date, a period that ends before it begins)."""
    if start is not None and end is not None and end < start:
        errors.add(
            end_field,
            _("This date cannot be before %(date)s.") % {"date": formatting.date(start)},
        )


_BG_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s*г\.?)?")


def date(value: object, *, bounded: bool = True) -> dt.date:
    """A date as `YYYY-MM-DD` or the Bulgarian `dd.mm.yyyy`, within the sane range."""
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        found = _BG_DATE.fullmatch(text)
        try:
            if found:
                day = dt.date(int(found[3]), int(found[2]), int(found[1]))
            else:
                day = dt.date.fromisoformat(text)
        except ValueError:
            raise ReadError(_("Enter a date as dd.mm.yyyy or YYYY-MM-DD.")) from None
    else:
        raise ReadError(_("Enter a date as dd.mm.yyyy or YYYY-MM-DD."))
    if bounded:
        within_bounds(day)
    return day


def within_bounds(day: dt.date) -> dt.date:
    """`day` when it lies in the sane range (`date_bounds`), else `ReadError`."""
    low, high = date_bounds()
    if not low <= day <= high:
        raise ReadError(
            _("Enter a date between %(low)s and %(high)s.")
            % {"low": low.strftime("%d.%m.%Y"), "high": high.strftime("%d.%m.%Y")}
        )
    return day


def within_amount_range(number: Decimal, maximum: Decimal = MAX_AMOUNT) -> Decimal:
    """`number` when it is finite and within ±`maximum` (what every amount column holds, with
    room for sums), else `ReadError`. For code that reads amounts its own way."""
    if not number.is_finite():
        raise ReadError(_("Enter a number, e.g. 1250,50."))
    if abs(number) > maximum:
        raise ReadError(_("The amount is too large (at most 999 999 999 999,99)."))
    return number


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text(value: object, *, max_length: int, required: bool = False, multiline: bool = False) -> str:
    """Text a person typed: stripped, without NUL, control characters or lone surrogates,
    at most `max_length` characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ReadError(_("Enter text."))
    cleaned = value.strip()
    if not multiline:
        cleaned = cleaned.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    if _CONTROL.search(cleaned):
        raise ReadError(_("The text contains characters that are not allowed."))
    try:
        cleaned.encode("utf-8")
    except UnicodeEncodeError:
        raise ReadError(_("The text contains characters that are not allowed.")) from None
    if len(cleaned) > max_length:
        raise ReadError(
            _("Use at most %(limit)d characters (this has %(count)d).")
            % {"limit": max_length, "count": len(cleaned)}
        )
    if required and not cleaned:
        raise ReadError(_("This field is required."))
    return cleaned


def identifier(value: object, cleaner: Callable[[str], str], *, what: str | Promise) -> str:
    """An identifier checked by one of `core.identifiers`' cleaners (`clean_eik`,
    `clean_vat_number`, `clean_iban`, ...), in its compact form."""
    if not isinstance(value, str) or not value.strip():
        raise ReadError(_("Enter %(what)s.") % {"what": what})
    try:
        return cleaner(value.strip())
    except IdentifierError as error:
        raise ReadError(str(error)) from None


T = TypeVar("T")


def field(
    errors: ErrorCollector,
    name: str,
    reader: Callable[..., T],
    value: object,
    *,
    required: bool = True,
    **options: object,
) -> T | None:
    """Read one field, adding the reader's message under `name` instead of raising.
    An empty value is None, or the error "This field is required." when `required`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(name, _("This field is required."))
        return None
    try:
        return reader(value, **options)
    except ReadError as error:
        errors.add(name, error.message)
        return None
