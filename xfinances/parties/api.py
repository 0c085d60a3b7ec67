"""REST: clients and suppliers under /api/v1/parties. Thin: checks the role, calls actions."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict

from xfinances.core.api_auth import require
from xfinances.core.exceptions import InvalidInput
from xfinances.core.schemas import InputSchema
from xfinances.core.tenancy import CompanyRequest
from xfinances.core.text_limits import limits_of
from xfinances.parties import actions, queries
from xfinances.parties.inputs import PartyInput
from xfinances.parties.models import Party, PartyContact, PartyImport
from xfinances.parties.queries import ImportPreview

router = Router(tags=["parties"])

MAX_LIMIT = 200


class ContactIn(InputSchema):
    text_limits = limits_of(PartyContact, "name", "position", "phone")

    name: str = ""
    position: str = ""
    email: str = ""
    phone: str = ""
    receives_invoices: bool = False
    receives_reminders: bool = False


class ContactOut(ContactIn):
    model_config = ConfigDict(extra="ignore")  # an answer, not an input
    id: int


class BankAccountIn(InputSchema):
    iban: str
    currency: str = ""
    is_primary: bool = False


class BankAccountOut(BankAccountIn):
    model_config = ConfigDict(extra="ignore")  # an answer, not an input
    bic: str
    bank_name: str


class PartyIn(InputSchema):
    """A whole party. On PUT, fields left out take these defaults; `contacts` and
    `bank_accounts` left out (null) stay as they are, an empty list removes them all."""

    text_limits = limits_of(Party, "name", "name_latin", "city", "address", "mol", "phone", "notes")
    name: str = ""
    name_latin: str = ""
    kind: str = "company"
    eik: str = ""
    vat_number: str = ""
    egn: str = ""
    lnch: str = ""
    country: str = "BG"
    city: str = ""
    postcode: str = ""
    address: str = ""
    mol: str = ""
    email: str = ""
    phone: str = ""
    iban: str = ""
    is_client: bool = True
    is_supplier: bool = False
    payment_terms_days: int | str | None = None
    language: str = ""
    notes: str = ""
    tags: list[str] = []
    responsible: str | None = None  # e-mail of a user of the company
    contacts: list[ContactIn] | None = None
    bank_accounts: list[BankAccountIn] | None = None


class PartyPatch(InputSchema):
    """Only the fields sent change."""

    name: str | None = None
    name_latin: str | None = None
    kind: str | None = None
    eik: str | None = None
    vat_number: str | None = None
    egn: str | None = None
    lnch: str | None = None
    country: str | None = None
    city: str | None = None
    postcode: str | None = None
    address: str | None = None
    mol: str | None = None
    email: str | None = None
    phone: str | None = None
    iban: str | None = None
    is_client: bool | None = None
    is_supplier: bool | None = None
    payment_terms_days: int | str | None = None
    language: str | None = None
    notes: str | None = None
    tags: list[str] | None = None
    responsible: str | None = None
    contacts: list[ContactIn] | None = None
    bank_accounts: list[BankAccountIn] | None = None


class PartyOut(Schema):
    id: int
    kind: str
    name: str
    name_latin: str
    eik: str
    vat_number: str
    egn: str
    lnch: str
    country: str
    city: str
    postcode: str
    address: str
    mol: str
    email: str
    phone: str
    iban: str
    is_client: bool
    is_supplier: bool
    payment_terms_days: int | None
    language: str
    notes: str
    tags: list[str]
    responsible: str | None
    is_archived: bool
    contacts: list[ContactOut]
    bank_accounts: list[BankAccountOut]
    created_at: dt.datetime


class PartyPage(Schema):
    count: int
    limit: int
    offset: int
    next_cursor: str | None
    items: list[PartyOut]


class PartyFilters(InputSchema):
    q: str = ""
    kind: str = ""
    is_client: bool | None = None
    is_supplier: bool | None = None
    tag: str = ""
    archived: bool = False
    limit: int = 50
    offset: int = 0
    cursor: str = ""


class ImportRowOut(Schema):
    line: int
    valid: bool
    name: str
    eik: str
    errors: dict[str, list[str]]


class ImportOut(Schema):
    id: int
    filename: str
    status: str
    file_errors: list[str]
    valid_rows: int
    invalid_rows: int
    rows: list[ImportRowOut]
    created_count: int
    skipped_count: int


class ImportResultOut(Schema):
    id: int
    status: str
    created: int
    created_ids: list[int]
    skipped: list[dict[str, Any]]
    already_applied: bool


def _party_out(party: Party) -> dict[str, Any]:
    accounts = sorted(party.bank_accounts.all(), key=lambda a: (not a.is_primary, a.pk))
    return {
        **{name: getattr(party, name) for name in PartyOut.model_fields if hasattr(party, name)},
        "iban": accounts[0].iban if accounts else "",
        "responsible": party.responsible.email if party.responsible else None,
        "contacts": list(party.contacts.all()),
        "bank_accounts": accounts,
    }


def _get(request: CompanyRequest, party_id: int) -> Party:
    found = queries.party(request.company, party_id)
    if found is None:
        raise Http404
    return found


def _encode_cursor(party: Party) -> str:
    return base64.urlsafe_b64encode(json.dumps([party.name, party.pk]).encode()).decode()


def _after_cursor(found: QuerySet[Party], cursor: str) -> QuerySet[Party]:
    try:
        name, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(name, str) or not isinstance(pk, int):
            raise ValueError
    except (ValueError, binascii.Error, UnicodeDecodeError, TypeError):
        raise InvalidInput(
            {"cursor": [_("This cursor is not valid: use next_cursor from the last page.")]}
        )
    return found.filter(Q(name__gt=name) | Q(name=name, pk__gt=pk))


def _payload(data: Schema, *, exclude_unset: bool) -> dict[str, Any]:
    payload = data.model_dump(exclude_unset=exclude_unset)
    if exclude_unset:
        payload = {
            k: v
            for k, v in payload.items()
            if v is not None or k in ("payment_terms_days", "responsible")
        }
    else:
        for key in ("contacts", "bank_accounts"):
            if payload.get(key) is None:
                payload.pop(key, None)
        if not payload.get("iban"):
            payload.pop("iban", None)
    return payload


@router.get("", response=PartyPage, summary="Clients and suppliers, searched and filtered")
def list_parties(request: CompanyRequest, filters: Query[PartyFilters]) -> dict[str, Any]:
    require(request, "parties.view")
    errors = InvalidInput.collect()
    if not 1 <= filters.limit <= MAX_LIMIT:
        errors.add("limit", _("Use a limit from 1 to %(max)d.") % {"max": MAX_LIMIT})
    if filters.offset < 0:
        errors.add("offset", _("The offset cannot be negative."))
    if filters.kind and filters.kind not in ("company", "person"):
        errors.add("kind", _("Choose “company” (legal entity) or “person” (individual)."))
    errors.raise_if_any()
    found = (
        queries.parties(
            request.company,
            q=filters.q,
            kind=filters.kind,
            is_client=filters.is_client,
            is_supplier=filters.is_supplier,
            tag=filters.tag,
            archived=filters.archived,
        )
        .select_related("responsible")
        .prefetch_related("contacts")
    )
    count = found.count()
    offset = filters.offset
    if filters.cursor:
        found, offset = _after_cursor(found, filters.cursor), 0
    items = list(found[offset : offset + filters.limit + 1])
    more = len(items) > filters.limit
    items = items[: filters.limit]
    return {
        "count": count,
        "limit": filters.limit,
        "offset": offset if not filters.cursor else 0,
        "next_cursor": _encode_cursor(items[-1]) if more and items else None,
        "items": [_party_out(p) for p in items],
    }


@router.post("", response={201: PartyOut}, summary="Create a client or supplier")
def create_party(request: CompanyRequest, data: PartyIn) -> Status[dict[str, Any]]:
    require(request, "parties.change")
    party = actions.create_party(
        request.actor, request.company, PartyInput.read(_payload(data, exclude_unset=False))
    )
    return Status(201, _party_out(_get(request, party.pk)))


@router.get("/{int:party_id}", response=PartyOut, summary="One client or supplier")
def read_party(request: CompanyRequest, party_id: int) -> dict[str, Any]:
    require(request, "parties.view")
    return _party_out(_get(request, party_id))


@router.put("/{int:party_id}", response=PartyOut, summary="Replace a party's fields")
def replace_party(request: CompanyRequest, party_id: int, data: PartyIn) -> dict[str, Any]:
    require(request, "parties.change")
    party = _get(request, party_id)
    changes = PartyInput.read_changes(_payload(data, exclude_unset=False))
    actions.update_party(request.actor, party, changes)
    return _party_out(_get(request, party_id))


@router.patch("/{int:party_id}", response=PartyOut, summary="Change some of a party's fields")
def patch_party(request: CompanyRequest, party_id: int, data: PartyPatch) -> dict[str, Any]:
    require(request, "parties.change")
    party = _get(request, party_id)
    changes = PartyInput.read_changes(_payload(data, exclude_unset=True))
    actions.update_party(request.actor, party, changes)
    return _party_out(_get(request, party_id))


@router.delete(
    "/{int:party_id}", response={204: None}, summary="Archive a party (documents keep it)"
)
def delete_party(request: CompanyRequest, party_id: int) -> Status[None]:
    require(request, "parties.delete")
    actions.archive_party(request.actor, _get(request, party_id))
    return Status(204, None)


@router.post("/{int:party_id}/restore", response=PartyOut, summary="Bring an archived party back")
def restore_party(request: CompanyRequest, party_id: int) -> dict[str, Any]:
    require(request, "parties.delete")
    actions.restore_party(request.actor, _get(request, party_id))
    return _party_out(_get(request, party_id))


def _import_out(upload: PartyImport, preview: ImportPreview) -> dict[str, Any]:
    return {
        "id": upload.pk,
        "filename": upload.filename,
        "status": upload.status,
        "file_errors": preview.file_errors,
        "valid_rows": len(preview.valid_rows),
        "invalid_rows": len(preview.invalid_rows),
        "rows": [
            {
                "line": row.line,
                "valid": row.is_valid,
                "name": str(row.values.get("name") or row.raw.get("name", "")),
                "eik": str(row.values.get("eik") or ""),
                "errors": row.errors,
            }
            for row in preview.rows
        ],
        "created_count": upload.created_count,
        "skipped_count": upload.skipped_count,
    }


@router.post(
    "/imports", response={201: ImportOut}, summary="Upload a CSV/XLSX of parties for a preview"
)
def upload_import(
    request: CompanyRequest,
    file: UploadedFile = File(...),  # noqa: B008
) -> Status[dict[str, Any]]:
    require(request, "parties.import")
    upload = actions.upload_party_import(
        request.actor,
        request.company,
        filename=file.name or "parties.csv",
        content=file.read(),
    )
    return Status(201, _import_out(upload, queries.import_preview(request.company, upload)))


def _get_import(request: CompanyRequest, import_id: int) -> PartyImport:
    upload = queries.party_import(request.company, import_id)
    if upload is None:
        raise Http404
    return upload


@router.get(
    "/imports/{int:import_id}", response=ImportOut, summary="The preview of an uploaded file"
)
def read_import(request: CompanyRequest, import_id: int) -> dict[str, Any]:
    require(request, "parties.import")
    upload = _get_import(request, import_id)
    return _import_out(upload, queries.import_preview(request.company, upload))


@router.post(
    "/imports/{int:import_id}/confirm", response=ImportResultOut, summary="Import the valid rows"
)
def confirm_import(request: CompanyRequest, import_id: int) -> dict[str, Any]:
    require(request, "parties.import")
    outcome = actions.import_parties(
        request.actor, request.company, _get_import(request, import_id)
    )
    return {
        "id": outcome.upload.pk,
        "status": outcome.upload.status,
        "created": len(outcome.created),
        "created_ids": [p.pk for p in outcome.created],
        "skipped": outcome.skipped,
        "already_applied": outcome.already_applied,
    }
