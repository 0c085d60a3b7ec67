"""The outbox worker: claim due rows, send them, record the outcome. Safe to run in many
processes at once and to kill at any moment (see docs/decisions/0003-outbox-delivery.md).

States: queued → sending (claimed: claim token + attempts + 1) → sent | queued again (retry,
exponential backoff) | failed (gave up, permanent refusal, or outcome unknown).

Never a duplicate e-mail: right before the bytes go to the SMTP server the row gets
`transmit_started_at` (committed). A row found in `sending` after a crash
- without that mark was never handed to the server: it goes back to the queue;
- with it may or may not have reached the server: it is marked failed with
  `outcome_uncertain` and the user decides (resend button), never retried automatically.
Webhooks carry a stable event id (receivers de-duplicate) and are retried in both cases.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import smtplib
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from xfinances.core import events
from xfinances.notifications import webhook_transport
from xfinances.notifications.events import MessageFailed, MessageSent, message_attachments
from xfinances.notifications.models import (
    DeliveryLogEntry,
    LogEvent,
    MessageKind,
    MessageStatus,
    OutboxMessage,
)

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Xfinances-Signature"
EVENT_HEADER = "X-Xfinances-Event"
DELIVERY_HEADER = "X-Xfinances-Delivery"


def batch_size() -> int:
    return int(getattr(settings, "NOTIFICATIONS_BATCH_SIZE", 100))


def stuck_after_minutes() -> int:
    return int(getattr(settings, "NOTIFICATIONS_STUCK_AFTER_MINUTES", 10))


def max_backoff_minutes() -> int:
    return int(getattr(settings, "NOTIFICATIONS_MAX_BACKOFF_MINUTES", 60))


def webhook_timeout() -> float:
    return float(getattr(settings, "NOTIFICATIONS_WEBHOOK_TIMEOUT", 10))


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes after the 1st, 2nd, 3rd … failed attempt, capped."""
    minutes = min(2 ** max(attempts - 1, 0), max_backoff_minutes())
    return dt.timedelta(minutes=minutes)


@dataclass
class RunResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    def add(self, other: RunResult) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed


# --- claiming ----------------------------------------------------------------------------------


