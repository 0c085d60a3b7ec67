"""REST: statements and matching under /api/v1/banking. Thin: finds, calls actions, answers.

`POST /statements` takes a statement file (multipart `file`, optional `account` IBAN and
`profile`, a column profile's key) and
answers with the import's summary (new, duplicates, matched, review …). The review queue lists
entries waiting for a person with their proposals; accept, write-off, dismiss and undo are
actions. `/rules` are the company's bank rules (with a 90-day preview), `/profiles` its CSV
column profiles beside the shipped presets (with a preview of a sample's first rows).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from xfinances.banking import actions, csv_profiles, queries
from xfinances.banking.inputs import BankRuleInput
from xfinances.banking.models import (
    BankEntry,
    BankRule,
    CsvProfile,
    ImportSource,
    MatchProposal,
    Statement,
)
from xfinances.banking.payment_file_api import router as payment_files_router
from xfinances.banking.source_api import router as sources_router
from xfinances.core import readers
from xfinances.core.api_auth import require
from xfinances.core.exceptions import InvalidInput
from xfinances.core.schemas import InputSchema
from xfinances.core.tenancy import CompanyRequest
from xfinances.core.text_limits import limit_of, limits_of
from xfinances.payments.models import Allocation

router = Router(tags=["banking"])
# Mailboxes, watched folders, bank connections and their run log (source_api.py).
router.add_router("", sources_router)
# Supplier payment files (pain.001) made from purchases' payment batches (payment_file_api.py).
router.add_router("", payment_files_router)


class SummaryOut(Schema):
    import_id: int | None
    account: str
    format: str
    statements: int
    entries: int
    new: int
    duplicates: int
    typed: int = 0  # new entries a person had typed in by hand: linked to that movement
    maybe_typed: int = 0  # new entries a typed movement may be: waiting for review
    pending: int
    matched: int
    review: int
    balance_breaks: list[str]


class StatementOut(Schema):
    id: int
    account_id: int
    bank_statement_id: str
    date_from: dt.date | None
    date_to: dt.date | None
    currency: str
    opening_balance: str | None
    closing_balance: str | None
    movements_total: str
    entry_count: int
    difference: str | None
    gap: str | None


def _statement_out(s: Statement) -> dict[str, Any]:
    def text(value: Any) -> str | None:
        return None if value is None else str(value)

    return {
        "id": s.pk,
        "account_id": s.account_id,
        "bank_statement_id": s.bank_statement_id,
        "date_from": s.date_from,
        "date_to": s.date_to,
        "currency": s.currency,
        "opening_balance": text(s.opening_balance),
        "closing_balance": text(s.closing_balance),
        "movements_total": str(s.movements_total),
        "entry_count": s.entry_count,
        "difference": text(s.difference),
        "gap": text(s.gap),
    }


class ProposalOut(Schema):
    id: int
    party_id: int | None
    allocations: list[list[Any]]
    score: int
    reason: str  # in the request's language
    reasons: list[list[Any]] = []  # the same as codes: [[code, {name: value}], …]
    automatic: bool
    overpayment: str
    shortfall: str
    state: str
    write_off_ids: list[int] = []


class TypedMovementOut(Schema):
    """A movement typed in by hand that the bank line may be."""

    movement_id: int
    date: dt.date
    amount: str
    counterparty_name: str
    description: str
    payment_ids: list[int]


class EntryOut(Schema):
    id: int
    account_id: int
    booking_date: dt.date
    amount: str
    currency: str
    counterparty_name: str
    counterparty_iban: str
    reference: str
    text: str
    match_state: str
    movement_id: int | None = None
    maybe_typed: bool = False  # a movement typed in by hand may be this line: a person says
    typed_movements: list[TypedMovementOut] = []
    proposals: list[ProposalOut]


def _entry(request: CompanyRequest, entry_id: int) -> BankEntry:
    entry = queries.entry(request.company, entry_id)
    if entry is None:
        raise Http404
    return entry


def _proposal(request: CompanyRequest, proposal_id: int) -> MatchProposal:
    proposal = queries.proposal(request.company, proposal_id)
    if proposal is None:
        raise Http404
    return proposal


def _proposal_out(p: MatchProposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "party_id": p.party_id,
        "allocations": p.allocations,
        "score": p.score,
        "reason": p.reason,
        "reasons": p.reasons,
        "automatic": p.automatic,
        "overpayment": str(p.overpayment),
        "shortfall": str(p.shortfall),
        "state": p.state,
        "write_off_ids": list(p.write_off_ids or []),
    }


def _entry_out(
    e: BankEntry,
    proposals: list[MatchProposal],
    typed: list[queries.TypedCandidate] | None = None,
) -> dict[str, Any]:
    return {
        "id": e.pk,
        "account_id": e.account_id,
        "booking_date": e.booking_date,
        "amount": str(e.amount),
        "currency": e.currency,
        "counterparty_name": e.counterparty_name,
        "counterparty_iban": e.counterparty_iban,
        "reference": e.reference,
        "text": e.text,
        "match_state": e.match_state,
        "movement_id": e.movement_id,
        "maybe_typed": e.maybe_typed,
        "typed_movements": [
            {
                "movement_id": c.movement.pk,
                "date": c.movement.date,
                "amount": str(c.movement.amount),
                "counterparty_name": c.movement.counterparty_name,
                "description": c.movement.description,
                "payment_ids": [p.pk for p in c.payments],
            }
            for c in typed or []
        ],
        "proposals": [_proposal_out(p) for p in proposals],
    }


@router.post("/statements", response={201: SummaryOut}, summary="Import a statement file")
def upload_statement(
    request: CompanyRequest,
    file: UploadedFile = File(...),  # noqa: B008
    account: str = Form(""),
    profile: str = Form(""),
) -> Status[dict[str, Any]]:
    require(request, "treasury.change")
    company = request.company
    chosen_profile = None
    if profile:
        chosen_profile = queries.column_profile(company, profile)
        if chosen_profile is None:
            raise InvalidInput({"profile": [_("No such column profile.")]})
    chosen = None
    if account:
        chosen = queries.account_by_iban(company, account)
        if chosen is None:
            raise InvalidInput({"account": [_("No such account in this company.")]})
    if file.size and file.size > actions.MAX_BYTES:
        raise InvalidInput({"file": [_("The file is too large: split it by period.")]})
    summary = actions.import_statement(
        request.actor,
        company,
        file,
        file_name=file.name or "",
        account=chosen,
        profile=chosen_profile,
        import_source=ImportSource.API,
    )
    return Status(201, summary.as_dict())


@router.get("/accounts/{money_account_id}/statements", response=list[StatementOut])
def list_statements(
    request: CompanyRequest, money_account_id: int, offset: int = 0, limit: int = 200
) -> list[dict[str, Any]]:
    """Newest first; `offset` and `limit` (at most 500) page through them."""
    require(request, "treasury.view")
    company = request.company
    account = queries.bank_account(company, money_account_id)
    if account is None:
        raise Http404
    offset, limit = max(0, offset), max(1, min(limit, 500))
    found = queries.statements(company, account)[offset : offset + limit]
    return [_statement_out(s) for s in found]


@router.get("/review", response=list[EntryOut], summary="Entries waiting for a person")
def review_queue(
    request: CompanyRequest, offset: int = 0, limit: int = 200
) -> list[dict[str, Any]]:
    """Oldest first; `offset` and `limit` (at most 500) page through a long queue."""
    require(request, "payments.view")
    company = request.company
    offset, limit = max(0, offset), max(1, min(limit, 500))
    entries = list(queries.review_queue(company)[offset : offset + limit])
    proposals = queries.open_proposals(company, [e.pk for e in entries])
    typed = queries.typed_candidates(company, entries)
    return [_entry_out(e, proposals.get(e.pk, []), typed.get(e.pk)) for e in entries]


@router.post("/proposals/{proposal_id}/accept", response=ProposalOut)
def accept_proposal(request: CompanyRequest, proposal_id: int) -> dict[str, Any]:
    require(request, "payments.change")
    proposal = _proposal(request, proposal_id)
    return _proposal_out(actions.accept(request.actor, proposal))


class UndoIn(InputSchema):
    text_limits = {"reason": limit_of(Allocation, "undo_reason")}

    reason: str = ""


@router.post("/proposals/{proposal_id}/undo", response=ProposalOut)
def undo_proposal(request: CompanyRequest, proposal_id: int, body: UndoIn) -> dict[str, Any]:
    require(request, "payments.change")
    proposal = _proposal(request, proposal_id)
    return _proposal_out(actions.undo(request.actor, proposal, reason=body.reason))


@router.post("/entries/{entry_id}/dismiss", response=EntryOut)
def dismiss_entry(request: CompanyRequest, entry_id: int, body: UndoIn) -> dict[str, Any]:
    require(request, "payments.change")
    entry = _entry(request, entry_id)
    return _entry_out(actions.dismiss(request.actor, entry, reason=body.reason), [])


class TypedIn(InputSchema):
    movement_id: int


def _after_typed(request: CompanyRequest, entry: BankEntry) -> dict[str, Any]:
    """The line as it stands after the answer: matched again, perhaps waiting once more."""
    company = request.company
    proposals = queries.open_proposals(company, [entry.pk])
    typed = queries.typed_candidates(company, [entry])
    return _entry_out(entry, proposals.get(entry.pk, []), typed.get(entry.pk))


@router.post(
    "/entries/{entry_id}/typed-movement",
    response=EntryOut,
    summary="The line is a movement typed in by hand: it takes that movement",
)
def take_typed_movement(request: CompanyRequest, entry_id: int, body: TypedIn) -> dict[str, Any]:
    require(request, "payments.change")
    entry = _entry(request, entry_id)
    movement = queries.movement(request.company, body.movement_id)
    if movement is None:
        raise InvalidInput({"movement_id": [_("No such movement in this company.")]})
    return _after_typed(request, actions.take_typed_movement(request.actor, entry, movement))


@router.post(
    "/entries/{entry_id}/keep-apart",
    response=EntryOut,
    summary="The line is not the movement typed in by hand: match it on its own",
)
def keep_apart(request: CompanyRequest, entry_id: int, body: UndoIn) -> dict[str, Any]:
    require(request, "payments.change")
    entry = _entry(request, entry_id)
    return _after_typed(request, actions.keep_apart(request.actor, entry, reason=body.reason))


@router.post(
    "/entries/{entry_id}/part-from-typed",
    response=EntryOut,
    summary="The line took a movement typed in by hand wrongly: give it its own again",
)
def part_from_typed(request: CompanyRequest, entry_id: int, body: UndoIn) -> dict[str, Any]:
    require(request, "payments.change")
    entry = _entry(request, entry_id)
    return _after_typed(request, actions.part_from_typed(request.actor, entry, reason=body.reason))


class HandAllocationIn(Schema):
    id: int  # a sales document for money in, a supplier invoice for money out
    amount: str


class ByHandIn(InputSchema):
    party_id: int
    allocations: list[HandAllocationIn] = []


@router.post(
    "/entries/{entry_id}/match",
    response=ProposalOut,
    summary="Match a line by hand: a party, and amounts to its documents (the rest its credit)",
)
def match_by_hand(request: CompanyRequest, entry_id: int, body: ByHandIn) -> dict[str, Any]:
    require(request, "payments.change")
    entry = _entry(request, entry_id)
    party = queries.parties_for_hand(request.company).filter(pk=body.party_id).first()
    if party is None:
        raise InvalidInput({"party_id": [_("No such client or supplier in this company.")]})
    errors = InvalidInput.collect()
    chosen = [
        (a.id, readers.field(errors, "allocations", readers.amount, a.amount))
        for a in body.allocations
    ]
    errors.raise_if_any()
    wanted = [(i, amount) for i, amount in chosen if amount is not None]
    return _proposal_out(actions.match_by_hand(request.actor, entry, party, wanted))


class AliasOut(Schema):
    id: int
    kind: str  # iban | name
    value: str  # as matched: a compact IBAN or a name's skeleton
    party_id: int
    party_name: str
    created_at: dt.datetime


@router.get("/aliases", response=list[AliasOut], summary="IBANs and names learned for parties")
def list_aliases(
    request: CompanyRequest, offset: int = 0, limit: int = 200
) -> list[dict[str, Any]]:
    require(request, "payments.view")
    offset, limit = max(0, offset), max(1, min(limit, 500))
    return [
        {
            "id": a.pk,
            "kind": a.kind,
            "value": a.value,
            "party_id": a.party_id,
            "party_name": a.party.name,
            "created_at": a.created_at,
        }
        for a in queries.alias_rows(request.company)[offset : offset + limit]
    ]


@router.delete("/aliases/{alias_id}", response={204: None}, summary="Forget a learned alias")
def forget_alias(request: CompanyRequest, alias_id: int, reason: str = "") -> Status[None]:
    require(request, "payments.change")
    found = queries.alias(request.company, alias_id)
    if found is None:
        raise Http404
    actions.forget_alias(request.actor, found, reason=reason[:300])
    return Status(204, None)


class FileIn(InputSchema):
    category_id: int
    remember: bool = False  # learn a rule for the counterparty and file the lines it fits


class FiledOut(Schema):
    entry: EntryOut
    rule_id: int | None
    also_filed: int


@router.post(
    "/entries/{entry_id}/file",
    response=FiledOut,
    summary="File a line under a cash-flow category (and learn a rule)",
)
def file_entry(request: CompanyRequest, entry_id: int, body: FileIn) -> dict[str, Any]:
    require(request, "payments.change")
    entry = _entry(request, entry_id)
    data = actions.FileEntryInput.read({"category": body.category_id, "remember": body.remember})
    filed = actions.file_entry(request.actor, entry, data)
    return {
        "entry": _entry_out(filed.entry, []),
        "rule_id": filed.rule.pk if filed.rule else None,
        "also_filed": filed.also_filed,
    }


@router.post("/match", summary="Match unmatched entries now")
def match_now(request: CompanyRequest) -> dict[str, int]:
    require(request, "payments.change")
    result = actions.match_entries(request.actor, request.company)
    return {"matched": result.matched, "review": result.review, "unmatched": result.unmatched}


@router.post("/proposals/{proposal_id}/write-off", response=ProposalOut)
def write_off_proposal(request: CompanyRequest, proposal_id: int) -> dict[str, Any]:
    """Accept a proposal that leaves a few cents short or over and write them off: the
    documents' or supplier invoices' remainders, or the created payment's unallocated rest."""
    require(request, "payments.change")
    proposal = _proposal(request, proposal_id)
    return _proposal_out(actions.accept_with_write_off(request.actor, proposal))


