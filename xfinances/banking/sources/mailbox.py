"""The statement mailbox: the bank e-mails its daily MT940/camt file; each run reads the recent
messages over IMAP or POP3, imports the statement attachments (also inside .zip) once, and
marks the message read, moves it to the done folder (IMAP) or deletes it (when the owner chose
"delete from the server after import"; otherwise nothing is deleted).

Once: every attachment is recorded by the message's Message-ID and the attachment's SHA-256
in the transaction of its import, and a handled message gets a marker row, so a message seen
again (not yet marked, another client marked it unread, the run crashed, POP3 has no flags at
all) adds nothing. The search looks back `LOOKBACK_DAYS` rather than only at unread messages:
a person who opens the mailbox first must not make a statement vanish. POP3 has no search:
its session reads the header of every message it has not decided on before and keeps those
whose Date falls in the window; the mailbox remembers, by UIDL, the messages still on the
server that a run handled or passed over (`pop3_seen`), so the next run reads only new ones.

Both protocols are one `MailSession` (recent / fetch / done / close); `poll()` does not know
which it talks to. The login is a password or, for Gmail and Microsoft 365, an OAuth2 access
token got from the stored refresh token before each run (`mail_oauth`) and sent as XOAUTH2.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import email
import email.policy
import email.utils
import hashlib
import imaplib
import poplib
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.banking import actions, secretbox
from xfinances.banking.models import (
    MailAuth,
    MailProtocol,
    MailSecurity,
    ReceivedFile,
    ReceivedState,
    SourceKind,
    SourceRun,
    StatementMailbox,
    SyncStatus,
)
from xfinances.banking.sources import common, mail_oauth
from xfinances.core.exceptions import InvalidInput
from xfinances.core.text_limits import limit_of

LOOKBACK_DAYS = 14
TIMEOUT = 60.0
# A POP3 line longer than this ends the conversation (poplib's own limit, 2,048, would refuse
# a message with one long line of HTML every run).
POP3_LINE_LIMIT = 1_000_000
# What a broken conversation raises, besides MailboxError.
CONVERSATION_ERRORS = (OSError, EOFError, imaplib.IMAP4.error, poplib.error_proto)
# What a POP3 run remembers of a message, by its UIDL: its statements were imported (or it was
# handled before), or it was passed over for good (another sender, or older than the window:
# it only gets older). A change of the mailbox's server, user or senders forgets it all.
HANDLED, PASSED = "handled", "passed"
MAX_REMEMBERED = 20_000  # UIDLs kept at most (the newest); beyond that, headers are read again


class MailboxError(Exception):
    """The server could not be reached, refused the login, or answered oddly."""


class SignInNeeded(MailboxError):
    """The saved OAuth2 sign-in cannot be used (refused by the provider or by the mail server,
    none yet, unreadable): only the owner can fix it, by signing in again."""


@dataclass(frozen=True)
class Header:
    uid: str
    message_id: str
    sender: str


@dataclass(frozen=True)
class Login:
    """What a session signs in with: a password, or an OAuth2 access token (XOAUTH2)."""

    username: str
    password: str = ""
    access_token: str = ""
    secrets: tuple[str, ...] = field(default=(), repr=False)  # never in an error text


class MailSession(Protocol):
    """One conversation with the mailbox, whatever the protocol."""

    def recent(self, since: dt.date) -> Iterator[Header]: ...

    def fetch(self, uid: str) -> EmailMessage: ...

    def done(self, uid: str) -> None: ...

    def remember(self, uid: str, *, handled: bool) -> None: ...

    def remembered(self) -> dict[str, str] | None: ...

    def close(self) -> None: ...


def sender_allowed(sender: str, allowed: str) -> bool:
    """`allowed` holds one address or "@domain" a line; empty allows every sender."""
    rules = [line.strip().lower() for line in allowed.splitlines() if line.strip()]
    if not rules:
        return True
    address = email.utils.parseaddr(sender)[1].lower()
    return any(
        address == rule or (rule.startswith("@") and address.endswith(rule)) for rule in rules
    )


def describe(error: BaseException) -> str:
    """A conversation error as text (poplib carries the server's answer as bytes)."""
    parts = [a.decode(errors="replace") if isinstance(a, bytes) else str(a) for a in error.args]
    return " ".join(p for p in parts if p) or error.__class__.__name__


def _message_id(parsed: EmailMessage, raw: bytes) -> str:
    message_id = str(parsed.get("Message-ID", "")).strip()
    if not message_id:  # a message without one: its header's hash
        message_id = "sha:" + hashlib.sha256(raw).hexdigest()
    return message_id[:300]


class _XOAuth2:
    """imaplib's AUTHENTICATE callback: the initial response once, then an empty answer to
    the server's error challenge so that it finishes with NO. It remembers whether the token
    went out (a refusal after that is the token's, not the mechanism's) and the status of the
    error challenge."""

    def __init__(self, login: Login) -> None:
        self.first: bytes | None = mail_oauth.xoauth2(login.username, login.access_token)
        self.sent = False
        self.status = ""

    def __call__(self, challenge: bytes) -> bytes:
        if self.sent:  # any challenge after the token is the server's error (Google, Microsoft)
            self.status = self.status or mail_oauth.challenge_status(challenge)
        answer, self.first = self.first or b"", None
        self.sent = True
        return answer


class ImapSession:
    """One IMAP conversation (imaplib): log in, list recent messages, fetch, mark."""

    def __init__(self, mailbox: StatementMailbox, login: Login) -> None:
        self.mailbox = mailbox
        connected: imaplib.IMAP4 | None = None
        try:
            connected = self._connect()
            if login.access_token:
                self._xoauth2(connected, login)
            else:
                self._ok(connected.login(login.username, login.password))
            self._ok(connected.select(self._quote(mailbox.folder)))
        except (*CONVERSATION_ERRORS, MailboxError) as error:
            if connected is not None:  # refused after connecting: do not leave the socket open
                with contextlib.suppress(*CONVERSATION_ERRORS):
                    connected.shutdown()
            if isinstance(error, SignInNeeded):
                raise
            raise MailboxError(_server_said(mailbox, error)) from None
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

    def _xoauth2(self, imap: imaplib.IMAP4, login: Login) -> None:
        """AUTHENTICATE XOAUTH2. A NO or BAD after the token went out to a server that offers
        XOAUTH2 is a refused sign-in; refused before (no "+" for the token, or no
        AUTH=XOAUTH2) the server does not do XOAUTH2, which signing in again cannot fix."""
        answer = _XOAuth2(login)
        try:
            imap.authenticate("XOAUTH2", answer)  # raises unless OK
        except binascii.Error as error:  # imaplib could not base64-decode a challenge
            if not answer.sent:
                raise MailboxError(describe(error)) from None
            # The error challenge was unreadable and left unanswered: the refusal is known, the
            # server's last word is not.
            raise SignInNeeded(_refused_sign_in(self.mailbox, login, "", "")) from None
        except imaplib.IMAP4.error as error:
            offered = "AUTH=XOAUTH2" in imap.capabilities
            said = _imap_said(describe(error))
            if isinstance(error, imaplib.IMAP4.abort) or not (answer.sent and offered):
                raise  # the connection broke, or the server does not do XOAUTH2
            if _temporary(said):
                raise
            raise SignInNeeded(_refused_sign_in(self.mailbox, login, answer.status, said)) from None

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
            assert isinstance(parsed, EmailMessage)
            yield Header(uid.decode(), _message_id(parsed, raw), str(parsed.get("From", "")))

    def fetch(self, uid: str) -> EmailMessage:
        answer = self._ok(self.imap.uid("FETCH", uid, "(BODY.PEEK[])"))
        raw = b"".join(part[1] for part in answer if isinstance(part, tuple))
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message

    def done(self, uid: str) -> None:
        """Mark the message read; move it when a done folder is set (COPY + delete: MOVE is an
        extension not every server has), or delete it when the owner asked for that."""
        self._ok(self.imap.uid("STORE", uid, "+FLAGS", "(\\Seen)"))
        if self.mailbox.done_folder:
            self._ok(self.imap.uid("COPY", uid, self._quote(self.mailbox.done_folder)))
        if self.mailbox.done_folder or self.mailbox.delete_after_import:
            self._ok(self.imap.uid("STORE", uid, "+FLAGS", "(\\Deleted)"))
            self.moved = True

    def remember(self, uid: str, *, handled: bool) -> None:
        """IMAP searches by date and keeps its own marks: nothing to remember."""

    def remembered(self) -> dict[str, str] | None:
        return None

    def close(self) -> None:
        try:
            if self.moved:
                self.imap.expunge()
            self.imap.logout()
        except CONVERSATION_ERRORS:
            pass  # the work is recorded; a lost goodbye changes nothing


class Pop3Session:
    """One POP3 conversation (poplib for the connection, TLS and USER/PASS; the multi-line
    answers read here, without poplib's 2,048-byte line limit). POP3 has no flags, folders or
    search: a message's uid is its UIDL, `recent` keeps the messages whose Date header falls in
    the window (or that have none), and `done` deletes only when the owner asked for it; the
    deletions take effect at QUIT. A message an earlier run decided on (`mailbox.pop3_seen`)
    is not looked at again; `remembered` is that memory after this run, cut to the messages
    still on the server."""

    def __init__(self, mailbox: StatementMailbox, login: Login) -> None:
        self.mailbox = mailbox
        self.numbers: dict[str, str] = {}  # UIDL → message number of this conversation
        known = mailbox.pop3_seen if isinstance(mailbox.pop3_seen, dict) else {}
        self.known: dict[str, str] = {str(k): str(v) for k, v in known.items()}
        self.seen: dict[str, str] | None = None  # set once the server listed its messages
        self.listed: list[str] = []  # the UIDLs in the server's order (oldest first)
        self.has_top = True
        connected: poplib.POP3 | None = None
        try:
            connected = self._connect()
            self.pop = connected
            if login.access_token:
                self._xoauth2(login)
            else:
                connected.user(login.username)
                connected.pass_(login.password)
        except (*CONVERSATION_ERRORS, MailboxError) as error:
            if connected is not None:
                with contextlib.suppress(*CONVERSATION_ERRORS):
                    connected.close()
            if isinstance(error, SignInNeeded):
                raise
            raise MailboxError(_server_said(mailbox, error)) from None

    def _connect(self) -> poplib.POP3:
        box = self.mailbox
        if box.security == MailSecurity.SSL:
            context = ssl.create_default_context()
            return poplib.POP3_SSL(box.host, box.port, timeout=TIMEOUT, context=context)
        pop = poplib.POP3(box.host, box.port, timeout=TIMEOUT)
        if box.security == MailSecurity.STARTTLS:
            pop.stls(ssl.create_default_context())
        return pop

    def _send(self, line: str) -> None:
        self.pop.sock.sendall(line.encode() + b"\r\n")

    def _line(self) -> bytes:
        line = self.pop.file.readline(POP3_LINE_LIMIT + 1)
        if not line:
            raise MailboxError(_("the server closed the connection"))
        if len(line) > POP3_LINE_LIMIT:
            raise MailboxError(_("the server sent a line too long"))
        return line[:-2] if line.endswith(b"\r\n") else line.rstrip(b"\n")

    def _command(self, line: str) -> bytes:
        self._send(line)
        answer = self._line()
        if not answer.startswith(b"+OK"):
            raise MailboxError(answer.decode(errors="replace"))
        return answer

    def _lines(self, line: str) -> list[bytes]:
        """A multi-line answer, its dot-stuffing undone."""
        self._command(line)
        lines = []
        while (got := self._line()) != b".":
            lines.append(got[1:] if got.startswith(b"..") else got)
        return lines

    def _xoauth2(self, login: Login) -> None:
        """AUTH XOAUTH2 as Google and Microsoft document it: the command, the server's "+",
        the base64 response; a failure is a "+" with an error to answer with an empty line.
        "-ERR" to the command: the server does not do XOAUTH2; "-ERR" after the token: the
        sign-in was refused (unless the server says it is only a passing trouble)."""
        self._send("AUTH XOAUTH2")
        if self._line().startswith(b"-"):
            raise MailboxError(_("the server does not offer XOAUTH2 sign-in"))
        self._send(
            base64.b64encode(mail_oauth.xoauth2(login.username, login.access_token)).decode()
        )
        answer = self._line()
        status = ""
        if answer.startswith(b"+") and not answer.startswith(b"+OK"):
            status = mail_oauth.challenge_status(answer[1:], encoded=True)
            self._send("")
            answer = self._line()
        if answer.startswith(b"+OK"):
            return
        said = answer.decode(errors="replace")
        if not said.startswith("-ERR") or _temporary(said):
            raise MailboxError(said)
        raise SignInNeeded(
            _refused_sign_in(self.mailbox, login, status, said.removeprefix("-ERR").strip())
        )

    def _head(self, number: str) -> bytes:
        if self.has_top:
            try:
                return b"\r\n".join(self._lines(f"TOP {number} 0")) + b"\r\n"
            except MailboxError:
                self.has_top = False  # TOP is optional (RFC 1939): read the whole message
        return self._raw(number).split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"

    def _raw(self, number: str) -> bytes:
        return b"\r\n".join(self._lines(f"RETR {number}")) + b"\r\n"

    def recent(self, since: dt.date) -> Iterator[Header]:
        listing = []
        for line in self._lines("UIDL"):
            number, _space, uid = line.decode(errors="replace").strip().partition(" ")
            if number and uid:
                listing.append((number, uid.strip()))
        # Only the messages still on the server are remembered (the newest, at most).
        self.listed = [uid for _n, uid in listing]
        self.seen = {uid: self.known[uid] for uid in self.listed if uid in self.known}
        for number, uid in listing:
            self.numbers[uid] = number
            earlier = self.known.get(uid)
            if earlier is not None:  # decided on before: no TOP, no RETR
                if earlier == HANDLED and self.mailbox.delete_after_import:
                    self.done(uid)  # its deletion was lost (no QUIT)
                continue
            raw = self._head(number)
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            sent = _sent_on(parsed)
            if sent is not None and sent < since:
                self.remember(uid, handled=False)  # it only gets older
                continue
            yield Header(uid, _message_id(parsed, raw), str(parsed.get("From", "")))

    def remember(self, uid: str, *, handled: bool) -> None:
        if self.seen is not None:
            self.seen[uid] = HANDLED if handled else PASSED

    def remembered(self) -> dict[str, str] | None:
        if self.seen is None:  # the listing never came: keep what was known
            return None
        seen = self.seen
        decided = [uid for uid in self.listed if uid in seen]
        return {uid: seen[uid] for uid in decided[-MAX_REMEMBERED:]}

    def fetch(self, uid: str) -> EmailMessage:
        message = email.message_from_bytes(
            self._raw(self.numbers[uid]), policy=email.policy.default
        )
        assert isinstance(message, EmailMessage)
        return message

    def done(self, uid: str) -> None:
        if self.mailbox.delete_after_import:
            self._command(f"DELE {self.numbers[uid]}")

    def close(self) -> None:
        try:
            self.pop.quit()  # the server deletes what was marked only now
        except CONVERSATION_ERRORS:
            with contextlib.suppress(*CONVERSATION_ERRORS):
                self.pop.close()


def _sent_on(parsed: EmailMessage) -> dt.date | None:
    """The day of the message's Date header (the server's time zone), None without one."""
    try:
        sent = email.utils.parsedate_to_datetime(str(parsed.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return None
    if sent.tzinfo is not None:
        sent = timezone.localtime(sent)
    return sent.date()


def _server_said(mailbox: StatementMailbox, error: BaseException) -> str:
    return _("The mail server %(host)s: %(error)s") % {
        "host": mailbox.host,
        "error": describe(error),
    }


# Response codes of a refusal that is only passing (RFC 5530 for IMAP, RFC 3206 for POP3):
# signing in again would not help, the next run may.
_PASSING = ("[UNAVAILABLE]", "[SYS/TEMP]", "[IN-USE]")


def _temporary(said: str) -> bool:
    return any(code in said.upper() for code in _PASSING)


def _imap_said(text: str) -> str:
    """imaplib's text of a refusal without its wrapping: a BAD comes as
    "AUTHENTICATE command error: BAD [b'...']"."""
    wrapped = re.fullmatch(r"\w+ command error: (?:BAD|NO) \[(.*)\]", text, re.DOTALL)
    if wrapped is None:
        return text
    parts = re.findall(r"b'((?:[^'\\]|\\.)*)'|b\"((?:[^\"\\]|\\.)*)\"", wrapped.group(1))
    return " ".join(single or double for single, double in parts) or text


def _refused_sign_in(mailbox: StatementMailbox, login: Login, status: str, said: str) -> str:
    """The mail server took the access token and refused it: the token is for another account,
    lacks mail access, or the account may not use IMAP/POP. The server's words come last and
    short, the secrets cut out first (a token cut in half would no longer be found)."""
    said = mail_oauth.scrub(said, list(login.secrets)).strip()[:200]
    details = [_("status %(status)s") % {"status": status}] if status else []
    details += [said] if said else []
    return _(
        "The mail server %(host)s refused the OAuth2 sign-in of %(user)s: sign in with the "
        "provider again on the mailbox's page, as the account that owns this mailbox (or paste "
        "a refresh token of that account). The server said: %(said)s"
    ) % {
        "host": mailbox.host,
        "user": login.username,
        "said": "; ".join(details) or _("nothing readable"),
    }


def _login(mailbox: StatementMailbox) -> Login:
    """The password, or an access token for this run (a rotated refresh token is stored at
    once, before the login uses the access token: the old one may no longer work)."""
    if mailbox.auth != MailAuth.OAUTH2:
        try:
            password = secretbox.open_sealed(mailbox.password)
        except secretbox.SecretUnreadable:
            raise MailboxError(_("The stored password cannot be read: enter it again.")) from None
        return Login(mailbox.username, password=password, secrets=(password,))
    try:
        refresh_token = secretbox.open_sealed(mailbox.oauth_refresh_token)
        client_secret = secretbox.open_sealed(mailbox.oauth_client_secret)
    except secretbox.SecretUnreadable:
        raise SignInNeeded(
            _("The stored sign-in cannot be read: paste the refresh token and client secret again.")
        ) from None
    if not refresh_token:
        raise SignInNeeded(_sign_in_again())
    secrets: tuple[str, ...] = (refresh_token, client_secret)
    try:
        tokens = mail_oauth.refresh(
            mailbox.oauth_token_url,
            client_id=mailbox.oauth_client_id,
            client_secret=client_secret,
            refresh_token=refresh_token,
            scope=mailbox.oauth_scope,
        )
    except mail_oauth.SignInAgain:
        raise SignInNeeded(_sign_in_again()) from None
    except mail_oauth.TokenError as error:
        raise MailboxError(
            _("The token endpoint %(url)s %(error)s")
            % {"url": mailbox.oauth_token_url, "error": describe(error)}
        ) from None
    if tokens.refresh_token and tokens.refresh_token != refresh_token:
        _keep_rotated(mailbox, tokens.refresh_token)
        secrets += (tokens.refresh_token,)
    return Login(
        mailbox.username,
        access_token=tokens.access_token,
        secrets=(*secrets, *mail_oauth.xoauth2_secrets(mailbox.username, tokens.access_token)),
    )


def _sign_in_again() -> str:
    return _(
        "The mail provider does not accept the saved sign-in (the refresh token was revoked, "
        "has expired or was never given): sign in with the provider again on the mailbox's "
        "page, or paste a new refresh token in its settings."
    )


def _keep_rotated(mailbox: StatementMailbox, refresh_token: str) -> None:
    """Store the provider's new refresh token, sealed, unless the owner pasted another one
    meanwhile (theirs is newer)."""
    sealed = secretbox.seal(refresh_token)
    if len(sealed) > limit_of(StatementMailbox, "oauth_refresh_token"):
        raise MailboxError(_("The provider's new refresh token is too long to store."))
    StatementMailbox.objects.filter(
        pk=mailbox.pk, oauth_refresh_token=mailbox.oauth_refresh_token
    ).update(oauth_refresh_token=sealed)
    mailbox.oauth_refresh_token = sealed


def open_session(mailbox: StatementMailbox, login: Login) -> MailSession:
    if mailbox.protocol == MailProtocol.POP3:
        return Pop3Session(mailbox, login)
    return ImapSession(mailbox, login)


def attachments(message: EmailMessage) -> Iterator[tuple[str, bytes]]:
    for part in message.iter_attachments():
        name = part.get_filename() or ""
        content = part.get_payload(decode=True)
        if name and isinstance(content, bytes):
            yield name, content


def _handle_message(
    run: SourceRun, mailbox: StatementMailbox, session: MailSession, header: Header
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


def _read(run: SourceRun, mailbox: StatementMailbox, session: MailSession, day: dt.date) -> None:
    for header in list(session.recent(day - dt.timedelta(days=LOOKBACK_DAYS))):
        handled = ReceivedFile.objects.filter(
            kind=SourceKind.MAILBOX,
            source_id=mailbox.pk,
            message_id=header.message_id,
            state=ReceivedState.MESSAGE,
        ).exists()
        if handled:
            if mailbox.delete_after_import:  # its deletion was lost (no QUIT, no EXPUNGE)
                session.done(header.uid)
            session.remember(header.uid, handled=True)
            continue
        if not sender_allowed(header.sender, mailbox.allowed_senders):
            session.remember(header.uid, handled=False)
            continue  # not from the bank: left alone, neither read nor marked
        _handle_message(run, mailbox, session, header)
        session.done(header.uid)
        session.remember(header.uid, handled=True)


def poll(mailbox: StatementMailbox, *, today: dt.date | None = None) -> SourceRun:
    """One run of a mailbox (claimed by the caller): import what came, log it, report refusals."""
    day = today or timezone.localdate()
    before = mailbox.status
    run = common.start_run(mailbox.company, SourceKind.MAILBOX, mailbox.pk, str(mailbox))
    failed = ""
    needs_sign_in = False
    remembered: dict[str, str] | None = None
    secrets: tuple[str, ...] = ()
    try:
        login = _login(mailbox)
        secrets = login.secrets
        session = open_session(mailbox, login)
    except MailboxError as error:
        failed = str(error)
        needs_sign_in = isinstance(error, SignInNeeded)
    else:
        try:
            _read(run, mailbox, session, day)
        except (*CONVERSATION_ERRORS, MailboxError) as error:
            failed = _server_said(mailbox, error)
        finally:
            session.close()
            remembered = session.remembered()
    # A server that repeats what it was sent must not put a secret into the log or the page.
    failed = mail_oauth.scrub(failed, list(secrets))
    common.finish_run(run, failed=failed)
    now = timezone.now()
    mailbox.last_run_at = now
    mailbox.next_run_at = now + dt.timedelta(minutes=max(mailbox.interval_minutes, 1))
    mailbox.status = (
        SyncStatus.FAILED if failed else SyncStatus.PARTIAL if run.refused else SyncStatus.OK
    )
    mailbox.last_error = (failed or (run.errors[-1]["error"] if run.errors else ""))[:500]
    mailbox.needs_sign_in = needs_sign_in
    fields = ["last_run_at", "next_run_at", "status", "last_error", "needs_sign_in"]
    if remembered is not None:
        mailbox.pop3_seen = remembered
        fields.append("pop3_seen")
    mailbox.save(update_fields=fields)
    common.report_refused(run)
    common.report_stopped(
        run.company,
        common.source_label(mailbox),
        common.last_error(run),
        before=before,
        after=mailbox.status,
    )
    return run
