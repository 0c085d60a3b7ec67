"""A company's own column profiles for CSV/TXT/XLSX statement exports.

The shipped profiles (`csv_profiles.BUILTIN`) are read-only presets; a company saves its own
(`CsvProfile`: a name and `Profile.to_dict()`), edits, duplicates (a preset or its own) and
deletes them. `preview_profile` reads the first rows of an uploaded sample with a profile
before it is saved, so a wrong delimiter or column shows at once. The importer tries the
company's profiles before the presets (queries.column_profiles).
"""

from __future__ import annotations

import codecs
import datetime as dt
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from xfinances.banking import csv_profiles
from xfinances.banking.messages import statement_problem
from xfinances.banking.models import CsvProfile
from xfinances.banking.records import BankEntry, StatementError
from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can

PREVIEW_ROWS = 10
ENCODINGS = ("cp1251", "utf-8", "utf-8-sig", "iso-8859-5", "koi8-r")


def _check_settings(data: dict[str, Any], errors: Any) -> None:
    delimiter = str(data.get("delimiter") or "")
    if len(delimiter) != 1 or delimiter in '\r\n"':
        errors.add("delimiter", _("The delimiter is one character, such as ; , | or a tab."))
    encoding = str(data.get("encoding") or "")
    try:
        codecs.lookup(encoding)
    except LookupError:
        errors.add("encoding", _("Unknown encoding: choose windows-1251 or UTF-8."))
    formats = data.get("date_formats") or ()
    if isinstance(formats, str) or not formats:
        errors.add("date_formats", _("Give at least one date format, such as %d.%m.%Y."))
    else:
        for fmt in formats:
            text = dt.date(2026, 12, 31).strftime(str(fmt))
            try:
                if dt.datetime.strptime(text, str(fmt)).date() != dt.date(2026, 12, 31):
                    raise ValueError
            except ValueError:
                errors.add("date_formats", _("%(format)s is not a date format.") % {"format": fmt})
    try:
        if int(data.get("skip_rows") or 0) < 0:
            raise ValueError
    except (TypeError, ValueError):
        errors.add("skip_rows", _("Enter a whole number of zero or more."))


def clean_profile(name: object, data: object) -> tuple[str, dict[str, Any]]:
    """(name, profile data) checked; InvalidInput names every wrong field."""
    errors = InvalidInput.collect()
    name = str(name or "").strip()[:120]
    if not name:
        errors.add("name", _("Enter the profile's name."))
    if not isinstance(data, dict):
        raise InvalidInput({"data": [_("The profile's settings are missing.")]})
    _check_settings(data, errors)
    errors.raise_if_any()
    try:
        profile = csv_profiles.Profile.from_dict({**data, "name": name, "key": "company"})
    except StatementError as error:
        raise InvalidInput({"columns": [statement_problem(error)]}) from None
    return name, profile.to_dict()


def _unique_name_error() -> InvalidInput:
    return InvalidInput({"name": [_("The company already has a profile with this name.")]})


@transaction.atomic
def create_profile(
    actor: Actor, company: Company, *, name: str, data: dict[str, Any]
) -> CsvProfile:
    ensure_can(actor, company, "treasury.change")
    name, clean = clean_profile(name, data)
    try:
        with transaction.atomic():
            profile = CsvProfile.objects.create(company=company, name=name, data=clean)
    except IntegrityError:
        raise _unique_name_error() from None
    audit.record_create(actor, company, "create_csv_profile", profile)
    return profile


@transaction.atomic
def update_profile(
    actor: Actor, profile: CsvProfile, *, name: str, data: dict[str, Any]
) -> CsvProfile:
    company = profile.company
    ensure_can(actor, company, "treasury.change")
    name, clean = clean_profile(name, data)
    profile = CsvProfile.objects.select_for_update().get(pk=profile.pk, company=company)
    before = audit.snapshot(profile)
    profile.name, profile.data = name, clean
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:
        raise _unique_name_error() from None
    audit.record_update(actor, company, "update_csv_profile", profile, before)
    return profile


@transaction.atomic
def duplicate_profile(
    actor: Actor, company: Company, source: CsvProfile | csv_profiles.Profile
) -> CsvProfile:
    """A copy the company can edit: of one of its profiles or of a shipped preset."""
    ensure_can(actor, company, "treasury.change")
    if isinstance(source, CsvProfile):
        base_name, data = source.name, dict(source.data)
    else:
        base_name, data = source.name, source.to_dict()
    taken = set(CsvProfile.objects.filter(company=company).values_list("name", flat=True))
    name = _("%(name)s (copy)") % {"name": base_name}
    counter = 2
    while name[:120] in taken:
        name = _("%(name)s (copy %(n)s)") % {"name": base_name, "n": counter}
        counter += 1
    return create_profile(actor, company, name=name[:120], data=data)


@transaction.atomic
def delete_profile(actor: Actor, profile: CsvProfile) -> None:
    company = profile.company
    ensure_can(actor, company, "treasury.change")
    audit.record_delete(actor, company, "delete_csv_profile", profile)
    profile.delete()


@dataclass
class ProfilePreview:
    columns: dict[str, str] = field(default_factory=dict)  # field → the header it found
    entries: list[BankEntry] = field(default_factory=list)


def preview_profile(
    actor: Actor, company: Company, data: dict[str, Any], sample: IO[bytes]
) -> ProfilePreview:
    """The first rows of `sample` read with the profile `data` (saved or not). Writes nothing;
    a file the profile cannot read is refused with the reader's message and line."""
    ensure_can(actor, company, "treasury.view")
    _name, clean = clean_profile(data.get("name") or "preview", data)
    profile = csv_profiles.Profile.from_dict(clean)
    result = ProfilePreview(columns={k: " | ".join(v) for k, v in profile.columns.items()})
    head = sample.read(4096)
    sample.seek(0)
    xlsx = head.startswith(b"PK\x03\x04")
    try:
        for event in csv_profiles.read(
            sample, profile=None if xlsx else profile, xlsx=xlsx, profiles=(profile,)
        ):
            if isinstance(event, BankEntry):
                result.entries.append(event)
                if len(result.entries) >= PREVIEW_ROWS:
                    break
    except StatementError as error:
        raise InvalidInput({"file": [statement_problem(error)]}) from None
    return result