# ----------------------------------------------------------------------------- bank rules


class RuleOut(Schema):
    id: int
    name: str
    position: int
    category_id: int
    category: str
    direction: str
    counterparty_iban: str
    name_pattern: str
    text_pattern: str
    bank_code: str
    min_amount: str | None
    max_amount: str | None
    is_active: bool
    code: str


class RuleIn(InputSchema):
    text_limits = limits_of(
        BankRule, "name", "counterparty_iban", "name_pattern", "text_pattern", "bank_code"
    )

    name: str | None = None
    position: int | None = None
    category: int | None = None
    direction: str | None = None
    counterparty_iban: str | None = None
    name_pattern: str | None = None
    text_pattern: str | None = None
    bank_code: str | None = None
    min_amount: str | None = None
    max_amount: str | None = None
    is_active: bool | None = None


class RulePreviewIn(RuleIn):
    rule_id: int | None = None  # a saved rule, with the fields above over it


class PreviewEntryOut(Schema):
    id: int
    booking_date: dt.date
    amount: str
    counterparty_name: str
    text: str
    match_state: str


class RulePreviewOut(Schema):
    since: dt.date
    checked: int
    caught: int
    total_in: str
    total_out: str
    earlier_rule: int
    examples: list[PreviewEntryOut]


def _rule_out(rule: BankRule) -> dict[str, Any]:
    def text(value: Any) -> str | None:
        return None if value is None else str(value)

    return {
        "id": rule.pk,
        "name": rule.name,
        "position": rule.position,
        "category_id": rule.category_id,
        "category": str(rule.category),
        "direction": rule.direction,
        "counterparty_iban": rule.counterparty_iban,
        "name_pattern": rule.name_pattern,
        "text_pattern": rule.text_pattern,
        "bank_code": rule.bank_code,
        "min_amount": text(rule.min_amount),
        "max_amount": text(rule.max_amount),
        "is_active": rule.is_active,
        "code": rule.code,
    }


