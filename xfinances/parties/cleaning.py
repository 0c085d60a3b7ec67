"""The rules a party's fields follow, without the database.

`clean_party` takes the complete set of a party's plain fields (as strings, bools and ints from a
form, the API or an import row) and returns canonical values plus field errors. The actions and
the importer both use it, so a row refused in the import preview is refused for the same reason
in the form and the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from xfinances.core.identifiers import (
    IdentifierError,
    clean_egn,
    clean_eik,
    clean_iban,
    clean_lnch,
    clean_vat_number,
)
from xfinances.core.text_limits import limits_of
from xfinances.parties.models import Party

KINDS = ("company", "person")
LANGUAGES = ("", "bg", "en", "bg-en")
MAX_PAYMENT_TERMS_DAYS = 365
MAX_TAG_LENGTH = 40

# Every plain field of a party, with its value when nothing is given.
PARTY_DEFAULTS: dict[str, Any] = {
    "kind": "company",
    "name": "",
    "name_latin": "",
    "eik": "",
    "vat_number": "",
    "egn": "",
    "lnch": "",
    "country": "BG",
    "city": "",
    "postcode": "",
    "address": "",
    "mol": "",
    "email": "",
    "phone": "",
    "is_client": True,
    "is_supplier": False,
    "payment_terms_days": None,
    "language": "",
    "notes": "",
    "tags": [],
}
TEXT_FIELDS = ("name", "name_latin", "city", "postcode", "address", "mol", "phone", "notes")
# The limits of the Party model's fields (one place: the model), checked here so an import row
# gets the message at its field together with the other errors of the row.
MAX_LENGTHS = limits_of(
    Party, "name", "name_latin", "city", "postcode", "address", "mol", "phone", "email", "notes"
)
# EU VAT prefixes that differ from the ISO country code.
_VAT_PREFIX_COUNTRY = {"EL": "GR"}
_WHITESPACE = re.compile(r"\s+")


@dataclass
class CleanParty:
    values: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return _WHITESPACE.sub(" ", str(value)).strip() if not isinstance(value, str) else value.strip()


def clean_tags(value: Any) -> list[str]:
    """Tags from a list or a comma-separated string: trimmed, without duplicates (any case)."""
    if value is None:
        return []
    items: Iterable[Any] = value.split(",") if isinstance(value, str) else value
    tags: list[str] = []
    seen: set[str] = set()
    for item in items:
        tag = _WHITESPACE.sub(" ", str(item)).strip().lstrip("#")[:MAX_TAG_LENGTH]
        if tag and tag.lower() not in seen:
            seen.add(tag.lower())
            tags.append(tag)
    return tags


def clean_email_address(value: Any) -> str:
    """A lower-cased e-mail address or "" ; raises ValidationError when malformed."""
    email = _text(value).lower()
    if email:
        validate_email(email)
    return email


def clean_party(data: Mapping[str, Any]) -> CleanParty:
    """Canonical values of a party's plain fields and the errors, field by field."""
    values = {**PARTY_DEFAULTS, **{k: v for k, v in data.items() if k in PARTY_DEFAULTS}}
    result = CleanParty(values=values)
    for name in TEXT_FIELDS:
        values[name] = _text(values[name])

    kind = _text(values["kind"]).lower() or "company"
    if kind not in KINDS:
        result.add("kind", _("Choose “company” (legal entity) or “person” (individual)."))
    values["kind"] = kind

    country = _text(values["country"]).upper() or "BG"
    if len(country) != 2 or not country.isalpha():
        result.add("country", _("Enter the two-letter country code, e.g. BG or DE."))
    values["country"] = country

    if not values["name"]:
        if kind == "person":
            result.add("name", _("Enter the person's full name."))
        else:
            result.add("name", _("Enter the company's legal name."))

    for name, limit in MAX_LENGTHS.items():
        if name != "email" and len(values[name]) > limit:
            result.add(name, _("Use at most %(limit)d characters.") % {"limit": limit})

    _clean_identifiers(values, result)

    try:
        values["email"] = clean_email_address(values["email"])
    except ValidationError:
        result.add("email", _("Enter a valid e-mail address."))

    for flag in ("is_client", "is_supplier"):
        values[flag] = bool(values[flag])
    if not values["is_client"] and not values["is_supplier"]:
        result.add("is_client", _("Mark the party as a client, a supplier or both."))

    terms = values["payment_terms_days"]
    if terms in ("", None):
        values["payment_terms_days"] = None
    else:
        try:
            days = int(str(terms).strip())
        except ValueError:
            days = -1
        if not 0 <= days <= MAX_PAYMENT_TERMS_DAYS:
            result.add(
                "payment_terms_days",
                _("Enter a whole number of days from 0 to %(max)d.")
                % {"max": MAX_PAYMENT_TERMS_DAYS},
            )
        else:
            values["payment_terms_days"] = days

    language = _text(values["language"]).lower()
    if language not in LANGUAGES:
        result.add(
            "language", _("Choose bg, en or bg-en (or leave empty for the company default).")
        )
    values["language"] = language

    values["tags"] = clean_tags(values["tags"])
    return result


