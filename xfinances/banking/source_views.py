"""Pages of the automatic sources: the list with each source's status and the per-run log,
one settings page per mailbox, folder or bank connection, the connection's consent (renew at
the bank, back from the bank) and a mailbox's OAuth2 sign-in in the browser (to the provider,
back from the provider). Thin: find (404 otherwise), call actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from xfinances.banking import queries
from xfinances.banking.actions import mail_sign_in
from xfinances.banking.actions import sources as source_actions
from xfinances.banking.models import (
    BankConnection,
    MailAuth,
    MailProtocol,
    MailSecurity,
    SourceRun,
    StatementMailbox,
    WatchedFolder,
)
from xfinances.banking.sources import psd2sync
from xfinances.core.exceptions import ActionError, InvalidInput, NotAllowed
from xfinances.core.tenancy import CompanyRequest, company_view

MODELS: dict[str, Any] = {
    "mailbox": StatementMailbox,
    "folder": WatchedFolder,
    "connection": BankConnection,
}
TITLES = {
    "mailbox": gettext_lazy("Statement mailbox"),
    "folder": gettext_lazy("Watched folder"),
    "connection": gettext_lazy("Bank connection (PSD2)"),
}
# name, label, input type ("text", "number", "password", "textarea", "select", "checkbox")
FIELDS: dict[str, list[tuple[str, Any, str]]] = {
    "mailbox": [
        ("name", gettext_lazy("Name"), "text"),
        ("protocol", gettext_lazy("Protocol"), "select"),
        ("host", gettext_lazy("Mail server"), "text"),
        ("port", gettext_lazy("Port"), "number"),
        ("security", gettext_lazy("Security"), "select"),
        ("username", gettext_lazy("User name"), "text"),
        ("auth", gettext_lazy("Sign-in"), "select"),
        ("password", gettext_lazy("Password (empty: keep the stored one)"), "password"),
        ("oauth_token_url", gettext_lazy("OAuth2 token endpoint"), "text"),
        (
            "oauth_authorize_url",
            gettext_lazy("OAuth2 authorization endpoint (to sign in from this page)"),
            "text",
        ),
        ("oauth_client_id", gettext_lazy("OAuth2 client ID"), "text"),
        (
            "oauth_client_secret",
            gettext_lazy("OAuth2 client secret (empty: keep the stored one)"),
            "password",
        ),
        (
            "oauth_refresh_token",
            gettext_lazy("OAuth2 refresh token (empty: keep the stored one)"),
            "password",
        ),
        ("oauth_scope", gettext_lazy("OAuth2 scope (empty: as granted)"), "text"),
        ("folder", gettext_lazy("Folder (IMAP only)"), "text"),
        (
            "done_folder",
            gettext_lazy("Move processed messages to (IMAP only; empty: mark read)"),
            "text",
        ),
        ("delete_after_import", gettext_lazy("Delete from the server after import"), "checkbox"),
        (
            "allowed_senders",
            gettext_lazy("Allowed senders (one address or @domain a line)"),
            "textarea",
        ),
        ("account", gettext_lazy("Account for files that name none"), "account"),
        ("interval_minutes", gettext_lazy("Check every (minutes)"), "number"),
        ("active", gettext_lazy("Active"), "checkbox"),
    ],
    "folder": [
        ("name", gettext_lazy("Name"), "text"),
        ("path", gettext_lazy("Folder path on the server"), "text"),
        ("account", gettext_lazy("Account for files that name none"), "account"),
        ("interval_minutes", gettext_lazy("Check every (minutes)"), "number"),
        ("active", gettext_lazy("Active"), "checkbox"),
    ],
    "connection": [
        ("name", gettext_lazy("Bank"), "text"),
        ("base_url", gettext_lazy("API address"), "text"),
        ("client_cert", gettext_lazy("Client certificate file (QWAC)"), "text"),
        ("client_key", gettext_lazy("Client key file"), "text"),
        ("ca_file", gettext_lazy("CA bundle file"), "text"),
        ("frequency_per_day", gettext_lazy("Syncs a day (the bank's limit)"), "number"),
        ("first_hour", gettext_lazy("First sync at (hour)"), "number"),
        ("last_hour", gettext_lazy("Last sync at (hour)"), "number"),
        ("warn_days", gettext_lazy("Warn days before the consent ends"), "number"),
        ("history_days", gettext_lazy("First sync fetches days back"), "number"),
        ("active", gettext_lazy("Active"), "checkbox"),
    ],
}


CHOICES: dict[str, Any] = {
    "protocol": MailProtocol.choices,
    "security": MailSecurity.choices,
    "auth": MailAuth.choices,
}
# Written under the field; the secrets are never shown, only whether one is stored.
HELP: dict[str, Any] = {
    "protocol": gettext_lazy(
        "IMAP keeps folders and read marks. POP3 reads only the inbox: the folder and the done "
        "folder do not apply, and a message is left on the server unless you choose to delete it."
    ),
    "port": gettext_lazy(
        "Empty: 993 (IMAP with SSL), 143 (IMAP with STARTTLS), 995 (POP3 with SSL), "
        "110 (POP3 with STARTTLS)."
    ),
    "auth": gettext_lazy(
        "Gmail and Microsoft 365 do not take a password from a program: choose OAuth2, save, and "
        "sign in with the provider on this page (or paste a refresh token got elsewhere). The "
        "secrets of the other sign-in are dropped when you save."
    ),
    "oauth_authorize_url": gettext_lazy(
        "Google: https://accounts.google.com/o/oauth2/v2/auth · Microsoft 365: "
        "https://login.microsoftonline.com/<tenant>/oauth2/v2.0/authorize. With it no refresh "
        "token needs pasting: save, then press Sign in with the provider."
    ),
    "oauth_token_url": gettext_lazy(
        "Google: https://oauth2.googleapis.com/token · Microsoft 365: "
        "https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token"
    ),
    "oauth_client_secret": gettext_lazy("None for a public client (Microsoft allows one)."),
    "oauth_refresh_token": gettext_lazy(
        "Exchanged for an access token before each run; when the provider sends a new one, it "
        "is stored in its place."
    ),
    "oauth_scope": gettext_lazy(
        "Microsoft 365: https://outlook.office.com/IMAP.AccessAsUser.All (or "
        "POP.AccessAsUser.All) offline_access. Google: empty. Empty with the sign-in here: "
        "https://mail.google.com/ at Google, the one above at Microsoft."
    ),
    "done_folder": gettext_lazy("Not with POP3, nor together with deleting."),
    "delete_after_import": gettext_lazy(
        "Off: nothing is ever deleted. On: a message from an allowed sender is deleted once its "
        "statements are imported; other messages are never touched."
    ),
}
SECRETS = ("password", "oauth_client_secret", "oauth_refresh_token")


def _find(request: CompanyRequest, source_kind: str, source_id: int) -> Any:
    model = MODELS.get(source_kind)
    found = model.objects.filter(company=request.company, pk=source_id).first() if model else None
    if found is None:
        raise Http404
    return found


def _refusals(error: ActionError) -> dict[str, list[str]]:
    if isinstance(error, InvalidInput):
        return {k: [str(m) for m in v] for k, v in error.errors.items()}
    return {"": [str(error) or _("Your role does not allow this action.")]}


@company_view("treasury.view")
def sources(request: CompanyRequest) -> HttpResponse:
    company = request.company
    runs = list(SourceRun.objects.filter(company=company)[:50])
    return render(
        request,
        "banking/sources.html",
        {
            "mailboxes": list(StatementMailbox.objects.filter(company=company)),
            "folders": list(WatchedFolder.objects.filter(company=company)),
            "connections": list(BankConnection.objects.filter(company=company)),
            "runs": runs,
            "folder_root": source_actions.folder_root(),
        },
    )


def _form_values(kind: str, instance: Any, posted: Any) -> dict[str, Any]:
    if posted is not None:
        return {name: posted.get(name, "") for name, _label, _type in FIELDS[kind]}
    if instance is None:
        return {
            "active": True,
            "protocol": MailProtocol.IMAP,
            "security": MailSecurity.SSL,
            "auth": MailAuth.PASSWORD,
            "folder": "INBOX",
        }
    values = {name: getattr(instance, name, "") for name, _label, _type in FIELDS[kind]}
    values.update(dict.fromkeys(SECRETS, ""))  # never sent back to the browser
    values["account"] = instance.account_id if hasattr(instance, "account_id") else ""
    return values


def _edit(request: CompanyRequest, kind: str, instance: Any) -> HttpResponse:
    company = request.company
    errors: dict[str, list[str]] = {}
    posted = None
    if request.method == "POST":
        posted = request.POST
        data: dict[str, Any] = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        data["active"] = bool(request.POST.get("active"))
        try:
            saved = source_actions.save_source(request.actor, company, kind, data, instance)
        except (InvalidInput, NotAllowed, ActionError) as error:
            errors = _refusals(error)
        else:
            messages.success(request, _("Saved."))
            if kind == "connection":
                return redirect("banking:connection", company.eik, saved.pk)
            return redirect("banking:sources", company.eik)
    values = _form_values(kind, instance, posted)
    names = {n for n, _label, _type in FIELDS[kind]}
    return render(
        request,
        "banking/source_form.html",
        {
            "kind": kind,
            "title": TITLES[kind],
            "instance": instance,
            "rows": [
                {
                    "name": n,
                    "label": label,
                    "type": t,
                    "value": "" if n in SECRETS else values.get(n, ""),
                    "errors": errors.get(n, []),
                    "choices": CHOICES.get(n, []),
                    "help": HELP.get(n, "") if kind == "mailbox" else "",
                    "stored": n in SECRETS and bool(getattr(instance, n, "")),
                }
                for n, label, t in FIELDS[kind]
            ],
            "errors": errors,
            "general_errors": [m for k, v in errors.items() if k not in names for m in v],
            "expiring": _expiring(instance),
            "sign_in_redirect": mail_sign_in.callback_url(company) if kind == "mailbox" else "",
            "accounts": list(queries.bank_accounts(company).order_by("name")),
            "folder_root": source_actions.folder_root(),
        },
        status=422 if errors else 200,
    )


def _expiring(instance: Any) -> bool:
    """The connection page's warning: the consent ends within the warning days."""
    if not isinstance(instance, BankConnection) or instance.consent_status != "valid":
        return False
    ends = instance.consent_valid_until
    return ends is not None and (ends - timezone.localdate()).days <= instance.warn_days


