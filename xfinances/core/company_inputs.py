"""The typed input of a company's details (core/inputs.py): one list for the action, the
settings form and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xfinances.core import inputs, readers
from xfinances.core.identifiers import clean_eik, clean_vat_number
from xfinances.core.inputs import ActionInput, reads
from xfinances.core.models import Currency

#: The most a PositiveSmallIntegerField holds.
_SMALL = 32767


def _identifier(cleaner: Callable[[str], str], what: str | Promise, *, required: bool) -> Callable:
    def read(value: object) -> str:
        if not required and not readers.text(value, max_length=100):
            return ""
        return readers.identifier(value, cleaner, what=what)

    return read


@dataclass(frozen=True, kw_only=True)
class CompanyInput(ActionInput):
    """A company's details, in the order of the settings form. `logo` is an uploaded image,
    or "" to remove it."""

    name: str = reads(inputs.text(max_length=200, required=True), default="")
    name_latin: str = reads(inputs.text(max_length=200), default="")
    eik: str = reads(_identifier(clean_eik, _("the ЕИК"), required=True), default="")
    vat_number: str = reads(
        _identifier(clean_vat_number, _("the VAT number"), required=False), default=""
    )
    vat_registered: bool = reads(inputs.flag, default=True)
    country: str = reads(inputs.text(max_length=2), default="BG")
    city: str = reads(inputs.text(max_length=100), default="")
    postcode: str = reads(inputs.text(max_length=10), default="")
    address: str = reads(inputs.text(max_length=300), default="")
    mol: str = reads(inputs.text(max_length=200), default="")
    email: str = reads(inputs.email, default="")
    phone: str = reads(inputs.text(max_length=50), default="")
    logo: object = reads(inputs.as_is, default="")
    default_currency: str = reads(
        inputs.choice(Currency.values, _("Unknown currency."), upper=True), default=Currency.EUR
    )
    document_language: str = reads(
        inputs.choice(["bg", "en", "bg-en"], _("Choose one of the offered values.")), default="bg"
    )
    payment_terms_days: int = reads(inputs.integer(0, _SMALL), default=14)
    place_of_issue: str = reads(inputs.text(max_length=100), default="")
    lock_date: dt.date | None = reads(inputs.optional(inputs.date), default=None)
    edit_window_days: int = reads(inputs.integer(0, _SMALL), default=30)


@dataclass(frozen=True, kw_only=True)
class NewCompanyInput(CompanyInput):
    """A new company (`create_company`): the details above, without a logo yet; `iban` becomes
    its default bank account. Without a VAT number the company is not VAT-registered."""

    iban: str = reads(inputs.iban, default="")
