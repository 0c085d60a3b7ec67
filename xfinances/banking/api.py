"""REST: statements and matching under /api/v1/banking. Thin: finds, calls actions, answers.

`POST /statements` takes a statement file (multipart `file`, optional `account` IBAN) and
answers with the import's summary (new, duplicates, matched, review …). The review queue lists
entries waiting for a person with their proposals; accept, dismiss and undo are actions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from xfinances.banking import actions, queries
from xfinances.banking.models import BankEntry, ImportSource, MatchProposal, Statement
from xfinances.banking.source_api import router as sources_router
from xfinances.core.api_auth import require
from xfinances.core.exceptions import InvalidInput
from xfinances.core.tenancy import CompanyRequest

router = Router(tags=["banking"])
# Mailboxes, watched folders, bank connections and their run log (source_api.py).
router.add_router("", sources_router)


class SummaryOut(Schema):
    import_id: int | None
    account: str
    format: str
    statements: int
    entries: int
    new: int
    duplicates: int
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
    reason: str
    automatic: bool
    overpayment: str
    shortfall: str
    state: str


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
    proposals: list[ProposalOut]


def _proposal_out(p: MatchProposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "party_id": p.party_id,
        "allocations": p.allocations,
        "score": p.score,
        "reason": p.reason,
        "automatic": p.automatic,
        "overpayment": str(p.overpayment),
        "shortfall": str(p.shortfall),
        "state": p.state,
    }


def _entry_out(e: BankEntry, proposals: list[MatchProposal]) -> dict[str, Any]:
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
        "proposals": [_proposal_out(p) for p in proposals],
    }


@router.post("/statements", response={201: SummaryOut}, summary="Import a statement file")
def upload_statement(
    request: CompanyRequest,
    file: UploadedFile = File(...),  # noqa: B008
    account: str = Form(""),
) -> Status[dict[str, Any]]:
    require(request, "treasury.change")
    company = request.company
    chosen = None
    if account:
        chosen = queries.account_by_iban(company, account)
        if chosen is None:
            raise InvalidInput({"account": ["No such account in this company."]})
    if file.size and file.size > actions.MAX_BYTES:
        raise InvalidInput({"file": ["The file is too large: split it by period."]})
    summary = actions.import_statement(
        request.actor,
        company,
        file,
        file_name=file.name or "",
        account=chosen,
        import_source=ImportSource.API,
    )
    return Status(201, summary.as_dict())


@router.get("/accounts/{money_account_id}/statements", response=list[StatementOut])
def list_statements(request: CompanyRequest, money_account_id: int) -> list[dict[str, Any]]:
    require(request, "treasury.view")
    company = request.company
    account = queries.bank_account(company, money_account_id)
    if account is None:
        raise Http404
    return [_statement_out(s) for s in queries.statements(company, account)[:200]]


@router.get("/review", response=list[EntryOut], summary="Entries waiting for a person")
def review_queue(request: CompanyRequest) -> list[dict[str, Any]]:
    require(request, "payments.view")
    company = request.company
    entries = list(queries.review_queue(company)[:200])
    proposals = queries.open_proposals(company, [e.pk for e in entries])
    return [_entry_out(e, proposals.get(e.pk, [])) for e in entries]


@router.post("/proposals/{proposal_id}/accept", response=ProposalOut)
def accept_proposal(request: CompanyRequest, proposal_id: int) -> dict[str, Any]:
    require(request, "payments.change")
    proposal = queries.proposal(request.company, proposal_id)
    if proposal is None:
        raise Http404
    return _proposal_out(actions.accept(request.actor, proposal))


class UndoIn(Schema):
    reason: str = ""


@router.post("/proposals/{proposal_id}/undo", response=ProposalOut)
def undo_proposal(request: CompanyRequest, proposal_id: int, body: UndoIn) -> dict[str, Any]:
    require(request, "payments.change")
    proposal = queries.proposal(request.company, proposal_id)
    if proposal is None:
        raise Http404
    return _proposal_out(actions.undo(request.actor, proposal, reason=body.reason))


@router.post("/entries/{entry_id}/dismiss", response=EntryOut)
def dismiss_entry(request: CompanyRequest, entry_id: int, body: UndoIn) -> dict[str, Any]:
    require(request, "payments.change")
    entry = queries.entry(request.company, entry_id)
    if entry is None:
        raise Http404
    return _entry_out(actions.dismiss(request.actor, entry, reason=body.reason), [])


@router.post("/match", summary="Match unmatched entries now")
def match_now(request: CompanyRequest) -> dict[str, int]:
    require(request, "payments.change")
    result = actions.match_entries(request.actor, request.company)
    return {"matched": result.matched, "review": result.review, "unmatched": result.unmatched}