@company_view("treasury.change")
def source_new(request: CompanyRequest, source_kind: str) -> HttpResponse:
    if source_kind not in MODELS:
        raise Http404
    return _edit(request, source_kind, None)


@company_view("treasury.change")
def source_edit(request: CompanyRequest, source_kind: str, source_id: int) -> HttpResponse:
    return _edit(request, source_kind, _find(request, source_kind, source_id))


@company_view("treasury.change")
def connection(request: CompanyRequest, connection_id: int) -> HttpResponse:
    return _edit(request, "connection", _find(request, "connection", connection_id))


@company_view("treasury.change")
@require_POST
def source_delete(request: CompanyRequest, source_kind: str, source_id: int) -> HttpResponse:
    source_actions.delete_source(request.actor, _find(request, source_kind, source_id))
    messages.success(request, _("Deleted."))
    return redirect("banking:sources", request.company.eik)


@company_view("treasury.change")
@require_POST
def source_run(request: CompanyRequest, source_kind: str, source_id: int) -> HttpResponse:
    source_actions.run_now(request.actor, _find(request, source_kind, source_id))
    messages.success(request, _("The worker runs it within a few minutes."))
    return redirect("banking:sources", request.company.eik)


@company_view("treasury.change")
@require_POST
def connection_renew(request: CompanyRequest, connection_id: int) -> HttpResponse:
    """Ask the bank for a new consent and send the owner to the bank to approve it."""
    found = _find(request, "connection", connection_id)
    try:
        where = source_actions.renew_consent(request.actor, found, psd2sync.default_client(found))
    except (InvalidInput, NotAllowed, ActionError) as error:
        for values in _refusals(error).values():
            for message in values:
                messages.error(request, message)
        return redirect("banking:connection", request.company.eik, connection_id)
    if where:
        return redirect(where)
    messages.info(request, _("Approve the access in your bank's app, then press Check consent."))
    return redirect("banking:connection", request.company.eik, connection_id)


