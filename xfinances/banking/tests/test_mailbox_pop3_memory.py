"""A POP3 run reads only what is new: the UIDLs of messages handled or passed over are
remembered, so the next run sends no TOP and no RETR for them (counted on the loopback POP3
server); the memory keeps only the messages still on the server and is forgotten when the
mailbox's server, user or allowed senders change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xfinances.banking.actions import sources as source_actions
from xfinances.banking.models import BankEntry, RunStatus, StatementMailbox
from xfinances.banking.sources import common, mailbox
from xfinances.banking.tests import pop3_server
from xfinances.banking.tests.test_mailbox_pop3_oauth2 import IBAN, TODAY, mail, make_mailbox
from xfinances.core.models import AuditEntry
from xfinances.treasury.tests.factories import bank_account


@pytest.fixture
def account(company: Any) -> Any:
    return bank_account(company, name="ББР", iban=IBAN)


def counted(store: pop3_server.FakeMaildrop, verb: str) -> int:
    return store.commands.count(verb)


@pytest.mark.parametrize("top", [True, False])
def test_a_second_run_reads_no_old_message(company: Any, account: Any, top: bool) -> None:
    store = pop3_server.FakeMaildrop(top=top)
    bank = store.deliver(mail("M1", mid="<m1@bank.bg>"))
    stranger = store.deliver(mail("EVIL", mid="<s@evil>", sender="spam@evil.example"))
    old = store.deliver(mail("OLD", mid="<old@bank.bg>", sent=TODAY - dt.timedelta(days=40)))
    with pop3_server.serving(store) as port:
        box = make_mailbox(company, port)
        first = mailbox.poll(box, today=TODAY)
        assert (first.status, first.imported) == (RunStatus.OK, 1)
        read_first = counted(store, "TOP") + counted(store, "RETR")
        assert read_first >= 3  # every header once, and the statement's message
        box.refresh_from_db()
        assert box.pop3_seen == {
            bank.uid: mailbox.HANDLED,
            stranger.uid: mailbox.PASSED,
            old.uid: mailbox.PASSED,
        }
        store.commands.clear()
        second = mailbox.poll(box, today=TODAY)
        assert (second.status, second.items) == (RunStatus.OK, 0)
        assert counted(store, "UIDL") == 1
        assert counted(store, "TOP") == counted(store, "RETR") == 0  # nothing old read again
        # A new message: only its header and body are read.
        fresh = store.deliver(mail("M2", mid="<m2@bank.bg>"))
        store.commands.clear()
        third = mailbox.poll(box, today=TODAY)
        assert third.imported == 1
        # One TOP (refused once a conversation by a server without it), one RETR or two.
        assert counted(store, "TOP") == 1
        assert counted(store, "RETR") == (1 if top else 2)  # without TOP the header is a RETR
        # A message gone from the server is forgotten.
        store.messages.remove(stranger)
        mailbox.poll(box, today=TODAY)
    box.refresh_from_db()
    assert set(box.pop3_seen) == {bank.uid, old.uid, fresh.uid}
    assert BankEntry.objects.filter(account=account).count() == 2
    audit = str(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert bank.uid not in audit  # the memory is no setting: not in the audit trail


def test_the_memory_is_forgotten_when_the_senders_change(company: Any, account: Any) -> None:
    store = pop3_server.FakeMaildrop()
    store.deliver(mail("M1", mid="<m1@bank.bg>"))
    store.deliver(mail("OTHER", mid="<o@other>", sender="statements@other-bank.bg"))
    with pop3_server.serving(store) as port:
        box = make_mailbox(company, port)
        assert mailbox.poll(box, today=TODAY).imported == 1
        box = StatementMailbox.objects.get(pk=box.pk)
        # Renamed: the memory stays.
        box = source_actions.save_source(
            common.SYSTEM, company, "mailbox", {**settings_of(box), "name": "Банка"}, box
        )
        assert len(box.pop3_seen) == 2
        # Another bank sends statements here now: its message must be looked at again.
        changed = {**settings_of(box), "allowed_senders": "@bank.bg\n@other-bank.bg"}
        box = source_actions.save_source(common.SYSTEM, company, "mailbox", changed, box)
        assert box.pop3_seen == {}
        store.commands.clear()
        run = mailbox.poll(box, today=TODAY)
    assert counted(store, "TOP") == 2 and run.imported == 1  # the other bank's statement


def test_a_lost_deletion_is_finished_without_reading_the_message(
    company: Any, account: Any, monkeypatch: Any
) -> None:
    store = pop3_server.FakeMaildrop()
    store.deliver(mail("D1", mid="<d1@bank.bg>"))
    with pop3_server.serving(store) as port:
        box = make_mailbox(company, port, delete_after_import=True)
        real_close = mailbox.Pop3Session.close
        monkeypatch.setattr(mailbox.Pop3Session, "close", lambda self: self.pop.close())
        assert mailbox.poll(box, today=TODAY).imported == 1
        assert len(store.messages) == 1  # no QUIT: nothing deleted
        monkeypatch.setattr(mailbox.Pop3Session, "close", real_close)
        box.refresh_from_db()
        store.commands.clear()
        mailbox.poll(box, today=TODAY)
        assert "DELE" in store.commands and "TOP" not in store.commands
        assert "RETR" not in store.commands and store.messages == []
        box.refresh_from_db()
        mailbox.poll(box, today=TODAY)
    box.refresh_from_db()
    assert box.pop3_seen == {}  # gone from the server, gone from the memory


def test_a_broken_listing_keeps_the_memory(company: Any, account: Any, monkeypatch: Any) -> None:
    store = pop3_server.FakeMaildrop()
    store.deliver(mail("M1", mid="<m1@bank.bg>"))
    with pop3_server.serving(store) as port:
        box = make_mailbox(company, port)
        mailbox.poll(box, today=TODAY)
        box.refresh_from_db()
        remembered = dict(box.pop3_seen)

        def broken(self: Any, since: Any) -> Any:
            raise mailbox.MailboxError("the server closed the connection")

        monkeypatch.setattr(mailbox.Pop3Session, "recent", broken)
        failed = mailbox.poll(box, today=TODAY)
    box.refresh_from_db()
    assert failed.status == RunStatus.FAILED and box.pop3_seen == remembered != {}


def settings_of(box: StatementMailbox) -> dict[str, Any]:
    return {
        "name": box.name, "host": box.host, "port": box.port, "security": box.security,
        "protocol": box.protocol, "username": box.username, "allowed_senders":
        box.allowed_senders, "auth": box.auth,
    }  # fmt: skip
