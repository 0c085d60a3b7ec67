"""Typed inputs of the sales-document actions: a document's header (`DraftInput`) and its lines
(`LineInput`), built by the document form, the API schemas and code (the demo, the tests).

`LineInput` is the one declaration of a line's fields: the form's `line_*` inputs
(`LINE_FIELDS`) and the API's line schema (pydantic validates the dataclass itself) come from
it. What a person types is read here through `core/readers.py` (`read_line`, `read_header`), so
`1250,50` means the same on the page and in the API; the actions then check meaning against the
company (its clients, products, VAT treatments, series) and name the field they refuse.

A header field left `UNSET` is not changed by an update (a PATCH sends only what changes);
`lines=None` keeps the lines.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from pydantic import ConfigDict

from xfinances.core import readers
from xfinances.core.exceptions import ErrorCollector, InvalidInput
from xfinances.core.schemas import MAX_TEXT_CHARS, TextLimit
from xfinances.core.text_limits import limit_of
from xfinances.invoicing.models import DocumentLine


class Unset(enum.Enum):
    """A header field the caller did not give (distinct from None: "clear it")."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


@dataclass(frozen=True, kw_only=True)
class LineInput:
    """One line of a document as sent: read, not yet checked against the company. Empty
    values take the product's (description, unit, price, VAT treatment) or the defaults."""

    # The API validates this dataclass as its line schema: an unknown field is a 422.
    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid", title="LineIn")

    description: Annotated[str, TextLimit(limit_of(DocumentLine, "description"))] = ""
    quantity: Decimal | None = None
    unit: Annotated[str, TextLimit(limit_of(DocumentLine, "unit"))] = ""
    unit_price: Decimal | None = None
    discount_percent: Decimal | None = None
    vat_treatment: Annotated[str, TextLimit(MAX_TEXT_CHARS)] = (
        ""  # the VAT treatment's code: "standard", "eu_goods" …
    )
    product_id: int | None = None
    corrected_line_id: int | None = None  # a note's line correcting this invoice line
    advance_document_id: int | None = None  # a line deducting this advance payment invoice


#: The fields of a line, in the order the page shows them.
LINE_FIELDS: Final = tuple(f.name for f in fields(LineInput))
_LINE_IDS = {
    "product_id": _("Choose a product of this company."),
    "corrected_line_id": _("Choose a line of the corrected invoice."),
    "advance_document_id": _("Choose an issued advance payment invoice of this company."),
}


@dataclass(frozen=True, kw_only=True)
class DraftInput:
    """A document's header and lines. Fields left UNSET keep their value (or take the
    defaults of a new draft); `lines=None` keeps the lines."""

    party_id: int | Unset | None = UNSET
    series_id: int | Unset | None = UNSET
    issue_date: dt.date | Unset | None = UNSET
    tax_event_date: dt.date | Unset | None = UNSET
    due_date: dt.date | Unset | None = UNSET
    place_of_issue: str | Unset = UNSET
    payment_method: str | Unset = UNSET
    currency: str | Unset = UNSET
    language: str | Unset = UNSET
    notes: str | Unset = UNSET
    terms: str | Unset = UNSET
    note_reason: str | Unset = UNSET
    issued_by_name: str | Unset = UNSET
    document_discount_percent: Decimal | Unset | None = UNSET
    exchange_rate: Decimal | Unset | None = UNSET
    is_advance: bool | Unset = UNSET
    bank_account_ids: tuple[int, ...] | Unset = UNSET
    lines: tuple[LineInput, ...] | None = None
    #: What the form could not read, by field ("lines.2.quantity"): the action reports it with
    #: its own refusals, so the page shows every error at once (that field then counts as empty).
    unread: Mapping[str, list[str | Promise]] = field(default_factory=dict)

    def header(self) -> dict[str, Any]:
        """The header fields given, by name."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("lines", "unread") and getattr(self, f.name) is not UNSET
        }

    def report_unread(self, errors: ErrorCollector) -> None:
        """Add what could not be read to the action's `errors`."""
        _report(self.unread, errors)

    @property
    def party_given(self) -> bool:
        return self.party_id is not UNSET and self.party_id is not None


def _report(unread: Mapping[str, list[str | Promise]], errors: ErrorCollector) -> None:
    for name, messages in unread.items():
        for message in messages:
            errors.add(name, message)


#: The header fields of a document, in one place.
HEADER_FIELDS: Final = tuple(
    f.name for f in fields(DraftInput) if f.name not in ("lines", "unread")
)


def read_id(value: object, *, message: str | Promise) -> int:
    """A positive id from a form's text (a choice made in a list), or ReadError(`message`)."""
    if isinstance(value, bool):
        raise readers.ReadError(message)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise readers.ReadError(message) from None
    if number <= 0:
        raise readers.ReadError(message)
    return number


def _price(value: object) -> Decimal:
    """A unit price (up to 4 decimals, negative for a deduction) as typed: `300` stays 300,
    not the 300.0000 `readers.amount` would pad it to."""
    padded = readers.amount(value, places=4, allow_negative=True)
    plain = padded.normalize()
    exponent = plain.as_tuple().exponent
    return plain.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else plain