def claim(kind: str, limit: int, now: dt.datetime | None = None) -> list[OutboxMessage]:
    """Take up to `limit` due rows of `kind` for this worker (conditional UPDATE: a row is
    claimed by exactly one worker)."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    due = OutboxMessage.objects.filter(
        kind=kind, status=MessageStatus.QUEUED, next_attempt_at__lte=now
    ).order_by("next_attempt_at", "id")
    with transaction.atomic():
        if db_connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        OutboxMessage.objects.filter(id__in=ids, status=MessageStatus.QUEUED).update(
            status=MessageStatus.SENDING,
            claim_token=token,
            claimed_at=now,
            transmit_started_at=None,
            attempts=F("attempts") + 1,
        )
        # Read in the same transaction: a database lost between the claim and this read must
        # not leave rows claimed by nobody until reconcile.
        return list(
            OutboxMessage.objects.filter(claim_token=token, status=MessageStatus.SENDING)
            .select_related("company", "document", "endpoint")
            .order_by("id")
        )


def _mark_transmitting(message: OutboxMessage) -> bool:
    """Committed before the bytes leave. False: the claim was lost (reconciled meanwhile)."""
    return bool(
        OutboxMessage.objects.filter(
            pk=message.pk, claim_token=message.claim_token, status=MessageStatus.SENDING
        ).update(transmit_started_at=timezone.now())
    )


# --- outcomes ----------------------------------------------------------------------------------


def _log(message: OutboxMessage, event: str, detail: str = "", code: int | None = None) -> None:
    DeliveryLogEntry.objects.create(
        company_id=message.company_id,
        message=message,
        document_id=message.document_id,
        event=event,
        attempt=message.attempts,
        response_code=code,
        detail=detail[:2000],
    )


@transaction.atomic
def mark_sent(message: OutboxMessage, code: int | None = None, detail: str = "") -> None:
    _record_sent(message, code, detail)


def _record_sent(message: OutboxMessage, code: int | None = None, detail: str = "") -> None:
    """Inside the caller's transaction. The apps above learn of it through `MessageSent`
    (invoicing stamps the document's first delivery and tells webhooks)."""
    now = timezone.now()
    changed = OutboxMessage.objects.filter(pk=message.pk, claim_token=message.claim_token).update(
        status=MessageStatus.SENT,
        sent_at=now,
        last_error="",
        last_response_code=code,
        outcome_uncertain=False,
    )
    if not changed:
        return
    _log(message, LogEvent.SENT, detail, code)
    events.emit(
        MessageSent(
            company_id=message.company_id,
            message_id=message.pk,
            kind=message.kind,
            purpose=str(message.payload.get("purpose") or ""),
            document_id=message.document_id,
            recipients=tuple(message.recipients or ()),
        )
    )


@transaction.atomic
def mark_attempt_failed(
    message: OutboxMessage,
    error: str,
    *,
    code: int | None = None,
    permanent: bool = False,
    uncertain: bool = False,
    now: dt.datetime | None = None,
) -> str:
    """Retry later, or give up (permanent refusal, out of time, uncertain outcome)."""
    now = now or timezone.now()
    next_at = now + backoff(message.attempts)
    give_up = permanent or uncertain or next_at > message.give_up_at
    status = MessageStatus.FAILED if give_up else MessageStatus.QUEUED
    changed = OutboxMessage.objects.filter(
        pk=message.pk, claim_token=message.claim_token, status=MessageStatus.SENDING
    ).update(
        status=status,
        next_attempt_at=next_at,
        last_error=error[:4000],
        last_response_code=code,
        outcome_uncertain=uncertain,
        failed_at=now if give_up else None,
        transmit_started_at=None,
    )
    if not changed:
        return "lost"
    if not give_up:
        _log(message, LogEvent.RETRY, error, code)
        return "retry"
    _log(message, LogEvent.UNCERTAIN if uncertain else LogEvent.FAILED, error, code)
    events.emit(MessageFailed(message.company_id, message.pk, error))
    return "failed"


# --- e-mail ------------------------------------------------------------------------------------


def build_email(message: OutboxMessage, connection: Any = None) -> EmailMultiAlternatives:
    payload = message.payload
    reply_to = [payload["reply_to"]] if payload.get("reply_to") else []
    email = EmailMultiAlternatives(
        subject=payload.get("subject", message.subject),
        body=payload.get("text", ""),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(payload.get("to") or message.recipients),
        reply_to=reply_to,
        headers={"Message-ID": message.message_id, "X-Xfinances-Message": str(message.pk)},
        connection=connection,
    )
    html = payload.get("html") or ""
    if html:
        if message.tracking_token:
            pixel = f"{settings.BASE_URL}/t/{message.tracking_token}.gif"
            html += f'<img src="{pixel}" width="1" height="1" alt="">'
        email.attach_alternative(html, "text/html")
    for attachment in message_attachments.collect(message=message):
        email.attach(attachment.filename, attachment.content, attachment.content_type)
    for item in payload.get("attachments") or []:
        email.attach(item["filename"], base64.b64decode(item["content"]), item.get("content_type"))
    return email


def _smtp_code(error: BaseException) -> int | None:
    if isinstance(error, smtplib.SMTPResponseException):
        return int(error.smtp_code)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in error.recipients.values()]
        return int(codes[0]) if codes else None
    return None


