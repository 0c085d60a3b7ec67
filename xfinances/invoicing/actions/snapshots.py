"""What an issued document freezes: the recipient, the supplier, its bank accounts, the words."""

from __future__ import annotations

from collections.abc import Iterable

from xfinances.core.models import Company, CompanyBankAccount
from xfinances.invoicing.actions.lines import _bank_accounts_read
from xfinances.invoicing.models import (
    Document,
    DocumentLanguage,
    DocumentLine,
)
from xfinances.invoicing.words import amount_in_words
from xfinances.parties.models import Party

# --- snapshots ---------------------------------------------------------------------------------


def _freeze_recipient(document: Document, party: Party | None) -> None:
    if party is None:
        for name in (
            "kind",
            "name",
            "name_latin",
            "country",
            "city",
            "postcode",
            "address",
            "eik",
            "vat_number",
            "egn",
            "lnch",
            "mol",
            "email",
        ):
            setattr(document, f"recipient_{name}", "")
        return
    document.recipient_kind = party.kind
    document.recipient_name = party.name
    document.recipient_name_latin = party.name_latin
    document.recipient_country = party.country
    document.recipient_city = party.city
    document.recipient_postcode = party.postcode
    document.recipient_address = party.address
    document.recipient_eik = party.eik
    document.recipient_vat_number = party.vat_number
    document.recipient_egn = party.egn
    document.recipient_lnch = party.lnch
    document.recipient_mol = party.mol
    document.recipient_email = party.email


def _freeze_supplier(
    document: Document, company: Company, accounts: list[CompanyBankAccount] | None = None
) -> None:
    """The company as printed. `accounts`: all its bank accounts when the caller has read them
    (as `_bank_accounts_read`)."""
    document.supplier_name = company.name
    document.supplier_name_latin = company.name_latin
    document.supplier_country = company.country
    document.supplier_city = company.city
    document.supplier_postcode = company.postcode
    document.supplier_address = company.address
    document.supplier_eik = company.eik
    document.supplier_vat_number = company.vat_number if company.vat_registered else ""
    document.supplier_mol = company.mol
    document.supplier_bank_accounts = [
        {"iban": a.iban, "bic": a.bic, "bank_name": a.bank_name, "currency": a.currency}
        for a in printed_bank_accounts(company, document.bank_account_ids, accounts)
    ]


def printed_bank_accounts(
    company: Company, chosen: list[int], accounts: list[CompanyBankAccount] | None = None
) -> list[CompanyBankAccount]:
    """The accounts a document prints: the chosen ones (in the order chosen), else the company's
    default account (or its first one when none is marked default)."""
    if accounts is None:
        accounts = _bank_accounts_read(company).fetch()
    if chosen:
        by_id = {a.pk: a for a in accounts}
        return [by_id[pk] for pk in chosen if pk in by_id]
    return accounts[:1]


def search_text_of(document: Document, descriptions: Iterable[str]) -> str:
    """The lower-cased text a document is found by: number, recipient, identifiers, lines."""
    parts = [
        document.number or "",
        document.recipient_name,
        document.recipient_name_latin,
        document.recipient_eik,
        document.recipient_vat_number,
        *descriptions,
    ]
    return " ".join(" ".join(p.split()) for p in parts if p and p.strip()).casefold()


def _refresh_search_text(document: Document) -> None:
    descriptions = DocumentLine.objects.filter(
        company_id=document.company_id, document=document
    ).values_list("description", flat=True)
    text = search_text_of(document, descriptions)
    if text != document.search_text:
        document.search_text = text
        Document.objects.filter(pk=document.pk).update(search_text=text)


def _words(document: Document) -> str:
    language = "en" if document.language == DocumentLanguage.ENGLISH else "bg"
    try:
        return amount_in_words(abs(document.total), document.currency, language)
    except ValueError:
        return ""