@company_view("treasury.change")
def connection_sca_done(request: CompanyRequest, connection_id: int) -> HttpResponse:
    """Where the bank sends the owner back (and the Check consent button)."""
    found = _find(request, "connection", connection_id)
    try:
        status = source_actions.confirm_consent(
            request.actor, found, psd2sync.default_client(found)
        )
    except (InvalidInput, NotAllowed, ActionError) as error:
        for values in _refusals(error).values():
            for message in values:
                messages.error(request, message)
    else:
        if status == "valid":
            messages.success(request, _("The bank confirmed the consent: statements will arrive."))
        else:
            messages.warning(
                request, _("The bank says the consent is %(status)s.") % {"status": status}
            )
    return redirect("banking:connection", request.company.eik, connection_id)


def _session_key(request: CompanyRequest) -> str:
    """The browser session's key, which a sign-in started on a page is bound to."""
    if request.session.session_key is None:
        request.session.save()
    return request.session.session_key or ""


@company_view("treasury.change")
@require_POST
def mailbox_sign_in(request: CompanyRequest, mailbox_id: int) -> HttpResponse:
    """Send the owner to the mail provider to sign in as the mailbox (OAuth2, PKCE)."""
    found = _find(request, "mailbox", mailbox_id)
    try:
        started = mail_sign_in.start_sign_in(
            request.actor, found, session_key=_session_key(request)
        )
    except (InvalidInput, NotAllowed, ActionError) as error:
        for values in _refusals(error).values():
            for message in values:
                messages.error(request, message)
        return redirect("banking:source_edit", request.company.eik, "mailbox", mailbox_id)
    return redirect(started.authorization_url)


@company_view("treasury.change")
def mail_sign_in_done(request: CompanyRequest) -> HttpResponse:
    """Where the mail provider sends the owner back, with a code or an error."""
    company = request.company
    raw = {name: request.GET.get(name, "") for name in mail_sign_in.SignInAnswerInput.field_names()}
    try:
        answer = mail_sign_in.SignInAnswerInput.read(raw)
        mailbox = mail_sign_in.finish_sign_in(
            request.actor, company, answer, session_key=_session_key(request)
        )
    except mail_sign_in.SignInRefused as refused:
        messages.error(request, " ".join(m for v in refused.errors.values() for m in v))
        if refused.mailbox_id is not None:
            return redirect("banking:source_edit", company.eik, "mailbox", refused.mailbox_id)
        return redirect("banking:sources", company.eik)
    except (InvalidInput, NotAllowed, ActionError) as error:
        for values in _refusals(error).values():
            for message in values:
                messages.error(request, message)
        return redirect("banking:sources", company.eik)
    messages.success(
        request,
        _("Signed in at the provider: %(mailbox)s is read with this sign-in from its next run.")
        % {"mailbox": mailbox.name},
    )
    return redirect("banking:source_edit", company.eik, "mailbox", mailbox.pk)
