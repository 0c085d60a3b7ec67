"""Every write to parties: create, update, archive, contacts, bank accounts, import."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from xfinances.core import audit
from xfinances.core.arguments import ensure_known_fields
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.identifiers import IdentifierError, bank_name_for_iban, bic_for_iban
from xfinances.core.models import Company, Currency, Membership, User
from xfinances.core.permissions import ensure_can
from xfinances.parties.cleaning import (
    PARTY_DEFAULTS,
    clean_email_address,
    clean_iban_value,
    clean_party,
    search_text,
)
from xfinances.parties.importing import ImportedRow, read_parties
from xfinances.parties.models import Party, PartyBankAccount, PartyContact, PartyImport

PARTY_FIELDS = frozenset(PARTY_DEFAULTS)
EXTRA_FIELDS = frozenset({"iban", "responsible", "contacts", "bank_accounts"})
CONTACT_FIELDS = ("name", "position", "email", "phone", "receives_invoices", "receives_reminders")


def party_url(party: Party) -> str:
    return reverse("parties:detail", args=[party.company.eik, party.pk])


def refresh_search_text(party: Party) -> None:
    """Rebuild the lower-cased search text from the party, its contacts and bank accounts."""
    contacts = PartyContact.objects.filter(company_id=party.company_id, party=party)
    accounts = PartyBankAccount.objects.filter(company_id=party.company_id, party=party)
    text = search_text(
        name=party.name,
        name_latin=party.name_latin,
        eik=party.eik,
        vat_number=party.vat_number,
        emails=[party.email, *(c.email for c in contacts)],
        ibans=[a.iban for a in accounts],
        tags=party.tags,
    )
    if text != party.search_text:
        party.search_text = text
        Party.objects.filter(pk=party.pk).update(search_text=text)


def _check_unique_eik(company: Company, eik: str, exclude: int | None = None) -> None:
    if not eik:
        return
    found = Party.objects.filter(company=company, eik=eik)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    existing = found.first()
    if existing is not None:
        raise Conflict(
            _("A party with ЕИК %(eik)s already exists: %(name)s.")
            % {"eik": eik, "name": existing.name},
            link=party_url(existing),
            field="eik",
        )


def _responsible(company: Company, value: Any) -> User | None:
    """The responsible employee: a user id, a User, an e-mail, or empty. Must be a member."""
    if value in (None, ""):
        return None
    membership = Membership.objects.select_related("user").filter(company=company)
    if isinstance(value, User):
        found = membership.filter(user=value).first()
    elif isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        found = membership.filter(user_id=int(value)).first()
    else:
        found = membership.filter(user__email__iexact=str(value).strip()).first()
    if found is None:
        raise InvalidInput(
            {"responsible": [_("The responsible employee must be a user of this company.")]}
        )
    return found.user


def _clean_contacts(contacts: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    errors = InvalidInput.collect()
    clean: list[dict[str, Any]] = []
    for index, contact in enumerate(contacts):
        unknown = set(contact) - set(CONTACT_FIELDS) - {"id"}
        if unknown:
            errors.add(
                f"contacts.{index}",
                _("Unknown contact fields: %(f)s.") % {"f": ", ".join(sorted(unknown))},
            )
            continue
        row = {
            "name": str(contact.get("name") or "").strip()[:200],
            "position": str(contact.get("position") or "").strip()[:100],
            "phone": str(contact.get("phone") or "").strip()[:50],
            "receives_invoices": bool(contact.get("receives_invoices")),
            "receives_reminders": bool(contact.get("receives_reminders")),
            "email": "",
        }
        try:
            row["email"] = clean_email_address(contact.get("email"))
        except ValidationError:
            errors.add(f"contacts.{index}.email", _("Enter a valid e-mail address."))
        if not row["name"] and not row["email"]:
            errors.add(f"contacts.{index}.name", _("Enter the contact's name or e-mail."))
        if (row["receives_invoices"] or row["receives_reminders"]) and not row["email"]:
            errors.add(
                f"contacts.{index}.email",
                _("A contact who receives invoices or reminders needs an e-mail."),
            )
        row["name"] = row["name"] or row["email"]
        clean.append(row)
    errors.raise_if_any()
    return clean


def _clean_bank_accounts(accounts: Iterable[Mapping[str, Any] | str]) -> list[dict[str, Any]]:
    errors = InvalidInput.collect()
    clean: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, account in enumerate(accounts):
        data = {"iban": account} if isinstance(account, str) else dict(account)
        try:
            iban = clean_iban_value(data.get("iban"))
        except IdentifierError as error:
            errors.add(f"bank_accounts.{index}.iban", str(error))
            continue
        currency = str(data.get("currency") or "").upper()
        if currency and currency not in Currency.values:
            errors.add(f"bank_accounts.{index}.currency", _("Unknown currency."))
        if iban in seen:
            continue
        seen.add(iban)
        clean.append(
            {"iban": iban, "currency": currency, "is_primary": bool(data.get("is_primary"))}
        )
    errors.raise_if_any()
    if clean and not any(a["is_primary"] for a in clean):
        clean[0]["is_primary"] = True
    first = True
    for account in clean:  # exactly one primary
        if account["is_primary"] and first:
            first = False
        else:
            account["is_primary"] = False
    return clean


def _clean_all(
    company: Company, data: Mapping[str, Any], *, exclude: int | None = None
) -> dict[str, Any]:
    """Validate plain fields and the nested values together, so every error shows at once."""
    result = clean_party(data)
    errors = dict(result.errors)
    extras: dict[str, Any] = {}
    if data.get("iban") not in (None, ""):
        try:
            extras["iban"] = clean_iban_value(data["iban"])
        except IdentifierError as error:
            errors.setdefault("iban", []).append(str(error))
    for name, cleaner in (("contacts", _clean_contacts), ("bank_accounts", _clean_bank_accounts)):
        if data.get(name) is not None:
            try:
                extras[name] = cleaner(data[name])
            except InvalidInput as error:
                errors.update(error.errors)
    if "responsible" in data:
        try:
            extras["responsible"] = _responsible(company, data["responsible"])
        except InvalidInput as error:
            errors.update(error.errors)
    if errors:
        raise InvalidInput({name: list[str | Promise](found) for name, found in errors.items()})
    _check_unique_eik(company, result.values["eik"], exclude)
    return {**result.values, **extras}


def _record_list_change(
    actor: Actor, party: Party, action: str, name: str, before: list[Any], after: list[Any]
) -> None:
    """Contacts and bank accounts show in the party's history as one field, before → after."""
    audit.record_changes(actor, party.company, action, party, {name: (before, after)})