@router.get("/rules", response=list[RuleOut], summary="The company's bank rules, in order")
def list_rules(request: CompanyRequest) -> list[dict[str, Any]]:
    require(request, "treasury.view")
    return [_rule_out(r) for r in queries.rules(request.company)]


@router.post("/rules", response={201: RuleOut})
def create_rule(request: CompanyRequest, body: RuleIn) -> Status[dict[str, Any]]:
    require(request, "treasury.change")
    data = body.dict(exclude_none=True)
    rule = actions.create_rule(request.actor, request.company, BankRuleInput.read(data))
    return Status(201, _rule_out(rule))


@router.patch("/rules/{rule_id}", response=RuleOut, summary="Edit, switch off or on a rule")
def update_rule(request: CompanyRequest, rule_id: int, body: RuleIn) -> dict[str, Any]:
    require(request, "treasury.change")
    rule = queries.rule(request.company, rule_id)
    if rule is None:
        raise Http404
    data = body.dict(exclude_unset=True)
    return _rule_out(actions.update_rule(request.actor, rule, BankRuleInput.read_changes(data)))


@router.post("/rule-preview", response=RulePreviewOut, summary="Test a rule on 90 days")
def preview_rule(request: CompanyRequest, body: RulePreviewIn) -> dict[str, Any]:
    require(request, "treasury.view")
    company = request.company
    data = body.dict(exclude_unset=True)
    rule_id = data.pop("rule_id", None)
    rule = None
    if rule_id is not None:
        rule = queries.rule(company, rule_id)
        if rule is None:
            raise Http404
    found = actions.preview_rule(
        request.actor, company, BankRuleInput.read_changes(data), rule=rule
    )
    return {
        "since": found.since,
        "checked": found.checked,
        "caught": found.caught,
        "total_in": str(found.total_in),
        "total_out": str(found.total_out),
        "earlier_rule": found.earlier_rule,
        "examples": [
            {
                "id": e.pk,
                "booking_date": e.booking_date,
                "amount": str(e.amount),
                "counterparty_name": e.counterparty_name,
                "text": e.text,
                "match_state": e.match_state,
            }
            for e in found.examples
        ],
    }