def read_line(values: Mapping[str, object], errors: ErrorCollector, where: str) -> LineInput:
    """A line from what a person typed (the form's strings); errors as `<where>.<field>`."""
    unknown = set(values) - set(LINE_FIELDS)
    if unknown:
        errors.add(where, _("Unknown line fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    read: dict[str, Any] = {}
    for name in ("description", "unit", "vat_treatment"):
        read[name] = str(values.get(name) or "").strip()
    read["quantity"] = readers.field(
        errors,
        f"{where}.quantity",
        readers.quantity,
        values.get("quantity"),
        required=False,
        positive=False,
    )
    read["unit_price"] = readers.field(
        errors, f"{where}.unit_price", _price, values.get("unit_price"), required=False
    )
    read["discount_percent"] = readers.field(
        errors,
        f"{where}.discount_percent",
        readers.percent,
        values.get("discount_percent"),
        required=False,
    )
    for name, message in _LINE_IDS.items():
        read[name] = readers.field(
            errors, f"{where}.{name}", read_id, values.get(name), required=False, message=message
        )
    return LineInput(**read)


def read_lines(rows: Sequence[Mapping[str, object]]) -> tuple[LineInput, ...]:
    """Every line of a form (numbered from 1), or InvalidInput naming each bad value."""
    errors = InvalidInput.collect()
    lines = tuple(read_line(row, errors, f"lines.{n}") for n, row in enumerate(rows, start=1))
    errors.raise_if_any()
    return lines


def _plain_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """A product or VAT treatment object stands for its id or code."""
    plain = dict(values)
    product = plain.pop("product", None)
    if product is not None:
        plain.setdefault("product_id", product.pk)
    treatment = plain.get("vat_treatment")
    if treatment is not None and not isinstance(treatment, str):
        plain["vat_treatment"] = treatment.code
    return plain


def line(**values: Any) -> LineInput:
    """A line from code: Decimals and ids as they are (the demo and the tests build lines this
    way); a product or VAT treatment object may stand for its id or code."""
    plain = _plain_values(values)
    for name in ("quantity", "unit_price", "discount_percent"):
        if isinstance(plain.get(name), str | int):
            plain[name] = Decimal(plain[name])
    return LineInput(**plain)


def _read_lines_of(
    items: Sequence[LineInput | Mapping[str, Any]], errors: ErrorCollector
) -> tuple[LineInput, ...]:
    """LineInputs as they are; dicts read like a form's row (errors to `errors`)."""
    return tuple(
        item
        if isinstance(item, LineInput)
        else read_line(_plain_values(item), errors, f"lines.{number}")
        for number, item in enumerate(items, start=1)
    )


def draft(**values: Any) -> DraftInput:
    """A header (and lines) from code: `party` and `series` objects stand for their ids; lines
    may be LineInputs or dicts read like a form's row (what cannot be read goes to `unread`)."""
    for name in ("party", "series"):
        if name in values:
            obj = values.pop(name)
            values[f"{name}_id"] = obj.pk if obj is not None else None
    errors = InvalidInput.collect()
    if values.get("lines") is not None:
        values["lines"] = _read_lines_of(values["lines"], errors)
    if isinstance(values.get("bank_account_ids"), list):
        values["bank_account_ids"] = tuple(values["bank_account_ids"])
    return DraftInput(**values, unread=errors.errors)


@dataclass(frozen=True, kw_only=True)
class RecurringInput:
    """A recurring invoice: its client, lines and schedule. Fields left UNSET keep their value
    (a new one takes the defaults: monthly on the 1st, EUR, issued automatically)."""

    name: str | Unset = UNSET
    party_id: int | Unset | None = UNSET
    lines: tuple[LineInput, ...] | Unset = UNSET
    currency: str | Unset = UNSET
    language: str | Unset = UNSET
    payment_method: str | Unset = UNSET
    notes: str | Unset = UNSET
    schedule: str | Unset = UNSET
    day_of_month: int | Unset | None = UNSET
    start_date: dt.date | Unset | None = UNSET
    end_date: dt.date | Unset | None = UNSET
    auto_issue: bool | Unset = UNSET
    auto_send: bool | Unset = UNSET
    #: What the form could not read, by field (see `DraftInput.unread`).
    unread: Mapping[str, list[str | Promise]] = field(default_factory=dict)

    def report_unread(self, errors: ErrorCollector) -> None:
        """Add what could not be read to the action's `errors`."""
        _report(self.unread, errors)

    def given(self) -> dict[str, Any]:
        """The fields given, by name."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "unread" and getattr(self, f.name) is not UNSET
        }


#: The fields of a recurring invoice, in one place.
RECURRING_FIELDS: Final = tuple(f.name for f in fields(RecurringInput) if f.name != "unread")


def recurring(**values: Any) -> RecurringInput:
    """A recurring invoice from code: a `party` object stands for its id; lines may be
    LineInputs or dicts read like a form's row (what cannot be read goes to `unread`)."""
    if "party" in values:
        party = values.pop("party")
        values["party_id"] = party.pk if party is not None else None
    errors = InvalidInput.collect()
    if "lines" in values:
        values["lines"] = _read_lines_of(values["lines"] or (), errors)
    return RecurringInput(**values, unread=errors.errors)