def _contact_label(contact: Mapping[str, Any]) -> str:
    roles = []
    if contact.get("receives_invoices"):
        roles.append("invoices")
    if contact.get("receives_reminders"):
        roles.append("reminders")
    label = (
        f"{contact['name']} <{contact['email']}>" if contact.get("email") else str(contact["name"])
    )
    return f"{label} [{', '.join(roles)}]" if roles else label


def _replace_contacts(
    actor: Actor, party: Party, contacts: Sequence[Mapping[str, Any]], action: str
) -> None:
    old = list(PartyContact.objects.filter(company_id=party.company_id, party=party))
    before = sorted(_contact_label(audit.snapshot(c)) for c in old)
    after = sorted(_contact_label(c) for c in contacts)
    if before == after:
        return
    PartyContact.objects.filter(company_id=party.company_id, party=party).delete()
    PartyContact.objects.bulk_create(
        [PartyContact(company_id=party.company_id, party=party, **c) for c in contacts]
    )
    _record_list_change(actor, party, action, "contacts", before, after)


def _replace_bank_accounts(
    actor: Actor, party: Party, accounts: Sequence[Mapping[str, Any]], action: str
) -> None:
    old = list(PartyBankAccount.objects.filter(company_id=party.company_id, party=party))
    before = [(a.iban, a.currency, a.is_primary) for a in old]
    after = [(a["iban"], a["currency"], a["is_primary"]) for a in accounts]
    if sorted(before) == sorted(after):
        return
    PartyBankAccount.objects.filter(company_id=party.company_id, party=party).delete()
    PartyBankAccount.objects.bulk_create(
        [
            PartyBankAccount(
                company_id=party.company_id,
                party=party,
                bic=bic_for_iban(a["iban"]),
                bank_name=bank_name_for_iban(a["iban"])[:200],
                **a,
            )
            for a in accounts
        ]
    )
    _record_list_change(
        actor, party, action, "bank_accounts", [b[0] for b in before], [a[0] for a in after]
    )


