"""Named reads of parties, always scoped to one company."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from xfinances.core.models import Company, Membership
from xfinances.parties.cleaning import search_terms
from xfinances.parties.importing import ImportedRow, read_parties
from xfinances.parties.models import Party, PartyBankAccount, PartyContact, PartyImport


def counts(company: Company) -> dict[str, int]:
    """Active clients and suppliers (a party that is both counts in both)."""
    active = Party.objects.filter(company=company, is_archived=False)
    return {
        "clients": active.filter(is_client=True).count(),
        "suppliers": active.filter(is_supplier=True).count(),
    }


def search_filter(query: str) -> Q:
    """Every word of the query in the lower-cased search text; a query with spaces also matches
    its compact form (an IBAN or VAT number typed in groups)."""
    terms = search_terms(query)
    if not terms:
        return Q()
    words = Q()
    for term in terms:
        words &= Q(search_text__contains=term)
    if len(terms) > 1:
        words |= Q(search_text__contains="".join(terms))
    return words


def parties(
    company: Company,
    *,
    q: str = "",
    kind: str = "",
    is_client: bool | None = None,
    is_supplier: bool | None = None,
    tag: str = "",
    archived: bool | None = False,
) -> QuerySet[Party]:
    """Parties of the company in a stable order (name, then id). `archived=None` means all."""
    found = Party.objects.filter(company=company)
    if archived is not None:
        found = found.filter(is_archived=archived)
    if q:
        found = found.filter(search_filter(q))
    if kind:
        found = found.filter(kind=kind)
    if is_client is not None:
        found = found.filter(is_client=is_client)
    if is_supplier is not None:
        found = found.filter(is_supplier=is_supplier)
    if tag:
        found = found.filter(search_text__contains=f"#{tag.strip().lstrip('#').lower()}")
    return found.prefetch_related(
        Prefetch("bank_accounts", queryset=PartyBankAccount.objects.order_by("-is_primary", "id"))
    ).order_by("name", "id")


def party(company: Company, party_id: int) -> Party | None:
    return (
        Party.objects.filter(company=company, pk=party_id)
        .select_related("company", "responsible")
        .prefetch_related(
            Prefetch(
                "bank_accounts", queryset=PartyBankAccount.objects.order_by("-is_primary", "id")
            ),
            Prefetch("contacts", queryset=PartyContact.objects.order_by("name", "id")),
        )
        .first()
    )


def party_by_eik(company: Company, eik: str) -> Party | None:
    return Party.objects.filter(company=company, eik=eik).first() if eik else None


def existing_eiks(company: Company, eiks: list[str]) -> dict[str, Party]:
    """Parties that already hold any of these ЕИК (for the import preview)."""
    wanted = [e for e in eiks if e]
    if not wanted:
        return {}
    return {p.eik: p for p in Party.objects.filter(company=company, eik__in=wanted)}


def all_tags(company: Company) -> list[str]:
    tags: dict[str, str] = {}
    for values in Party.objects.filter(company=company, is_archived=False).values_list(
        "tags", flat=True
    ):
        for tag in values or []:
            tags.setdefault(tag.lower(), tag)
    return sorted(tags.values(), key=str.lower)


def responsible_choices(company: Company) -> list[tuple[int, str]]:
    """Members of the company who may be named responsible for a party."""
    return [
        (m.user_id, m.user.full_name or m.user.email)
        for m in Membership.objects.filter(company=company, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    ]


def party_import(company: Company, import_id: int) -> PartyImport | None:
    return PartyImport.objects.filter(company=company, pk=import_id).first()


def recent_imports(company: Company, limit: int = 10) -> QuerySet[PartyImport]:
    return (
        PartyImport.objects.filter(company=company)
        .select_related("uploaded_by")
        .defer("content")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass
class ImportPreview:
    """The parsed rows of an upload, with ЕИК already taken in the company marked as errors."""

    rows: list[ImportedRow]
    file_errors: list[str]
    ignored_columns: list[str]
    existing: dict[int, Party]  # line -> the party that already has the row's ЕИК

    @property
    def valid_rows(self) -> list[ImportedRow]:
        return [row for row in self.rows if row.is_valid]

    @property
    def invalid_rows(self) -> list[ImportedRow]:
        return [row for row in self.rows if not row.is_valid]


def import_preview(company: Company, upload: PartyImport) -> ImportPreview:
    parsed = read_parties(bytes(upload.content), upload.filename)
    taken = existing_eiks(company, [str(row.values.get("eik") or "") for row in parsed.rows])
    existing: dict[int, Party] = {}
    for row in parsed.rows:
        found = taken.get(str(row.values.get("eik") or ""))
        if found is not None and "eik" not in row.errors:
            row.add(
                "eik", _("A party with this ЕИК already exists: %(name)s.") % {"name": found.name}
            )
            existing[row.line] = found
    return ImportPreview(parsed.rows, parsed.errors, parsed.ignored_columns, existing)
