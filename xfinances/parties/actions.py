"""Every write to parties: create, update, archive, contacts, bank accounts, import."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.identifiers import bank_name_for_iban, bic_for_iban
from xfinances.core.inputs import Changes
from xfinances.core.models import Company, Membership, User
from xfinances.core.permissions import ensure_can
from xfinances.parties.cleaning import search_text
from xfinances.parties.importing import read_parties
from xfinances.parties.inputs import (
    PARTY_FIELDS,
    BankAccountInput,
    ContactInput,
    PartyInput,
    check_party,
    eik_from_vat,
)
from xfinances.parties.models import Party, PartyBankAccount, PartyContact, PartyImport

CONTACT_FIELDS = ContactInput.field_names()


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


def _contact_rows(contacts: Iterable[ContactInput]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(contact.named()) for contact in contacts]


def _account_rows(accounts: Iterable[BankAccountInput]) -> list[dict[str, Any]]:
    """The accounts without a repeated IBAN, exactly one of them primary."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for account in accounts:
        if account.iban not in seen:
            seen.add(account.iban)
            rows.append(dataclasses.asdict(account))
    primary = next((row for row in rows if row["is_primary"]), rows[0] if rows else None)
    for row in rows:
        row["is_primary"] = row is primary
    return rows


def _checked_values(
    company: Company, values: dict[str, Any], *, exclude: int | None = None
) -> dict[str, Any]:
    """The party's fields checked together (an update's changes with the record's other
    fields), with the ЕИК a Bulgarian VAT number gives; then the ЕИК unique in the company."""
    errors = InvalidInput.collect()
    check_party(values, errors)
    errors.raise_if_any()
    values["eik"] = eik_from_vat(values["eik"], values["vat_number"])
    _check_unique_eik(company, values["eik"], exclude)
    return values


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
    # An IBAN the party already had keeps the moment it was first given.
    added = {a.iban: a.added_at for a in old}
    now = timezone.now()
    PartyBankAccount.objects.filter(company_id=party.company_id, party=party).delete()
    PartyBankAccount.objects.bulk_create(
        [
            PartyBankAccount(
                company_id=party.company_id,
                party=party,
                bic=bic_for_iban(a["iban"]),
                bank_name=bank_name_for_iban(a["iban"])[:200],
                added_at=added.get(a["iban"], now),
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
def create_party(actor: Actor, company: Company, data: PartyInput) -> Party:
    """A new client and/or supplier, with its contacts, bank accounts and primary IBAN."""
    ensure_can(actor, company, "parties.change")
    return _create_party(actor, company, data, "create_party")


def _create_party(actor: Actor, company: Company, data: PartyInput, action: str) -> Party:
    values = _checked_values(company, data.party_values())
    party = Party(company=company, **values)
    party.responsible = _responsible(company, data.responsible)
    _save_unique(party)
    audit.record_create(actor, company, action, party)
    if data.contacts:
        _replace_contacts(actor, party, _contact_rows(data.contacts), action)
    if data.bank_accounts:
        _replace_bank_accounts(actor, party, _account_rows(data.bank_accounts), action)
    if data.iban:
        _set_primary_iban(actor, party, data.iban, action)
    refresh_search_text(party)
    return party


def _lock(party: Party) -> Party:
    return (
        Party.objects.select_for_update()
        .select_related("company")
        .get(pk=party.pk, company_id=party.company_id)
    )


@transaction.atomic
def update_party(actor: Actor, party: Party, changes: Changes[PartyInput]) -> Party:
    """Change the given fields only. `contacts`/`bank_accounts`, when given (not None), replace
    the lists; `iban` makes that account the primary one."""
    ensure_can(actor, party.company, "parties.change")
    party = _lock(party)
    if party.is_archived:
        raise InvalidInput(_("This party is archived: restore it before changing it."))
    data = changes.values
    current = {name: getattr(party, name) for name in PARTY_FIELDS}
    given = {name: value for name, value in changes.items() if name in PARTY_FIELDS}
    values = _checked_values(party.company, {**current, **given}, exclude=party.pk)
    responsible = (
        _responsible(party.company, data.responsible) if "responsible" in changes else None
    )
    before = audit.snapshot(party)
    for name, value in values.items():
        setattr(party, name, value)
    if "responsible" in changes:
        party.responsible = responsible
    _save_unique(party)
    audit.record_update(actor, party.company, "update_party", party, before)
    if "contacts" in changes and data.contacts is not None:
        _replace_contacts(actor, party, _contact_rows(data.contacts), "update_party")
    if "bank_accounts" in changes and data.bank_accounts is not None:
        _replace_bank_accounts(actor, party, _account_rows(data.bank_accounts), "update_party")
    if "iban" in changes and data.iban:
        _set_primary_iban(actor, party, data.iban, "update_party")
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
def add_party_contact(actor: Actor, party: Party, contact: ContactInput) -> PartyContact:
    ensure_can(actor, party.company, "parties.change")
    party = _lock(party)
    errors = InvalidInput.collect()
    ContactInput.check_together(dataclasses.asdict(contact), errors)  # built directly, too
    errors.raise_if_any()
    rows = [*_contacts_of(party), *_contact_rows([contact])]
    _replace_contacts(actor, party, rows, "add_party_contact")
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
    actor: Actor, party: Party, account: BankAccountInput
) -> PartyBankAccount:
    ensure_can(actor, party.company, "parties.change")
    party = _lock(party)
    accounts = _accounts_of(party)
    if any(a["iban"] == account.iban for a in accounts):
        raise Conflict(_("This IBAN is already one of the party's accounts."), field="iban")
    if account.is_primary:
        for row in accounts:
            row["is_primary"] = False
    typed = [BankAccountInput(**row) for row in accounts]
    rows = _account_rows([*typed, account])
    _replace_bank_accounts(actor, party, rows, "add_party_bank_account")
    refresh_search_text(party)
    return PartyBankAccount.objects.get(company_id=party.company_id, party=party, iban=account.iban)


@transaction.atomic
def remove_party_bank_account(actor: Actor, account: PartyBankAccount) -> None:
    party = _lock(account.party)
    ensure_can(actor, party.company, "parties.change")
    remaining = [BankAccountInput(**a) for a in _accounts_of(party) if a["iban"] != account.iban]
    _replace_bank_accounts(actor, party, _account_rows(remaining), "remove_party_bank_account")
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
                assert row.party is not None  # a row without errors was read
                created.append(_create_party(actor, company, row.party, "import_parties"))
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