def _set_primary_iban(actor: Actor, party: Party, iban: str, action: str) -> None:
    """Make `iban` the primary account, adding it when the party does not have it yet."""
    accounts = [
        {"iban": a.iban, "currency": a.currency, "is_primary": False}
        for a in PartyBankAccount.objects.filter(company_id=party.company_id, party=party)
    ]
    current = next((a for a in accounts if a["iban"] == iban), None)
    if current is None:
        current = {"iban": iban, "currency": "", "is_primary": False}
        accounts.insert(0, current)
    current["is_primary"] = True
    _replace_bank_accounts(actor, party, accounts, action)


def _save_unique(party: Party, **kwargs: Any) -> None:
    """Save; a concurrent duplicate ЕИК that slipped past the check becomes a Conflict."""
    try:
        with transaction.atomic():
            party.save(**kwargs)
    except IntegrityError:
        _check_unique_eik(party.company, party.eik, party.pk)
        raise


@transaction.atomic
def create_party(actor: Actor, company: Company, **data: Any) -> Party:
    """A new client and/or supplier. Extra keys: iban, bank_accounts, contacts, responsible."""
    ensure_can(actor, company, "parties.change")
    return _create_party(actor, company, data, "create_party")


def _create_party(actor: Actor, company: Company, data: Mapping[str, Any], action: str) -> Party:
    ensure_known_fields(data, PARTY_FIELDS | EXTRA_FIELDS, "party")
    clean = _clean_all(company, data)
    party = Party(company=company, **{k: clean[k] for k in PARTY_FIELDS})
    party.responsible = clean.get("responsible")
    _save_unique(party)
    audit.record_create(actor, company, action, party)
    if clean.get("contacts"):
        _replace_contacts(actor, party, clean["contacts"], action)
    if clean.get("bank_accounts"):
        _replace_bank_accounts(actor, party, clean["bank_accounts"], action)
    if clean.get("iban"):
        _set_primary_iban(actor, party, clean["iban"], action)
    refresh_search_text(party)
    return party


def _lock(party: Party) -> Party:
    return (
        Party.objects.select_for_update()
        .select_related("company")
        .get(pk=party.pk, company_id=party.company_id)
    )


@transaction.atomic
def update_party(actor: Actor, party: Party, **data: Any) -> Party:
    """Change the given fields only. `contacts`/`bank_accounts`, when given, replace the lists;
    `iban` makes that account the primary one."""
    ensure_can(actor, party.company, "parties.change")
    ensure_known_fields(data, PARTY_FIELDS | EXTRA_FIELDS, "party")
    party = _lock(party)
    if party.is_archived:
        raise InvalidInput(_("This party is archived: restore it before changing it."))
    current = {name: getattr(party, name) for name in PARTY_FIELDS}
    clean = _clean_all(party.company, {**current, **data}, exclude=party.pk)
    before = audit.snapshot(party)
    for name in PARTY_FIELDS:
        setattr(party, name, clean[name])
    if "responsible" in data:
        party.responsible = clean["responsible"]
    _save_unique(party)
    audit.record_update(actor, party.company, "update_party", party, before)
    if "contacts" in data and data["contacts"] is not None:
        _replace_contacts(actor, party, clean["contacts"], "update_party")
    if "bank_accounts" in data and data["bank_accounts"] is not None:
        _replace_bank_accounts(actor, party, clean["bank_accounts"], "update_party")
    if clean.get("iban"):
        _set_primary_iban(actor, party, clean["iban"], "update_party")
    refresh_search_text(party)
    return party


