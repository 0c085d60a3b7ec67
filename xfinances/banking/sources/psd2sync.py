"""The scheduled PSD2 sync and the consent's life: each active connection with a valid consent
is synced at the slots of `psd2.client.sync_schedule` (its syncs a day within working hours,
one call kept for a retry), fetching booked entries from the last booked day it delivered
(minus the client's overlap) and importing them through `actions.import_events`: the same
entry keys as a file, so an overlap adds nothing; pending entries are counted, not booked, and
the booked entry they become arrives with the bank's id.

Outages back off (15 min, 30, 60 … at most 4 h); the daily limit (429) waits for tomorrow's
first slot; an expired or revoked consent stops the sync until the owner renews it. Owners
are warned `warn_days` before the consent ends (in-app and by e-mail through the outbox).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xfinances.banking import actions
from xfinances.banking import records as rec
from xfinances.banking.models import BankConnection, SourceKind, SourceRun, SyncStatus
from xfinances.banking.psd2 import client as psd2
from xfinances.banking.sources import common
from xfinances.core import formatting
from xfinances.core.exceptions import ActionError, InvalidInput
from xfinances.notifications.actions import notify, queue_email

BACKOFF_FIRST = dt.timedelta(minutes=15)
BACKOFF_MAX = dt.timedelta(hours=4)

ClientFactory = Callable[[BankConnection], psd2.PSD2Client]


def config_of(connection: BankConnection) -> psd2.BankConfig:
    redirect = settings.BASE_URL + reverse(
        "banking:connection_sca_done", args=[connection.company.eik, connection.pk]
    )
    return psd2.BankConfig(
        name=connection.name,
        base_url=connection.base_url,
        client_cert=connection.client_cert or None,
        client_key=connection.client_key or None,
        ca_file=connection.ca_file or None,
        headers={str(k): str(v) for k, v in (connection.headers or {}).items()},
        max_retries=2,
        backoff=2.0,
        redirect_uri=redirect,
    )


def default_client(connection: BankConnection) -> psd2.PSD2Client:
    return psd2.PSD2Client(config_of(connection), today=timezone.localdate)


def next_slot(connection: BankConnection, after: dt.datetime) -> dt.datetime:
    """The first sync slot of the connection strictly after `after` (local time)."""
    first = dt.time(min(connection.first_hour, 23))
    last = dt.time(min(max(connection.last_hour, connection.first_hour), 23))
    slots = psd2.sync_schedule(connection.frequency_per_day, first=first, last=last)
    local = timezone.localtime(after)
    zone = local.tzinfo
    for days in range(0, 3):
        day = local.date() + dt.timedelta(days=days)
        for slot in slots:
            moment = dt.datetime.combine(day, slot, tzinfo=zone)
            if moment > local:
                return moment
    return local + dt.timedelta(days=1)  # pragma: no cover (slots always exist)


def _consent_usable(connection: BankConnection, today: dt.date) -> bool:
    if connection.consent_status != "valid" or not connection.consent_id:
        return False
    return connection.consent_valid_until is None or connection.consent_valid_until >= today


def _sync_account(
    run: SourceRun,
    connection: BankConnection,
    client: psd2.PSD2Client,
    resource_id: str,
    today: dt.date,
) -> None:
    cursor = dict(connection.cursor.get(resource_id) or {})
    iban, currency = cursor.get("iban", ""), cursor.get("currency", "")
    last = cursor.get("last_booked")
    state = psd2.SyncState(last_booked=dt.date.fromisoformat(last) if last else None)
    first_day = today - dt.timedelta(days=connection.history_days)
    result = client.sync(connection.consent_id, resource_id, state, first_day=first_day)
    since = first_day if state.last_booked is None else state.last_booked
    header = rec.StatementHeader(
        account_iban=iban,
        currency=currency,
        statement_id=f"psd2:{connection.pk}:{resource_id}:{today.isoformat()}",
        date_from=min(since, today),
        date_to=today,
        format="psd2",
    )
    events: list[rec.StatementEvent] = [rec.StatementBegin(header)]
    events += [*result.booked, *result.pending]
    events.append(rec.StatementEnd(header))
    run.items += 1
    try:
        with transaction.atomic():  # the entries and the cursor move together
            summary = actions.import_events(
                common.SYSTEM, connection.company, events, name=f"{connection.name} {iban}"
            )
            cursor["last_booked"] = (
                result.state.last_booked.isoformat() if result.state.last_booked else None
            )
            cursor["pending"] = len(result.pending)
            connection.cursor = {**connection.cursor, resource_id: cursor}
            connection.save(update_fields=["cursor"])
    except (InvalidInput, ActionError) as error:
        run.refused += 1
        run.errors.append({"item": iban or resource_id, "error": common.error_text(error)})
        return
    run.imported += 1
    run.new_entries += summary.new
    run.matched += summary.matched
    run.review += summary.review


def _learn_accounts(connection: BankConnection, client: psd2.PSD2Client) -> None:
    """The accounts the consent covers (one call, only when the cursor has none: every call
    counts against the bank's daily limit)."""
    found = client.accounts(connection.consent_id)
    known = dict(connection.cursor or {})
    for account in found:
        known.setdefault(account.resource_id, {"iban": account.iban, "last_booked": None})
        known[account.resource_id].update(iban=account.iban, currency=account.currency)
    connection.cursor = known
    connection.save(update_fields=["cursor"])


def _after_failure(connection: BankConnection, error: psd2.PSD2Error, now: dt.datetime) -> str:
    """Status and next run after the bank refused or failed; the message for the log."""
    if isinstance(error, psd2.ConsentExpired | psd2.ConsentInvalid):
        connection.consent_status = (
            "expired"
            if isinstance(error, psd2.ConsentExpired)
            else (connection.consent_status if connection.consent_status != "valid" else "invalid")
        )
        connection.status = SyncStatus.CONSENT
        connection.next_run_at = None  # nothing to do until the owner renews
    elif isinstance(error, psd2.AccessExceeded):
        connection.status = SyncStatus.LIMITED
        tomorrow = timezone.localtime(now).replace(hour=0, minute=0) + dt.timedelta(days=1)
        connection.next_run_at = next_slot(connection, tomorrow - dt.timedelta(minutes=1))
    else:  # outage, a broken answer: back off and try again
        connection.failures += 1
        connection.status = (
            SyncStatus.RETRYING if isinstance(error, psd2.BankUnavailable) else SyncStatus.FAILED
        )
        wait = min(BACKOFF_FIRST * 2 ** (connection.failures - 1), BACKOFF_MAX)
        connection.next_run_at = now + wait
    return str(error)


def sync(
    connection: BankConnection,
    *,
    now: dt.datetime | None = None,
    client_factory: ClientFactory = default_client,
) -> SourceRun:
    """One sync of a connection (claimed by the caller): every account of the consent."""
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    before = connection.status
    run = common.start_run(connection.company, SourceKind.PSD2, connection.pk, connection.name)
    failed = ""
    if not _consent_usable(connection, today):
        if connection.consent_status == "valid":
            connection.consent_status = "expired"
        connection.status = SyncStatus.CONSENT
        connection.next_run_at = None
        failed = _("The consent is not valid (%(status)s): renew the connection.") % {
            "status": connection.consent_status or _("none")
        }
    else:
        client = client_factory(connection)
        try:
            if not connection.cursor:
                _learn_accounts(connection, client)
            for resource_id in list(connection.cursor):
                _sync_account(run, connection, client, resource_id, today)
        except psd2.PSD2Error as error:
            failed = _after_failure(connection, error, moment)
        else:
            connection.failures = 0
            connection.last_success_at = moment
            connection.status = SyncStatus.PARTIAL if run.refused else SyncStatus.OK
            connection.next_run_at = next_slot(connection, moment)
    common.finish_run(run, failed=failed)
    connection.last_run_at = moment
    connection.last_error = (failed or (run.errors[-1]["error"] if run.errors else ""))[:500]
    connection.save(
        update_fields=[
            "consent_status", "status", "next_run_at", "failures", "last_success_at",
            "last_run_at", "last_error",
        ]
    )  # fmt: skip
    common.report_refused(run)
    link = reverse("banking:connection", args=[connection.company.eik, connection.pk])
    common.report_stopped(
        run.company,
        common.source_label(connection),
        common.last_error(run),
        before=before,
        after=connection.status,
        failures=connection.failures,
        link=link,
    )
    return run


def warn_expiring(today: dt.date | None = None) -> int:
    """Warn the owners of each connection whose consent ends within its `warn_days` (once per
    consent end date): under the bell and by e-mail. Returns the connections warned."""
    day = today or timezone.localdate()
    warned = 0
    candidates = BankConnection.objects.filter(
        active=True, consent_status="valid", consent_valid_until__isnull=False
    ).select_related("company")
    for connection in candidates:
        ends = connection.consent_valid_until
        assert ends is not None
        if (ends - day).days > connection.warn_days or connection.warned_for == ends:
            continue
        with transaction.atomic():
            _warn(connection, ends, day)
            connection.warned_for = ends
            connection.save(update_fields=["warned_for"])
        warned += 1
    return warned


def _warn(connection: BankConnection, ends: dt.date, day: dt.date) -> None:
    company = connection.company
    link = reverse("banking:connection", args=[company.eik, connection.pk])
    days = max((ends - day).days, 0)

    def text() -> str:
        return _(
            "The consent for the bank connection %(bank)s ends on %(date)s (in %(days)s days): "
            "renew it so statements keep arriving."
        ) % {"bank": connection.name, "date": formatting.date(ends), "days": days}

    people = common.owners(company)
    notify(company, people, "bank_consent_expiring", text, link=link)
    for user in people:
        if not user.email:
            continue
        with translation.override(user.language or settings.LANGUAGE_CODE):
            queue_email(
                company,
                to=[user.email],
                subject=_("Bank connection %(bank)s: renew the consent")
                % {"bank": connection.name},
                body_text=f"{text()}\n\n{settings.BASE_URL}{link}\n",
                kind="bank_consent_expiring",
                idempotency_key=f"bank-consent:{connection.pk}:{ends.isoformat()}:{user.pk}",
            )
