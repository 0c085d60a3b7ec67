"""The statement mailbox: the bank e-mails its daily MT940/camt file; each run reads the recent
messages over IMAP, imports the statement attachments (also inside .zip) once, and marks the
message read (or moves it to the done folder).

Once: every attachment is recorded by the message's Message-ID and the attachment's SHA-256
in the transaction of its import, and a handled message gets a marker row, so a message seen
again (not yet marked, another client marked it unread, the run crashed) adds nothing. The
search looks back `LOOKBACK_DAYS` rather than only at unread messages: a person who opens the
mailbox first must not make a statement vanish.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import email.utils
import hashlib
import imaplib
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage

from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.banking import actions, secretbox
from xfinances.banking.models import (
    MailSecurity,
    ReceivedFile,
    ReceivedState,
    SourceKind,
    SourceRun,
    StatementMailbox,
    SyncStatus,
)
from xfinances.banking.sources import common
from xfinances.core.exceptions import InvalidInput

LOOKBACK_DAYS = 14
TIMEOUT = 60.0
_FETCHED = re.compile(rb"UID (\d+)")


class MailboxError(Exception):
    """The server could not be reached, refused the login, or answered oddly."""


@dataclass(frozen=True)
class Header:
    uid: str
    message_id: str
    sender: str


def sender_allowed(sender: str, allowed: str) -> bool:
    """`allowed` holds one address or "@domain" a line; empty allows every sender."""
    rules = [line.strip().lower() for line in allowed.splitlines() if line.strip()]
    if not rules:
        return True
    address = email.utils.parseaddr(sender)[1].lower()
    return any(
        address == rule or (rule.startswith("@") and address.endswith(rule)) for rule in rules
    )


class ImapSession:
    """One IMAP conversation (imaplib): log in, list recent messages, fetch, mark."""

    def __init__(self, mailbox: StatementMailbox) -> None:
        self.mailbox = mailbox
        try:
            password = secretbox.open_sealed(mailbox.password)
        except secretbox.SecretUnreadable:
            raise MailboxError(_("The stored password cannot be read: enter it again.")) from None
        connected: imaplib.IMAP4 | None = None
        try:
            connected = self._connect()
            self._ok(connected.login(mailbox.username, password))
            self._ok(connected.select(self._quote(mailbox.folder)))
        except (OSError, imaplib.IMAP4.error, MailboxError) as error:
            if connected is not None:  # refused after connecting: do not leave the socket open
                with contextlib.suppress(OSError, imaplib.IMAP4.error):
                    connected.shutdown()
            raise MailboxError(
                _("The mail server %(host)s: %(error)s") % {"host": mailbox.host, "error": error}
            ) from None
        self.imap: imaplib.IMAP4 = connected
        self.moved = False

    def _connect(self) -> imaplib.IMAP4:
        box = self.mailbox
        if box.security == MailSecurity.SSL:
            context = ssl.create_default_context()
            return imaplib.IMAP4_SSL(box.host, box.port, ssl_context=context, timeout=TIMEOUT)
        imap = imaplib.IMAP4(box.host, box.port, timeout=TIMEOUT)
        if box.security == MailSecurity.STARTTLS:
            imap.starttls(ssl.create_default_context())
        return imap

    @staticmethod
    def _quote(name: str) -> str:
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'

    @staticmethod
    def _ok(answer: tuple[str, list]) -> list:
        status, data = answer
        if status != "OK":
            raise MailboxError(" ".join(d.decode(errors="replace") for d in data if d))
        return data

    def recent(self, since: dt.date) -> Iterator[Header]:
        day = since.strftime("%d-%b-%Y")
        data = self._ok(self.imap.uid("SEARCH", "SINCE", day, "NOT", "DELETED"))
        uids = (data[0] or b"").split()
        for uid in uids:
            fields = "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID FROM DATE SUBJECT)])"
            answer = self._ok(self.imap.uid("FETCH", uid.decode(), fields))
            raw = b"".join(part[1] for part in answer if isinstance(part, tuple))
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            message_id = str(parsed.get("Message-ID", "")).strip()
            if not message_id:  # a message without one: its date, sender and subject
                message_id = "sha:" + hashlib.sha256(raw).hexdigest()
            yield Header(uid.decode(), message_id[:300], str(parsed.get("From", "")))

    def fetch(self, uid: str) -> EmailMessage:
        answer = self._ok(self.imap.uid("FETCH", uid, "(BODY.PEEK[])"))
        raw = b"".join(part[1] for part in answer if isinstance(part, tuple))
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message

    def done(self, uid: str) -> None:
        """Mark the message read, and move it when a done folder is set (COPY + delete: MOVE
        is an extension not every server has)."""
        self._ok(self.imap.uid("STORE", uid, "+FLAGS", "(\\Seen)"))
        if self.mailbox.done_folder:
            self._ok(self.imap.uid("COPY", uid, self._quote(self.mailbox.done_folder)))
            self._ok(self.imap.uid("STORE", uid, "+FLAGS", "(\\Deleted)"))
            self.moved = True

    def close(self) -> None:
        try:
            if self.moved:
                self.imap.expunge()
            self.imap.logout()
        except (OSError, imaplib.IMAP4.error):
            pass  # the work is recorded; a lost goodbye changes nothing


def attachments(message: EmailMessage) -> Iterator[tuple[str, bytes]]:
    for part in message.iter_attachments():
        name = part.get_filename() or ""
        content = part.get_payload(decode=True)
        if name and isinstance(content, bytes):
            yield name, content


def _handle_message(
    run: SourceRun, mailbox: StatementMailbox, session: ImapSession, header: Header
) -> None:
    keys = {"kind": SourceKind.MAILBOX, "source_id": mailbox.pk, "message_id": header.message_id}
    message = session.fetch(header.uid)
    for name, content in attachments(message):
        try:
            files = list(common.statement_files(name, content, actions.MAX_BYTES))
        except InvalidInput as error:
            run.refused += 1
            run.errors.append({"item": name, "error": common.error_text(error)})
            continue
        for file_name, data in files:
            common.receive_file(
                run,
                message_id=header.message_id,
                name=file_name,
                data=data,
                account=mailbox.account,
            )
    ReceivedFile.objects.get_or_create(
        **keys,
        sha256="",
        defaults={"company": mailbox.company, "state": ReceivedState.MESSAGE, "run": run},
    )


def poll(mailbox: StatementMailbox, *, today: dt.date | None = None) -> SourceRun:
    """One run of a mailbox (claimed by the caller): import what came, log it, report refusals."""
    day = today or timezone.localdate()
    run = common.start_run(mailbox.company, SourceKind.MAILBOX, mailbox.pk, str(mailbox))
    failed = ""
    try:
        session = ImapSession(mailbox)
    except MailboxError as error:
        failed = str(error)
    else:
        try:
            for header in list(session.recent(day - dt.timedelta(days=LOOKBACK_DAYS))):
                handled = ReceivedFile.objects.filter(
                    kind=SourceKind.MAILBOX,
                    source_id=mailbox.pk,
                    message_id=header.message_id,
                    state=ReceivedState.MESSAGE,
                ).exists()
                if handled:
                    continue
                if not sender_allowed(header.sender, mailbox.allowed_senders):
                    continue  # not from the bank: left alone, neither read nor marked
                _handle_message(run, mailbox, session, header)
                session.done(header.uid)
        except (OSError, imaplib.IMAP4.error, MailboxError) as error:
            failed = _("The mail server %(host)s: %(error)s") % {
                "host": mailbox.host,
                "error": error,
            }
        finally:
            session.close()
    common.finish_run(run, failed=failed)
    now = timezone.now()
    mailbox.last_run_at = now
    mailbox.next_run_at = now + dt.timedelta(minutes=max(mailbox.interval_minutes, 1))
    mailbox.status = (
        SyncStatus.FAILED if failed else SyncStatus.PARTIAL if run.refused else SyncStatus.OK
    )
    mailbox.last_error = (failed or (run.errors[-1]["error"] if run.errors else ""))[:500]
    mailbox.save(update_fields=["last_run_at", "next_run_at", "status", "last_error"])
    common.report_refused(run)
    return run