@transaction.atomic
def archive_party(actor: Actor, party: Party, reason: str = "") -> Party:
    """Hide the party from lists and new documents; documents that name it keep it."""
    ensure_can(actor, party.company, "parties.delete")
    party = _lock(party)
    if party.is_archived:
        return party
    before = audit.snapshot(party)
    party.is_archived = True
    party.archived_at = timezone.now()
    party.save(update_fields=["is_archived", "archived_at"])
    audit.record_update(actor, party.company, "archive_party", party, before, reason)
    return party


@transaction.atomic
def restore_party(actor: Actor, party: Party) -> Party:
    ensure_can(actor, party.company, "parties.delete")
    party = _lock(party)
    if not party.is_archived:
        return party
    before = audit.snapshot(party)
    party.is_archived = False
    party.archived_at = None
    party.save(update_fields=["is_archived", "archived_at"])
    audit.record_update(actor, party.company, "restore_party", party, before)
    return party


def _contacts_of(party: Party) -> list[dict[str, Any]]:
    return [
        {name: getattr(c, name) for name in CONTACT_FIELDS}
        for c in PartyContact.objects.filter(company_id=party.company_id, party=party).order_by(
            "id"
        )
    ]


@transaction.atomic
def add_party_contact(actor: Actor, party: Party, **contact: Any) -> PartyContact:
    ensure_can(actor, party.company, "parties.change")
    party = _lock(party)
    clean = _clean_contacts([contact])[0]
    _replace_contacts(actor, party, [*_contacts_of(party), clean], "add_party_contact")
    refresh_search_text(party)
    return PartyContact.objects.filter(company_id=party.company_id, party=party).latest("id")


@transaction.atomic
def remove_party_contact(actor: Actor, contact: PartyContact) -> None:
    party = _lock(contact.party)
    ensure_can(actor, party.company, "parties.change")
    remaining = [
        {name: getattr(c, name) for name in CONTACT_FIELDS}
        for c in PartyContact.objects.filter(company_id=party.company_id, party=party)
        .exclude(pk=contact.pk)
        .order_by("id")
    ]
    _replace_contacts(actor, party, remaining, "remove_party_contact")
    refresh_search_text(party)


def _accounts_of(party: Party) -> list[dict[str, Any]]:
    return [
        {"iban": a.iban, "currency": a.currency, "is_primary": a.is_primary}
        for a in PartyBankAccount.objects.filter(company_id=party.company_id, party=party).order_by(
            "id"
        )
    ]


@transaction.atomic
def add_party_bank_account(
    actor: Actor, party: Party, *, iban: str, currency: str = "", is_primary: bool = False
) -> PartyBankAccount:
    ensure_can(actor, party.company, "parties.change")
    party = _lock(party)
    try:
        clean = clean_iban_value(iban)
    except IdentifierError as error:
        raise InvalidInput({"iban": [str(error)]})
    accounts = _accounts_of(party)
    if any(a["iban"] == clean for a in accounts):
        raise Conflict(_("This IBAN is already one of the party's accounts."), field="iban")
    if is_primary:
        for account in accounts:
            account["is_primary"] = False
    accounts.append({"iban": clean, "currency": currency, "is_primary": is_primary})
    _replace_bank_accounts(actor, party, _clean_bank_accounts(accounts), "add_party_bank_account")
    refresh_search_text(party)
    return PartyBankAccount.objects.get(company_id=party.company_id, party=party, iban=clean)


@transaction.atomic
def remove_party_bank_account(actor: Actor, account: PartyBankAccount) -> None:
    party = _lock(account.party)
    ensure_can(actor, party.company, "parties.change")
    remaining = [a for a in _accounts_of(party) if a["iban"] != account.iban]
    _replace_bank_accounts(
        actor, party, _clean_bank_accounts(remaining), "remove_party_bank_account"
    )
    refresh_search_text(party)


# --- import -------------------------------------------------------------------------------