# ----------------------------------------------------------------------------- column profiles


class ProfileOut(Schema):
    id: int | None  # None for a shipped preset
    key: str
    name: str
    preset: bool
    data: dict[str, Any]


class ProfileIn(InputSchema):
    text_limits = limits_of(CsvProfile, "name")

    name: str
    data: dict[str, Any]


def _profiles_out(company: Any) -> list[dict[str, Any]]:
    own = [
        {"id": p.pk, "key": f"company-{p.pk}", "name": p.name, "preset": False, "data": p.data}
        for p in queries.csv_profiles_of(company)
    ]
    presets = [
        {"id": None, "key": p.key, "name": p.name, "preset": True, "data": p.to_dict()}
        for p in csv_profiles.BUILTIN
    ]
    return own + presets


def _own_out(p: CsvProfile) -> dict[str, Any]:
    return {"id": p.pk, "key": f"company-{p.pk}", "name": p.name, "preset": False, "data": p.data}


@router.get("/profiles", response=list[ProfileOut], summary="Column profiles and presets")
def list_profiles(request: CompanyRequest) -> list[dict[str, Any]]:
    require(request, "treasury.view")
    return _profiles_out(request.company)


@router.post("/profiles", response={201: ProfileOut})
def create_profile(request: CompanyRequest, body: ProfileIn) -> Status[dict[str, Any]]:
    require(request, "treasury.change")
    made = actions.create_profile(request.actor, request.company, name=body.name, data=body.data)
    return Status(201, _own_out(made))


