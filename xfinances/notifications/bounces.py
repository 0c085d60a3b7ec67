"""Bounce reports (RFC 3464 delivery-status notifications) from a configurable IMAP mailbox.

`parse_bounce` is pure (bytes in, found bounces out); `fetch_and_record` reads unseen mail from
the mailbox in settings NOTIFICATIONS_BOUNCE_IMAP_* and attaches each bounce to its outbox row
by the original Message-ID. Without NOTIFICATIONS_BOUNCE_IMAP_HOST it does nothing."""

from __future__ import annotations

import contextlib
import email
import email.policy
import imaplib
import logging
import re
from dataclasses import dataclass
from email.message import Message

from django.conf import settings

from xfinances.notifications import actions

log = logging.getLogger(__name__)

MESSAGE_ID = re.compile(r"<[^<>\s]+@[^<>\s]+>")


@dataclass(frozen=True)
class Bounce:
    message_id: str
    recipient: str
    reason: str


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    if isinstance(payload, str):
        return payload
    return ""


def parse_bounce(raw: bytes) -> list[Bounce]:
    """The bounces a DSN reports: the original Message-ID, each failed recipient, the reason.
    Not a DSN, or no Message-ID found: []."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    original_id = ""
    failed: list[tuple[str, str]] = []
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            blocks = part.get_payload()
            for block in blocks if isinstance(blocks, list) else []:
                if not isinstance(block, Message):
                    continue
                action = (block.get("Action") or "").strip().lower()
                if action and action != "failed":
                    continue
                recipient = block.get("Final-Recipient") or block.get("Original-Recipient") or ""
                recipient = recipient.split(";", 1)[-1].strip()
                reason = (block.get("Diagnostic-Code") or block.get("Status") or "").strip()
                reason = reason.split(";", 1)[-1].strip() if ";" in reason else reason
                if recipient:
                    failed.append((recipient, " ".join(reason.split())))
        elif content_type in ("message/rfc822", "text/rfc822-headers") and not original_id:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                original_id = (inner[0].get("Message-ID") or "").strip()
            else:
                found = MESSAGE_ID.search(_text(part))
                original_id = found.group(0) if found else ""
    if not original_id:
        return []
    if not failed:
        header = message.get("X-Failed-Recipients", "")
        failed = [(address.strip(), "") for address in header.split(",") if address.strip()]
    return [Bounce(original_id, recipient, reason) for recipient, reason in failed]


def fetch_and_record() -> int:
    """Read unseen messages from the bounce mailbox; returns how many bounces were attached."""
    host = str(getattr(settings, "NOTIFICATIONS_BOUNCE_IMAP_HOST", "") or "")
    if not host:
        return 0
    port = int(getattr(settings, "NOTIFICATIONS_BOUNCE_IMAP_PORT", 993))
    user = str(getattr(settings, "NOTIFICATIONS_BOUNCE_IMAP_USER", ""))
    password = str(getattr(settings, "NOTIFICATIONS_BOUNCE_IMAP_PASSWORD", ""))
    folder = str(getattr(settings, "NOTIFICATIONS_BOUNCE_IMAP_FOLDER", "INBOX"))
    use_ssl = bool(getattr(settings, "NOTIFICATIONS_BOUNCE_IMAP_SSL", True))
    client: imaplib.IMAP4 = imaplib.IMAP4_SSL(host, port) if use_ssl else imaplib.IMAP4(host, port)
    attached = 0
    try:
        client.login(user, password)
        client.select(folder)
        _status, data = client.search(None, "UNSEEN")
        for number in (data[0] or b"").split():
            _status, parts = client.fetch(number.decode(), "(RFC822)")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), b"")
            for bounce in parse_bounce(raw):
                if actions.record_bounce(bounce.message_id, bounce.recipient, bounce.reason):
                    attached += 1
            client.store(number.decode(), "+FLAGS", "\\Seen")
    finally:
        with contextlib.suppress(Exception):  # already disconnected
            client.logout()
    return attached
