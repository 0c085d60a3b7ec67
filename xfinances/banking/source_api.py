"""REST for the automatic sources under /api/v1/banking/sources: list and change mailboxes,
watched folders and bank connections, make one run now, read the per-run log, and renew or
confirm a connection's consent, and start a mailbox's OAuth2 sign-in in the browser (the
answer's address is opened in a browser signed in here as the same user; the provider sends it
back to the company's sign-in page). Owners and accountants change (`treasury.change`); viewers
read. A mailbox's password, OAuth2 client secret and refresh token are write-only: no answer
ever carries them (nor their sealed form)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from ninja import Body, Router, Schema, Status

from xfinances.banking.actions import mail_sign_in
from xfinances.banking.actions import sources as source_actions
from xfinances.banking.models import BankConnection, SourceRun, StatementMailbox, WatchedFolder
from xfinances.banking.sources import common, psd2sync
from xfinances.core.api_auth import require
from xfinances.core.tenancy import CompanyRequest

router = Router(tags=["banking"])
MODELS: dict[str, Any] = {
    "mailbox": StatementMailbox,
    "folder": WatchedFolder,
    "connection": BankConnection,
}
SHOWN = {
    "mailbox": ["name", "protocol", "host", "port", "security", "username", "auth",
                "oauth_token_url", "oauth_authorize_url", "oauth_client_id", "oauth_scope",
                "needs_sign_in", "folder", "done_folder",
                "delete_after_import", "allowed_senders", "account_id", "interval_minutes"],
    "folder": ["name", "path", "account_id", "interval_minutes"],
    "connection": ["name", "base_url", "client_cert", "client_key", "ca_file", "headers",
                   "consent_status", "consent_valid_until", "frequency_per_day", "first_hour",
                   "last_hour", "warn_days", "history_days", "last_success_at", "failures"],
}  # fmt: skip


class RunOut(Schema):
    id: int
    kind: str
    source_id: int
    source_name: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str
    items: int
    imported: int
    skipped: int
    refused: int
    new_entries: int
    matched: int
    review: int
    errors: list[dict[str, str]]


def _out(kind: str, source: Any) -> dict[str, Any]:
    shown = {name: getattr(source, name) for name in SHOWN[kind]}
    return {
        "id": source.pk,
        "kind": kind,
        "active": source.active,
        "status": source.status,
        "last_error": source.last_error,
        "last_run_at": source.last_run_at,
        "next_run_at": source.next_run_at,
        **shown,
        **({"signed_in": bool(source.oauth_refresh_token)} if kind == "mailbox" else {}),
    }


def _find(request: CompanyRequest, kind: str, pk: int) -> Any:
    model = MODELS.get(kind)
    found = model.objects.filter(company=request.company, pk=pk).first() if model else None
    if found is None:
        raise Http404
    return found


@router.get("/sources", summary="Statement mailboxes, watched folders and bank connections")
def list_sources(request: CompanyRequest) -> dict[str, list[dict[str, Any]]]:
    require(request, "treasury.view")
    company = request.company
    return {
        f"{kind}s" if kind != "mailbox" else "mailboxes": [
            _out(kind, s) for s in model.objects.filter(company=company)
        ]
        for kind, model in MODELS.items()
    }


# Before /sources/{kind}: Django tries the paths in order.
@router.get("/sources/runs", response=list[RunOut], summary="The per-run log, newest first")
def list_runs(
    request: CompanyRequest, kind: str = "", source_id: int | None = None
) -> list[dict[str, Any]]:
    require(request, "treasury.view")
    runs = SourceRun.objects.filter(company=request.company)
    if kind:
        runs = runs.filter(kind=kind)
    if source_id is not None:
        runs = runs.filter(source_id=source_id)
    return [common.summary_of(r) for r in runs[:200]]


@router.post(
    "/sources/{source_kind}",
    response={201: dict[str, Any]},
    summary="Add a mailbox, folder or bank connection",
)
def create_source(request: CompanyRequest, source_kind: str, data: Body[dict[str, Any]]) -> Any:
    require(request, "treasury.change")
    if source_kind not in MODELS:
        raise Http404
    saved = source_actions.save_source(request.actor, request.company, source_kind, data)
    return Status(201, _out(source_kind, saved))


@router.patch("/sources/{source_kind}/{source_id}", summary="Change a source (fields given only)")
def change_source(
    request: CompanyRequest, source_kind: str, source_id: int, data: Body[dict[str, Any]]
) -> dict[str, Any]:
    require(request, "treasury.change")
    found = _find(request, source_kind, source_id)
    current = {
        name: getattr(found, name) for name in SHOWN[source_kind] if name != "account_id"
    }  # the account goes in as `account`; oauth_client_id is a setting like any other
    current.update(account=getattr(found, "account_id", None), active=found.active)
    current.update(data)
    saved = source_actions.save_source(request.actor, request.company, source_kind, current, found)
    return _out(source_kind, saved)


@router.delete("/sources/{source_kind}/{source_id}", response={204: None})
def delete_source(request: CompanyRequest, source_kind: str, source_id: int) -> Any:
    require(request, "treasury.change")
    source_actions.delete_source(request.actor, _find(request, source_kind, source_id))
    return Status(204, None)


@router.post("/sources/{source_kind}/{source_id}/run", summary="Run the source at the next tick")
def run_source(request: CompanyRequest, source_kind: str, source_id: int) -> dict[str, Any]:
    require(request, "treasury.change")
    found = _find(request, source_kind, source_id)
    source_actions.run_now(request.actor, found)
    found.refresh_from_db()
    return _out(source_kind, found)


@router.post("/sources/connection/{connection_id}/renew", summary="Ask the bank for a new consent")
def renew(request: CompanyRequest, connection_id: int) -> dict[str, Any]:
    require(request, "treasury.change")
    found = _find(request, "connection", connection_id)
    where = source_actions.renew_consent(request.actor, found, psd2sync.default_client(found))
    return {"sca_redirect": where, "consent_status": found.consent_status}


@router.post("/sources/connection/{connection_id}/confirm", summary="Read the consent's status")
def confirm(request: CompanyRequest, connection_id: int) -> dict[str, Any]:
    require(request, "treasury.change")
    found = _find(request, "connection", connection_id)
    status = source_actions.confirm_consent(request.actor, found, psd2sync.default_client(found))
    return {"consent_status": status, "sync": _out("connection", found)}


@router.post(
    "/sources/mailbox/{mailbox_id}/sign-in",
    summary="Start a mailbox's OAuth2 sign-in: the provider's address to open in a browser",
)
def start_mailbox_sign_in(request: CompanyRequest, mailbox_id: int) -> dict[str, Any]:
    require(request, "treasury.change")
    found = _find(request, "mailbox", mailbox_id)
    started = mail_sign_in.start_sign_in(request.actor, found)
    return {
        "authorization_url": started.authorization_url,
        "redirect_uri": started.redirect_uri,
        "expires_at": started.expires_at,
    }