@transaction.atomic
def upload_party_import(
    actor: Actor, company: Company, *, filename: str, content: bytes
) -> PartyImport:
    """Keep an uploaded file for its preview; nothing is imported yet."""
    ensure_can(actor, company, "parties.import")
    if not content:
        raise InvalidInput({"file": [_("The file is empty.")]})
    if len(content) > 5 * 1024 * 1024:
        raise InvalidInput(
            {"file": [_("The file is larger than 5 MB: split it into smaller files.")]}
        )
    upload = PartyImport.objects.create(
        company=company,
        uploaded_by=actor.user,
        filename=(filename or "parties.csv")[:255],
        content=content,
    )
    audit.record_event(
        actor,
        company,
        "upload_party_import",
        upload,
        {"filename": upload.filename, "bytes": len(content)},
    )
    return upload


@dataclass(frozen=True)
class ImportOutcome:
    upload: PartyImport
    created: list[Party]
    skipped: list[dict[str, Any]]  # {"line": n, "errors": {field: [message]}}
    already_applied: bool = False


def _row_data(row: ImportedRow) -> dict[str, Any]:
    return {
        k: v
        for k, v in row.values.items()
        if v is not None and (k in PARTY_FIELDS or k in EXTRA_FIELDS)
    }


@transaction.atomic
def import_parties(actor: Actor, company: Company, upload: PartyImport) -> ImportOutcome:
    """Create a party for every valid row of the upload, in one transaction.

    Rows with errors (in the file, or a ЕИК that already exists) are skipped and listed.
    Confirming an upload a second time creates nothing.
    """
    ensure_can(actor, company, "parties.import")
    ensure_can(actor, company, "parties.change")
    upload = PartyImport.objects.select_for_update().get(pk=upload.pk, company=company)
    if upload.status != PartyImport.Status.PENDING:
        return ImportOutcome(upload, [], list(upload.skipped_rows), already_applied=True)
    parsed = read_parties(bytes(upload.content), upload.filename)
    if parsed.errors:
        raise InvalidInput({"file": list[str | Promise](parsed.errors)})
    created: list[Party] = []
    skipped: list[dict[str, Any]] = []
    for row in parsed.rows:
        if row.errors:
            skipped.append({"line": row.line, "errors": row.errors})
            continue
        try:
            with transaction.atomic():
                created.append(_create_party(actor, company, _row_data(row), "import_parties"))
        except InvalidInput as error:
            skipped.append({"line": row.line, "errors": error.errors})
        except Conflict as error:
            skipped.append({"line": row.line, "errors": {error.field: [error.message]}})
        except NotAllowed:
            raise
    upload.status = PartyImport.Status.APPLIED
    upload.created_count = len(created)
    upload.skipped_count = len(skipped)
    upload.skipped_rows = skipped
    upload.applied_at = timezone.now()
    upload.save(
        update_fields=["status", "created_count", "skipped_count", "skipped_rows", "applied_at"]
    )
    audit.record_event(
        actor,
        company,
        "import_parties",
        upload,
        {"filename": upload.filename, "created": len(created), "skipped": len(skipped)},
    )
    return ImportOutcome(upload, created, skipped)


@transaction.atomic
def cancel_party_import(actor: Actor, upload: PartyImport) -> PartyImport:
    ensure_can(actor, upload.company, "parties.import")
    upload = PartyImport.objects.select_for_update().get(pk=upload.pk, company_id=upload.company_id)
    if upload.status == PartyImport.Status.PENDING:
        upload.status = PartyImport.Status.CANCELLED
        upload.save(update_fields=["status"])
        audit.record_event(
            actor, upload.company, "cancel_party_import", upload, {"filename": upload.filename}
        )
    return upload


__all__ = [
    "ImportOutcome",
    "add_party_bank_account",
    "add_party_contact",
    "archive_party",
    "cancel_party_import",
    "create_party",
    "import_parties",
    "remove_party_bank_account",
    "remove_party_contact",
    "restore_party",
    "update_party",
    "upload_party_import",
]
