"""Fault: the mail server is out for a while, in every way a real one fails, while invoices are
issued and sent: first nothing listens on its port, then it accepts connections and never
answers (a hung server: the worker's timeout), then it greets with `421` (busy), then it
refuses each message with `451` (try later), and at last it works.

The outbox retries with growing waits (1, 2, 4, 8 minutes), loses nothing, and when the server
is back every e-mail goes out exactly once; the one address the server refuses for good (`550`)
ends as "failed" at once, visible to the owner (bell notification and the outbox API).

The mail server is real (sockets on loopback); time is moved with time-machine so the
backoff of minutes takes no real time. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from xfinances.invoicing.actions import delivery
from xfinances.invoicing.tests.delivery_factories import SYSTEM, issued_to
from xfinances.notifications import outbox
from xfinances.notifications.models import MessageStatus, Notification, OutboxMessage
from xfinances.notifications.tests.loopback import CollectingHandler, SmtpServer

pytestmark = pytest.mark.django_db
CLIENTS = 4


class BrokenServer:
    """Listens on the mail server's port and misbehaves: `hang` accepts and never says a word,
    `busy` greets with 421 and hangs up."""

    def __init__(self, port: int, mode: str):
        self.mode = mode
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.accepted: list[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _address = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted.append(conn)
            if self.mode == "busy":
                conn.sendall(b"421 4.3.2 Service not available, try later\r\n")
                conn.close()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        for conn in self.accepted:
            conn.close()
        self.sock.close()


class Flaky(CollectingHandler):
    """A working server that, while `later` is set, answers every message with 451, and
    always refuses the mailbox `nobody@` with 550."""

    def __init__(self) -> None:
        super().__init__()
        self.later = True

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.later:
            return "451 4.3.0 Temporary local problem, try later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def mail_port(smtp_port: int, settings: Any) -> Iterator[int]:
    settings.EMAIL_TIMEOUT = 1  # the hung server costs a second, not thirty
    yield smtp_port


def test_smtp_outage_retries_with_backoff_and_sends_everything_once(
    company, owner, mail_port, api_as
):
    messages = []
    for n in range(CLIENTS):
        document = issued_to(company)
        messages.append(
            delivery.send_document(SYSTEM, document, recipients=[f"client{n}@example.bg"])
        )
    doomed = delivery.send_document(SYSTEM, issued_to(company), recipients=["nobody@example.bg"])
    ids = [m.pk for m in [*messages, doomed]]

    def rows() -> list[OutboxMessage]:
        return list(OutboxMessage.objects.filter(pk__in=ids))

    start = timezone.now()

    def attempt_at(minutes: float) -> outbox.RunResult:
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            return outbox.run()

    def waits_after(minutes: float) -> set[float]:
        """Minutes until the next attempt of every row, counted from the attempt just made."""
        now = start + dt.timedelta(minutes=minutes)
        return {(r.next_attempt_at - now).total_seconds() / 60 for r in rows()}

    # 1. Nothing listens on the port.
    assert attempt_at(0).retried == CLIENTS + 1
    assert waits_after(0) == {1.0}
    assert attempt_at(0.5).retried == 0  # not due yet: no hammering of a dead server

    # 2. The server accepts and never answers: the worker gives up waiting after EMAIL_TIMEOUT.
    hung = BrokenServer(mail_port, "hang")
    try:
        assert attempt_at(1).retried == CLIENTS + 1
    finally:
        hung.stop()
    assert waits_after(1) == {2.0}
    assert all("timed out" in r.last_error for r in rows()), [r.last_error for r in rows()]

    # 3. The server greets with 421 (busy): temporary, retried.
    busy = BrokenServer(mail_port, "busy")
    try:
        assert attempt_at(3).retried == CLIENTS + 1
    finally:
        busy.stop()
    assert waits_after(3) == {4.0}
    assert all("421" in r.last_error for r in rows()), [r.last_error for r in rows()]

    # 4. The server works but answers 451 (try later) to each message; the 550 mailbox is
    #    refused for good at once.
    handler = Flaky()
    server = SmtpServer(mail_port, handler=handler)
    server.start()
    try:
        assert attempt_at(7).retried == CLIENTS
        doomed.refresh_from_db()
        assert doomed.status == MessageStatus.FAILED and doomed.last_response_code == 550
        assert {r.last_response_code for r in rows() if r.pk != doomed.pk} == {451}
        assert not handler.received

        # 5. Back to normal: everything waiting goes out, once.
        handler.later = False
        assert attempt_at(7 + 8).sent == CLIENTS
        assert attempt_at(60).sent == 0
    finally:
        server.stop()

    received = Counter(r for mail in handler.received for r in mail.recipients)
    assert received == Counter(f"client{n}@example.bg" for n in range(CLIENTS))
    sent_ids = Counter(server.message_ids())
    assert set(sent_ids.values()) == {1}
    assert set(sent_ids) == {m.message_id for m in rows() if m.pk != doomed.pk}
    assert all(r.attempts == 5 for r in rows() if r.pk != doomed.pk)

    # The owner sees the one that gave up: the bell, and the outbox with the server's answer.
    assert Notification.objects.filter(company=company, user=owner, kind="email_failed").exists()
    failed = api_as(company, "owner").get("/outbox", status="failed").json()
    assert [m["id"] for m in failed] == [doomed.pk]
    assert "550" in failed[0]["last_error"]