@router.put("/profiles/{profile_id}", response=ProfileOut)
def update_profile(request: CompanyRequest, profile_id: int, body: ProfileIn) -> dict[str, Any]:
    require(request, "treasury.change")
    found = queries.csv_profile(request.company, profile_id)
    if found is None:
        raise Http404
    return _own_out(actions.update_profile(request.actor, found, name=body.name, data=body.data))


@router.post("/profiles/{key}/duplicate", response={201: ProfileOut})
def duplicate_profile(request: CompanyRequest, key: str) -> Status[dict[str, Any]]:
    """Copy a preset (`bg-csv` …) or one of the company's profiles (`company-<id>`)."""
    require(request, "treasury.change")
    company = request.company
    source: Any = None
    if key.startswith("company-") and key[8:].isdigit():
        source = queries.csv_profile(company, int(key[8:]))
    else:
        source = next((p for p in csv_profiles.BUILTIN if p.key == key), None)
    if source is None:
        raise Http404
    return Status(201, _own_out(actions.duplicate_profile(request.actor, company, source)))


@router.delete("/profiles/{profile_id}", response={204: None})
def delete_profile(request: CompanyRequest, profile_id: int) -> Status[None]:
    require(request, "treasury.change")
    found = queries.csv_profile(request.company, profile_id)
    if found is None:
        raise Http404
    actions.delete_profile(request.actor, found)
    return Status(204, None)