def _clean_identifiers(values: dict[str, Any], result: CleanParty) -> None:
    kind, country = values["kind"], values["country"]
    for name, cleaner in (
        ("eik", clean_eik),
        ("vat_number", clean_vat_number),
        ("egn", clean_egn),
        ("lnch", clean_lnch),
    ):
        raw = _text(values[name])
        values[name] = raw
        if raw:
            try:
                values[name] = cleaner(raw)
            except IdentifierError as error:
                result.add(name, str(error))

    if values["egn"] and kind != "person":
        result.add("egn", _("ЕГН belongs to individuals only: choose the kind “person”."))
    if values["lnch"] and kind != "person":
        result.add("lnch", _("ЛНЧ belongs to individuals only: choose the kind “person”."))
    if values["egn"] and values["lnch"]:
        result.add("lnch", _("Enter either ЕГН or ЛНЧ, not both."))

    vat = values["vat_number"]
    if vat and "vat_number" not in result.errors:
        prefix = vat[:2]
        vat_country = _VAT_PREFIX_COUNTRY.get(prefix, prefix)
        if vat_country != country and "country" not in result.errors:
            result.add(
                "vat_number",
                _("The VAT number is from %(vat)s but the country is %(country)s.")
                % {"vat": prefix, "country": country},
            )
        elif prefix == "BG":
            number = vat[2:]
            if len(number) in (9, 13):
                if not values["eik"] and "eik" not in result.errors:
                    values["eik"] = number  # BG + ЕИК: the ЕИК is known too
                elif values["eik"] and values["eik"] != number:
                    result.add("vat_number", _("The VAT number must be BG followed by the ЕИК."))
    if values["eik"] and country != "BG":
        result.add(
            "eik", _("ЕИК is for Bulgarian parties: for a foreign party enter its VAT number.")
        )
    if (
        kind == "company"
        and country == "BG"
        and not values["eik"]
        and not vat
        and not {"eik", "vat_number"} & set(result.errors)
    ):
        result.add("eik", _("A Bulgarian company needs its ЕИК (or its VAT number)."))


def clean_iban_value(value: Any) -> str:
    """Compact IBAN; raises IdentifierError with the message for the user."""
    return clean_iban(_text(value))


def search_text(
    *,
    name: str,
    name_latin: str = "",
    eik: str = "",
    vat_number: str = "",
    emails: Iterable[str] = (),
    ibans: Iterable[str] = (),
    tags: Iterable[str] = (),
) -> str:
    """The lower-cased text a party is found by. Python lowers Cyrillic; SQLite's LOWER does not."""
    parts = [name, name_latin, eik, vat_number, *emails, *ibans, *(f"#{t}" for t in tags)]
    return " ".join(_WHITESPACE.sub(" ", p).strip().lower() for p in parts if p and p.strip())


def search_terms(query: str) -> list[str]:
    """The query's words, lower-cased; each must occur in the party's search text."""
    return [term for term in _WHITESPACE.split(query.strip().lower()) if term]