def _smtp_text(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error
        text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
        return f"{error.smtp_code} {text}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = []
        for address, (code, answer) in error.recipients.items():
            raw: Any = answer
            shown = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
            parts.append(f"{address}: {code} {shown}")
        return "; ".join(parts)
    return f"{type(error).__name__}: {error}"


def send_email_batch(messages: list[OutboxMessage]) -> RunResult:
    """Send claimed e-mails over one SMTP connection."""
    result = RunResult()
    if not messages:
        return result
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as error:
        for message in messages:
            _count(result, mark_attempt_failed(message, _smtp_text(error)))
        return result
    accepted = _Accepted(result)
    try:
        _send_over(connection, messages, accepted, result)
    except DatabaseError:
        # The database went away mid-batch (a restart, a failover): once it answers again, write
        # what the mail server accepted and give back what never left, instead of leaving it
        # all to reconcile, which would call the accepted e-mails uncertain ten minutes later.
        _when_database_returns(lambda: _settle_after_database_error(messages, accepted))
        raise
    finally:
        with contextlib.suppress(Exception):  # closing a broken connection
            connection.close()
    return result


class _Accepted:
    """E-mails the server accepted whose "sent" is not committed yet: written in the caller's
    transaction (`write`), forgotten only once that transaction committed (`committed`)."""

    def __init__(self, result: RunResult) -> None:
        self.messages: list[OutboxMessage] = []
        self.result = result

    def write(self) -> None:
        for message in self.messages:
            _record_sent(message, 250)

    def committed(self) -> None:
        self.result.sent += len(self.messages)
        self.messages.clear()


def _send_over(
    connection: Any, messages: list[OutboxMessage], accepted: _Accepted, result: RunResult
) -> None:
    """The loop of `send_email_batch` over an open SMTP connection."""
    for index, message in enumerate(messages):
        try:
            email = build_email(message, connection)
        except Exception as error:
            with transaction.atomic():
                accepted.write()
            accepted.committed()
            _count(result, mark_attempt_failed(message, _smtp_text(error)))
            continue
        # One short transaction: "sent" of the previous message and "transmitting" of
        # this one. The uncertain window stays one message wide.
        with transaction.atomic():
            accepted.write()
            claimed = _mark_transmitting(message)
        accepted.committed()
        if not claimed:
            continue
        try:
            connection.send_messages([email])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
            # The server answered with a refusal: nothing was accepted.
            code = _smtp_code(error)
            permanent = code is not None and code >= 500
            _count(
                result,
                mark_attempt_failed(message, _smtp_text(error), code=code, permanent=permanent),
            )
        except (smtplib.SMTPException, OSError) as error:
            # The connection broke before the server's final answer: by SMTP rules the
            # message was not accepted. Retry it and the rest of the batch later.
            _count(result, mark_attempt_failed(message, _smtp_text(error)))
            _retry_rest(messages[index + 1 :], error, result)
            return
        else:
            accepted.messages.append(message)
    with transaction.atomic():
        accepted.write()
    accepted.committed()


def _settle_after_database_error(messages: list[OutboxMessage], accepted: _Accepted) -> None:
    """After a lost database: `sent` for what the server accepted, the queue again for what was
    claimed but never handed over (no transmitting mark). A row that has the mark and is not
    among the accepted stays for reconcile, which alone decides about those (decision 0003)."""
    with transaction.atomic():
        accepted.write()
        tokens = {m.claim_token for m in messages}
        OutboxMessage.objects.filter(
            pk__in=[m.pk for m in messages],
            claim_token__in=tokens,
            status=MessageStatus.SENDING,
            transmit_started_at__isnull=True,
        ).update(status=MessageStatus.QUEUED, claim_token="", next_attempt_at=timezone.now())
    accepted.committed()


def _when_database_returns(settle: Any, seconds: float = 60) -> bool:
    """Run `settle` as soon as the database answers again (a restart takes seconds)."""
    deadline = time.monotonic() + seconds
    while True:
        if not db_connection.in_atomic_block:
            db_connection.close()  # the broken connection; the next query opens a new one
        try:
            settle()
            return True
        except DatabaseError as error:
            if time.monotonic() > deadline:
                log.error("The database did not come back in %s s: %s", seconds, error)
                return False
            time.sleep(1)


def _retry_rest(messages: list[OutboxMessage], error: BaseException, result: RunResult) -> None:
    for message in messages:
        _count(result, mark_attempt_failed(message, _smtp_text(error)))


def _count(result: RunResult, outcome: str) -> None:
    if outcome == "retry":
        result.retried += 1
    elif outcome == "failed":
        result.failed += 1


# --- webhooks ----------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>" with the endpoint's secret (hex)."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify_signature(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What a receiver does: check the HMAC and refuse timestamps older than `tolerance` s."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), parts.get("v1", ""))


def send_webhook(message: OutboxMessage) -> str:
    endpoint = message.endpoint
    if endpoint is None or not endpoint.is_active:
        return mark_attempt_failed(
            message, _("The endpoint was deleted or switched off."), permanent=True
        )
    body = json.dumps(message.payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "XFINANCES-Webhooks/1",
        SIGNATURE_HEADER: signature_header(endpoint.secret, body),
        EVENT_HEADER: message.event,
        DELIVERY_HEADER: str(message.payload.get("id", message.pk)),
    }
    if not _mark_transmitting(message):
        return "lost"
    # Resolved and checked now, connected to the checked address, no redirects, only the status
    # and size kept (webhook_transport.py).
    allow_private = bool(getattr(settings, "NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE", False))
    try:
        code, size = webhook_transport.post(
            endpoint.url, body, headers, timeout=webhook_timeout(), allow_private=allow_private
        )
    except webhook_transport.WebhookTargetRefused as refused:
        reason = _(
            "Not sent: %(host)s resolves to %(address)s, a private or reserved address that "
            "webhooks may not reach."
        ) % {"host": refused.host, "address": refused.address}
        return mark_attempt_failed(message, reason, permanent=True)
    except (OSError, ValueError, http.client.HTTPException) as error:
        return mark_attempt_failed(message, f"{type(error).__name__}: {error}")
    detail = _("HTTP %(code)s, %(size)s bytes") % {"code": code, "size": size}
    if 200 <= code < 300:
        mark_sent(message, code, detail)
        return "sent"
    return mark_attempt_failed(message, detail, code=code)


# --- the run -----------------------------------------------------------------------------------


def reconcile(now: dt.datetime | None = None) -> dict[str, int]:
    """Rows left in `sending` by a worker that died. Returns counts per outcome."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=stuck_after_minutes())
    stuck = OutboxMessage.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=cutoff)
    counts = {"requeued": 0, "uncertain": 0}
    # Never handed to the server, or a webhook (receivers de-duplicate by event id): again.
    counts["requeued"] = stuck.filter(
        Q(transmit_started_at__isnull=True) | Q(kind=MessageKind.WEBHOOK)
    ).update(status=MessageStatus.QUEUED, claim_token="", next_attempt_at=now)
    for message in stuck.filter(kind=MessageKind.EMAIL, transmit_started_at__isnull=False):
        outcome = mark_attempt_failed(
            message,
            _(
                "The worker stopped while this e-mail was being handed to the mail server; it "
                "may or may not have arrived. Not retried automatically to avoid a duplicate: "
                "check with the recipient (Message-ID %(id)s) and resend if needed."
            )
            % {"id": message.message_id},
            uncertain=True,
            now=now,
        )
        if outcome == "failed":
            counts["uncertain"] += 1
    return counts


def run(limit: int | None = None, max_batches: int | None = None) -> RunResult:
    """Send every due row (e-mails in batches over one connection, then webhooks)."""
    limit = limit or batch_size()
    total = RunResult()
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        emails = claim(MessageKind.EMAIL, limit)
        part = send_email_batch(emails)
        hooks = claim(MessageKind.WEBHOOK, limit)
        for index, message in enumerate(hooks):
            try:
                outcome = send_webhook(message)
            except DatabaseError:
                # Webhooks are at least once: give every unfinished one back to the queue.
                _when_database_returns(lambda rest=hooks[index:]: _release(rest))
                raise
            _count(part, outcome)
            if outcome == "sent":
                part.sent += 1
        total.add(part)
        if not emails and not hooks:
            break
    return total


def _release(messages: list[OutboxMessage]) -> None:
    OutboxMessage.objects.filter(
        pk__in=[m.pk for m in messages],
        claim_token__in={m.claim_token for m in messages},
        status=MessageStatus.SENDING,
    ).update(status=MessageStatus.QUEUED, claim_token="", next_attempt_at=timezone.now())


@contextmanager
def smtp_settings(host: str, port: int) -> Iterator[None]:
    """For benchmarks and the CLI: send through an explicit SMTP server."""
    from django.test import override_settings  # test machinery: loaded only when asked for

    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=host,
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
    ):
        yield


@db_task()
def deliver_outbox() -> int:
    """Kicked after a transaction queued messages: send what is due now. Declared here rather
    than in tasks.py because queuing (actions) kicks it, and the periodic jobs in tasks.py read
    bounces through actions: one module each way keeps the imports one-way."""
    return run().sent