class ProfilePreviewOut(Schema):
    columns: dict[str, str]
    rows: list[dict[str, Any]]


@router.post("/profile-preview", response=ProfilePreviewOut, summary="Read a sample's rows")
def preview_profile(
    request: CompanyRequest,
    file: UploadedFile = File(...),  # noqa: B008
    data: str = Form(...),
) -> dict[str, Any]:
    """The first rows of a sample file read with a profile (multipart: `file`, and `data`
    the profile as JSON) before it is saved."""
    require(request, "treasury.view")
    try:
        settings = json.loads(data)
    except ValueError:
        raise InvalidInput({"data": [_("The profile is not JSON.")]}) from None
    if not isinstance(settings, dict):
        raise InvalidInput({"data": [_("The profile is not a JSON object.")]})
    found = actions.preview_profile(request.actor, request.company, settings, file)
    return {"columns": found.columns, "rows": [preview_row(e) for e in found.entries]}


def preview_row(entry: Any) -> dict[str, Any]:
    """One read row as the preview shows it (signed amount: money out negative)."""
    signed = entry.amount if str(entry.direction) == "credit" else -entry.amount
    return {
        "line": entry.source_line,
        "date": entry.booking_date.isoformat(),
        "amount": str(signed),
        "currency": entry.currency,
        "name": entry.counterparty.name,
        "iban": entry.counterparty.iban,
        "text": entry.text,
        "reference": entry.reference,
    }
