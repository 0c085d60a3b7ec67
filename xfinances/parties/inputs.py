"""Typed inputs of the parties' actions (core/inputs.py): the one list of a party's fields.

The form, the API, the importer, the demo data and the UBL import all build a `PartyInput`
(`PartyInput.read(raw)` for a new party, `PartyInput.read_changes(raw)` for an update); the
actions only check what needs the database (a duplicate ЕИК, the responsible employee) and the
rules between fields on the whole record (`check_party`), since an update gives some fields only.
A party's contacts and bank accounts are lists of `ContactInput` / `BankAccountInput`, read row
by row so an error names its row ("contacts.0.email").
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Self

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xfinances.core import inputs, readers
from xfinances.core.exceptions import ErrorCollector, InvalidInput
from xfinances.core.identifiers import (
    clean_egn,
    clean_eik,
    clean_iban,
    clean_lnch,
    clean_vat_number,
)
from xfinances.core.inputs import ActionInput, reads
from xfinances.core.models import Currency
from xfinances.core.text_limits import limit_of
from xfinances.parties.models import Party, PartyContact

KINDS = ("company", "person")
LANGUAGES = ("", "bg", "en", "bg-en")
MAX_PAYMENT_TERMS_DAYS = 365
MAX_TAG_LENGTH = 40
# EU VAT prefixes that differ from the ISO country code.
_VAT_PREFIX_COUNTRY = {"EL": "GR"}
_WHITESPACE = re.compile(r"\s+")


def _party_text(name: str, *, multiline: bool = False) -> inputs.Reader:
    return inputs.text(max_length=limit_of(Party, name), multiline=multiline)


def _contact_text(name: str) -> inputs.Reader:
    return inputs.text(max_length=limit_of(PartyContact, name))


def _identifier(cleaner: Callable[[str], str], what: str | Promise) -> inputs.Reader:
    """An optional identifier, compact and checked by its `core.identifiers` cleaner."""

    def read(value: object) -> str:
        found = readers.text(value, max_length=100)
        return readers.identifier(found, cleaner, what=what) if found else ""

    return read


def _kind(value: object) -> str:
    kind = readers.text(value, max_length=20).lower() or "company"
    if kind not in KINDS:
        raise readers.ReadError(_("Choose “company” (legal entity) or “person” (individual)."))
    return kind


def _country(value: object) -> str:
    country = readers.text(value, max_length=100).upper() or "BG"
    if len(country) != 2 or not country.isalpha():
        raise readers.ReadError(_("Enter the two-letter country code, e.g. BG or DE."))
    return country


def _email(value: object) -> str:
    """A lower-cased e-mail address, or empty."""
    return str(inputs.email(value)).lower()


def _payment_terms(value: object) -> int | None:
    """Days from 0 to 365, or None (the company's default) when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, bool | float):
            raise ValueError
        days = value if isinstance(value, int) else int(str(value).strip())
    except ValueError:
        days = -1
    if not 0 <= days <= MAX_PAYMENT_TERMS_DAYS:
        raise readers.ReadError(
            _("Enter a whole number of days from 0 to %(max)d.") % {"max": MAX_PAYMENT_TERMS_DAYS}
        )
    return days


def _language(value: object) -> str:
    language = readers.text(value, max_length=20).lower()
    if language not in LANGUAGES:
        raise readers.ReadError(
            _("Choose bg, en or bg-en (or leave empty for the company default).")
        )
    return language


def clean_tags(value: object) -> list[str]:
    """Tags from a list or a comma-separated string: trimmed, without duplicates (any case)."""
    if value is None:
        return []
    if not isinstance(value, str | list | tuple):
        raise readers.ReadError(_("Enter the tags separated by commas."))
    items: Iterable[Any] = value.split(",") if isinstance(value, str) else value
    tags: list[str] = []
    seen: set[str] = set()
    for item in items:
        tag = _WHITESPACE.sub(" ", readers.text(str(item), max_length=500)).lstrip("#")
        tag = tag.strip()[:MAX_TAG_LENGTH]
        if tag and tag.lower() not in seen:
            seen.add(tag.lower())
            tags.append(tag)
    return tags


def _currency(value: object) -> str:
    currency = readers.text(value, max_length=10).upper()
    if currency and currency not in Currency.values:
        raise readers.ReadError(_("Unknown currency."))
    return currency


@dataclass(frozen=True, kw_only=True)
class ContactInput(ActionInput):
    """A person at the party. Without a name the e-mail names them."""

    name: str = reads(_contact_text("name"), default="")
    position: str = reads(_contact_text("position"), default="")
    email: str = reads(_email, default="")
    phone: str = reads(_contact_text("phone"), default="")
    receives_invoices: bool = reads(inputs.flag, default=False)
    receives_reminders: bool = reads(inputs.flag, default=False)

    @classmethod
    def check_together(cls, values: Mapping[str, Any], errors: ErrorCollector) -> None:
        check_contact(values, errors)

    def named(self) -> ContactInput:
        """The contact as stored: its e-mail stands for a missing name."""
        return self if self.name else dataclasses.replace(self, name=self.email)


def check_contact(values: Mapping[str, Any], errors: ErrorCollector, prefix: str = "") -> None:
    if "name" in values and "email" in values and not values["name"] and not values["email"]:
        errors.add(f"{prefix}name", _("Enter the contact's name or e-mail."))
    receives = values.get("receives_invoices") or values.get("receives_reminders")
    if receives and "email" in values and not values["email"]:
        errors.add(
            f"{prefix}email", _("A contact who receives invoices or reminders needs an e-mail.")
        )


@dataclass(frozen=True, kw_only=True)
class BankAccountInput(ActionInput):
    """One of the party's accounts; a list of them may also be given as IBAN strings."""

    iban: str = reads(lambda v: readers.identifier(v, clean_iban, what="IBAN"), default="")
    currency: str = reads(_currency, default="")
    is_primary: bool = reads(inputs.flag, default=False)


def _rows(item: type[ActionInput], name: str, raw: object, errors: ErrorCollector) -> Any:
    """A list of `item` inputs from mappings (or inputs already typed); errors by row."""
    if raw is None:
        return None
    if not isinstance(raw, list | tuple):
        errors.add(name, _("Enter a list."))
        return None
    found = []
    for index, row in enumerate(raw):
        if isinstance(row, item):
            found.append(row)
            continue
        if item is BankAccountInput and isinstance(row, str):
            row = {"iban": row}
        if not isinstance(row, Mapping):
            errors.add(f"{name}.{index}", _("Enter a list."))
            continue
        values = {k: v for k, v in row.items() if k != "id"}  # an answer's id, sent back
        unknown = set(values) - set(item.field_names())
        if unknown:
            errors.add(f"{name}.{index}", _UNKNOWN[name] % {"f": ", ".join(sorted(unknown))})
            continue
        try:
            found.append(item.read(values))
        except InvalidInput as error:
            for key, messages in error.errors.items():
                for message in messages:
                    errors.add(f"{name}.{index}.{key}", message)
    return tuple(found)


_UNKNOWN = {
    "contacts": _("Unknown contact fields: %(f)s."),
    "bank_accounts": _("Unknown bank account fields: %(f)s."),
}
_NESTED: dict[str, type[ActionInput]] = {
    "contacts": ContactInput,
    "bank_accounts": BankAccountInput,
}


@dataclass(frozen=True, kw_only=True)
class PartyInput(ActionInput):
    """A client or supplier, with the extras the form and the API send along: `iban` (made the
    primary account), `responsible` (a user, their id or e-mail; the action finds the member),
    `contacts` and `bank_accounts` (None keeps them; a list replaces them)."""

    kind: str = reads(_kind, default="company")
    name: str = reads(_party_text("name"), default="")
    name_latin: str = reads(_party_text("name_latin"), default="")
    eik: str = reads(_identifier(clean_eik, _("the ЕИК")), default="")
    vat_number: str = reads(_identifier(clean_vat_number, _("the VAT number")), default="")
    egn: str = reads(_identifier(clean_egn, _("the ЕГН")), default="")
    lnch: str = reads(_identifier(clean_lnch, _("the ЛНЧ")), default="")
    country: str = reads(_country, default="BG")
    city: str = reads(_party_text("city"), default="")
    postcode: str = reads(_party_text("postcode"), default="")
    address: str = reads(_party_text("address"), default="")
    mol: str = reads(_party_text("mol"), default="")
    email: str = reads(_email, default="")
    phone: str = reads(_party_text("phone"), default="")
    is_client: bool = reads(inputs.flag, default=True)
    is_supplier: bool = reads(inputs.flag, default=False)
    payment_terms_days: int | None = reads(_payment_terms, default=None)
    language: str = reads(_language, default="")
    notes: str = reads(_party_text("notes", multiline=True), default="")
    tags: list[str] = reads(clean_tags, default=[])
    iban: str = reads(inputs.iban, default="")
    responsible: object = reads(inputs.as_is, default=None)
    contacts: tuple[ContactInput, ...] | None = reads(inputs.as_is, default=None)
    bank_accounts: tuple[BankAccountInput, ...] | None = reads(inputs.as_is, default=None)

    @classmethod
    def _read(cls, raw: Mapping[str, object], names: Any) -> Self:
        # The lists are read row by row (an error names its row); the rest as usual.
        errors = InvalidInput.collect()
        nested = {
            name: _rows(item, name, raw[name], errors)
            for name, item in _NESTED.items()
            if name in raw and name in names
        }
        try:
            found = super()._read({**raw, **dict.fromkeys(nested)}, names)
        except InvalidInput as error:
            for key, messages in error.errors.items():
                for message in messages:
                    errors.add(key, message)
        errors.raise_if_any()
        found = dataclasses.replace(found, **nested)
        if "eik" in names and "vat_number" in names:
            found = dataclasses.replace(found, eik=eik_from_vat(found.eik, found.vat_number))
        return found

    @classmethod
    def check_together(cls, values: Mapping[str, Any], errors: ErrorCollector) -> None:
        check_party(values, errors)

    def party_values(self) -> dict[str, Any]:
        """The fields stored on the Party row itself."""
        return {name: getattr(self, name) for name in PARTY_FIELDS}


#: The fields of the Party row; the others (iban, responsible, contacts, bank accounts) are
#: written by the action in their own way.
PARTY_FIELDS = tuple(
    name
    for name in PartyInput.field_names()
    if name not in ("iban", "responsible", "contacts", "bank_accounts")
)


def eik_from_vat(eik: str, vat_number: str) -> str:
    """A Bulgarian VAT number is BG + the ЕИК: when only the VAT number is given, the ЕИК is
    known too."""
    number = vat_number[2:]
    if not eik and vat_number.startswith("BG") and len(number) in (9, 13) and number.isdigit():
        return number
    return eik


def check_party(values: Mapping[str, Any], errors: ErrorCollector) -> None:
    """The rules between a party's fields. Fields missing from `values` (not read, or refused
    by their reader) are not judged: an update checks the record with its changes."""
    kind, country = values.get("kind"), values.get("country")
    if "name" in values and not values["name"]:
        if kind == "person":
            errors.add("name", _("Enter the person's full name."))
        else:
            errors.add("name", _("Enter the company's legal name."))
    roles = [values.get("is_client"), values.get("is_supplier")]
    if "is_client" in values and "is_supplier" in values and not any(roles):
        errors.add("is_client", _("Mark the party as a client, a supplier or both."))
    _check_identifiers(values, kind, country, errors)


def _check_identifiers(
    values: Mapping[str, Any], kind: Any, country: Any, errors: ErrorCollector
) -> None:
    egn, lnch = values.get("egn"), values.get("lnch")
    if egn and kind is not None and kind != "person":
        errors.add("egn", _("ЕГН belongs to individuals only: choose the kind “person”."))
    if lnch and kind is not None and kind != "person":
        errors.add("lnch", _("ЛНЧ belongs to individuals only: choose the kind “person”."))
    if egn and lnch:
        errors.add("lnch", _("Enter either ЕГН or ЛНЧ, not both."))
    eik, vat = values.get("eik"), values.get("vat_number")
    if vat and country:
        prefix = vat[:2]
        if _VAT_PREFIX_COUNTRY.get(prefix, prefix) != country:
            errors.add(
                "vat_number",
                _("The VAT number is from %(vat)s but the country is %(country)s.")
                % {"vat": prefix, "country": country},
            )
        elif prefix == "BG" and len(vat) - 2 in (9, 13) and eik and eik != vat[2:]:
            errors.add("vat_number", _("The VAT number must be BG followed by the ЕИК."))
    if eik and country and country != "BG":
        errors.add(
            "eik", _("ЕИК is for Bulgarian parties: for a foreign party enter its VAT number.")
        )
    if (
        kind == "company"
        and country == "BG"
        and "eik" in values
        and "vat_number" in values
        and not eik
        and not vat
    ):
        errors.add("eik", _("A Bulgarian company needs its ЕИК (or its VAT number)."))
