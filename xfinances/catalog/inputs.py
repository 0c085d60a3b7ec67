"""Typed inputs of the catalog's actions (core/inputs.py): the one list of each record's fields."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from xfinances.catalog.models import NapColumn, ProductKind, Unit
from xfinances.core import readers
from xfinances.core.inputs import (
    ActionInput,
    amount,
    as_is,
    choice,
    flag,
    integer,
    optional,
    reads,
    text,
)
from xfinances.core.models import Currency

#: Prices below a trillion, with at most four decimals (the column holds 16 digits, 4 places).
MAX_UNIT_PRICE = Decimal("999999999999.9999")


def _code(value: object) -> str:
    code = slugify(readers.text(value, max_length=200))[:40]
    if not code:
        raise readers.ReadError(_("Enter a short code of Latin letters, digits or dashes."))
    return code


def _rate(value: object) -> Decimal:
    # Stored with two places, so the audit sees no false change between "20" and "20.00".
    return readers.percent(value).quantize(Decimal("0.01"))


@dataclass(frozen=True, kw_only=True)
class VatTreatmentInput(ActionInput):
    code: str = reads(_code, default="")
    name: str = reads(text(max_length=200, required=True), default="")
    name_en: str = reads(text(max_length=200), default="")
    rate: Decimal | None = reads(optional(_rate), default=None)
    legal_basis: str = reads(text(max_length=500, multiline=True), default="")
    reverse_charge: bool = reads(flag, default=False)
    nap_column: str = reads(
        choice(["", *NapColumn.values], _("Unknown VAT ledger column.")), default=""
    )
    is_active: bool = reads(flag, default=True)
    sort_order: int = reads(integer(0, 32767), default=100)


@dataclass(frozen=True, kw_only=True)
class ProductInput(ActionInput):
    name: str = reads(text(max_length=200, required=True), default="")
    name_en: str = reads(text(max_length=200), default="")
    code: str = reads(text(max_length=50), default="")
    kind: str = reads(
        choice(ProductKind.values, _("Choose product or service.")), default=ProductKind.PRODUCT
    )
    unit: str = reads(choice(Unit.values, _("Choose a unit from the list.")), default=Unit.PIECE)
    unit_price: Decimal = reads(amount(places=4, maximum=MAX_UNIT_PRICE), default=Decimal(0))
    currency: str = reads(
        choice(Currency.values, _("Unknown currency."), upper=True), default=Currency.EUR
    )
    #: A VatTreatment, its id or its code; the action finds it among the company's.
    vat_treatment: object = reads(as_is, default="standard")
    description: str = reads(text(max_length=2000, multiline=True), default="")
