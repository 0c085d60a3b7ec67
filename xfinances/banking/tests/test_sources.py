"""Statements that arrive by themselves: the mailbox (against a loopback IMAP server), the
watched folder (with crashes half-way), the scheduled PSD2 sync (against the simulated bank),
the consent-expiry warning, and one end-to-end test per source that a delivered statement
settles an open invoice with no click."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from xfinances.banking import secretbox
from xfinances.banking.actions import sources as source_actions
from xfinances.banking.models import (
    BankConnection,
    BankEntry,
    ReceivedFile,
    RunStatus,
    StatementImport,
    StatementMailbox,
    SyncStatus,
    WatchedFolder,
)
from xfinances.banking.psd2.client import BankConfig, PSD2Client
from xfinances.banking.psd2.simulator import SimulatedBank
from xfinances.banking.sample_files import Row, camt053, mt940
from xfinances.banking.sources import common, folder, mailbox, psd2sync, runner
from xfinances.banking.tests.imap_server import FakeMailStore, serving
from xfinances.core.exceptions import InvalidInput
from xfinances.notifications.models import Notification, OutboxMessage
from xfinances.payments.models import Allocation
from xfinances.payments.tests.factories import invoice
from xfinances.treasury.tests.factories import bank_account

IBAN = "BG80BNBG96611020345678"
D1 = dt.date(2026, 11, 2)
SYSTEM = common.SYSTEM


@pytest.fixture
def account(company: Any) -> Any:
    return bank_account(company, name="ББР", iban=IBAN)


def camt_bytes(rows: list[Row], statement_id: str = "S1") -> bytes:
    out = io.BytesIO()
    camt053(
        out, iban=IBAN, rows=rows, opening=Decimal("100.00"), date_from=D1, date_to=D1,
        statement_id=statement_id,
    )  # fmt: skip
    return out.getvalue()


def paying(document: Any, bank_id: str = "B-1") -> list[Row]:
    return [
        Row(D1, document.total, "Клиент ООД", "", "плащане", document.rf_reference, bank_id=bank_id)
    ]


def settled(document: Any) -> bool:
    return Allocation.objects.filter(document=document).exists()


# --------------------------------------------------------------------------- secrets


def test_password_is_sealed_and_tamper_is_refused() -> None:
    sealed = secretbox.seal("Парола-2026")
    assert "Парола" not in sealed and secretbox.open_sealed(sealed) == "Парола-2026"
    assert secretbox.seal("Парола-2026") != sealed  # a fresh nonce each time
    broken = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(secretbox.SecretUnreadable):
        secretbox.open_sealed(broken)


# --------------------------------------------------------------------------- mailbox


def mail(
    attachments: list[tuple[str, bytes]],
    *,
    sender: str = "statements@bank.bg",
    mid: str = "<m1@bank.bg>",
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "statements@firma.bg"
    message["Subject"] = "Извлечение"
    message["Message-ID"] = mid
    message.set_content("Извлечението е приложено.")
    for name, data in attachments:
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def make_mailbox(company: Any, port: int, **extra: Any) -> StatementMailbox:
    data = {
        "name": "Банка поща", "host": "127.0.0.1", "port": port, "security": "none",
        "username": "statements@firma.bg", "password": "Parola-2026",
        "allowed_senders": "@bank.bg", "folder": "INBOX",
    }  # fmt: skip
    data.update(extra)
    return source_actions.save_source(SYSTEM, company, "mailbox", data)


def test_mailbox_statement_settles_the_invoice_once(company: Any, account: Any, owner: Any) -> None:
    document = invoice(company, price="1200.00", day=D1 - dt.timedelta(days=5))
    store = FakeMailStore()
    delivered = store.deliver(mail([("stmt.xml", camt_bytes(paying(document)))]))
    with serving(store) as port:
        box = make_mailbox(company, port)
        assert "Parola" not in box.password  # stored sealed
        run = mailbox.poll(box)
        assert (run.status, run.imported, run.new_entries, run.matched) == (RunStatus.OK, 1, 1, 1)
        assert settled(document)
        assert "\\Seen" in delivered.flags
        # The same message again (someone marked it unread), and a copy under a new
        # Message-ID: nothing is imported twice.
        delivered.flags.clear()
        store.deliver(mail([("stmt.xml", camt_bytes(paying(document)))], mid="<m2@bank.bg>"))
        again = mailbox.poll(box)
    assert again.imported == 0 and again.new_entries == 0
    assert BankEntry.objects.filter(account=account).count() == 1
    assert StatementImport.objects.filter(company=company).count() == 1
    box.refresh_from_db()
    assert box.status == SyncStatus.OK and box.next_run_at is not None


def test_mailbox_zip_refused_file_and_stranger(company: Any, account: Any, owner: Any) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as packed:
        packed.writestr(
            "day1.xml", camt_bytes([Row(D1, Decimal("10.00"), "А", "", "x", bank_id="Z1")])
        )
        packed.writestr("readme.pdf", b"%PDF-1.4")
    store = FakeMailStore()
    store.deliver(
        mail([("broken.xml", b"<Document><BkToCstmrStmt>"), ("all.zip", archive.getvalue())])
    )
    stranger = store.deliver(
        mail(
            [("x.xml", camt_bytes([Row(D1, Decimal("5.00"), bank_id="S")]))],
            sender="spam@evil.example",
            mid="<s@evil>",
        )
    )
    with serving(store) as port:
        run = mailbox.poll(make_mailbox(company, port, done_folder="Done"))
    # The refused file did not stop the zip's statement; the PDF was not a statement.
    assert (run.imported, run.refused, run.status) == (1, 1, RunStatus.PARTIAL)
    assert run.errors[0]["item"] == "broken.xml"
    assert BankEntry.objects.get(account=account).bank_id == "Z1"
    assert ReceivedFile.objects.filter(state="refused", name="broken.xml").exists()
    # The stranger's message is neither imported nor touched; the bank's was moved.
    assert stranger.flags == set() and len(store.folders["Done"]) == 1
    assert [m.uid for m in store.folders["INBOX"]] == [stranger.uid]
    note = Notification.objects.get(user=owner, kind="bank_source_refused")
    assert "broken.xml" in note.text


def test_mailbox_crash_after_import_imports_nothing_twice(
    company: Any, account: Any, monkeypatch: Any
) -> None:
    """A worker killed after the attachment's import committed, before the message was
    marked: the next run finds the file recorded and imports nothing again."""
    store = FakeMailStore()
    store.deliver(mail([("a.xml", camt_bytes([Row(D1, Decimal("70.00"), bank_id="K1")]))]))
    real_fetch = mailbox.ImapSession.fetch

    def fetch_then_die(self: Any, uid: str) -> Any:
        message = real_fetch(self, uid)
        monkeypatch.setattr(mailbox, "ReceivedFile", _DieOnMarker)
        return message

    with serving(store) as port:
        box = make_mailbox(company, port)
        monkeypatch.setattr(mailbox.ImapSession, "fetch", fetch_then_die)
        with pytest.raises(KeyboardInterrupt):
            mailbox.poll(box)
        monkeypatch.undo()
        assert BankEntry.objects.filter(account=account).count() == 1
        run = mailbox.poll(box)
    assert (run.imported, run.skipped) == (0, 1)
    assert BankEntry.objects.filter(account=account).count() == 1
    assert "\\Seen" in store.folders["INBOX"][0].flags


class _DieOnMarker:
    """Stands in for ReceivedFile in mailbox.py: the worker dies when it writes the marker."""

    class objects:
        @staticmethod
        def get_or_create(**kwargs: Any) -> Any:
            raise KeyboardInterrupt("worker killed")

        @staticmethod
        def filter(**kwargs: Any) -> Any:
            return ReceivedFile.objects.filter(**kwargs)


def test_mailbox_wrong_password_is_a_failed_run(company: Any, account: Any) -> None:
    with serving(FakeMailStore()) as port:
        box = make_mailbox(company, port, password="wrong")
        run = mailbox.poll(box)
    box.refresh_from_db()
    assert run.status == RunStatus.FAILED and box.status == SyncStatus.FAILED
    assert "Invalid credentials" in box.last_error


def test_mailbox_settings_are_checked(company: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        source_actions.save_source(
            SYSTEM, company, "mailbox",
            {"name": "x", "host": "mail.example.bg", "port": "99999", "security": "none",
             "username": "u", "allowed_senders": "not an address"},
        )  # fmt: skip
    assert set(refused.value.errors) == {"port", "security", "allowed_senders", "password"}
    assert not StatementMailbox.objects.exists()


# --------------------------------------------------------------------------- folder


@pytest.fixture
def root(tmp_path: Path, settings: Any) -> Path:
    settings.BANKING_FOLDER_ROOT = str(tmp_path)
    (tmp_path / "firma").mkdir()
    return tmp_path / "firma"


def make_folder(company: Any, path: Path) -> WatchedFolder:
    return source_actions.save_source(
        SYSTEM, company, "folder", {"name": "Папка", "path": str(path)}
    )


def drop(path: Path, name: str, data: bytes) -> Path:
    target = path / name
    target.write_bytes(data)
    old = target.stat().st_mtime - 60  # written a minute ago: settled
    os.utime(target, (old, old))
    return target


def test_folder_statement_settles_the_invoice(company: Any, account: Any, root: Path) -> None:
    document = invoice(company, price="250.00", day=D1 - dt.timedelta(days=3))
    out = io.BytesIO()
    mt940(
        out, iban=IBAN, opening=Decimal("0"), currency="EUR",
        rows=[Row(D1, document.total, "Клиент ООД", "", f"ф-ра {document.number}", bank_id="M1")],
        date_from=D1, statement_number=7,
    )  # fmt: skip
    drop(root, "day.sta", out.getvalue())
    drop(root, "junk.xml", b"not a statement")
    run = folder.scan(make_folder(company, root))
    assert settled(document)
    assert (run.imported, run.refused) == (1, 1)
    assert (root / "done" / "day.sta").exists() and not (root / "day.sta").exists()
    reason = (root / "failed" / "junk.xml.reason.txt").read_text(encoding="utf-8")
    assert "junk.xml" in reason and (root / "failed" / "junk.xml").exists()


def test_folder_leaves_young_and_hidden_files(company: Any, account: Any, root: Path) -> None:
    (root / "writing.xml").write_bytes(camt_bytes([Row(D1, Decimal("1.00"), bank_id="Y")]))
    (root / ".hidden.xml").write_bytes(b"x")
    run = folder.scan(make_folder(company, root))
    assert run.items == 0 and (root / "writing.xml").exists() and (root / ".hidden.xml").exists()


def test_folder_crash_after_import_imports_nothing_twice(
    company: Any, account: Any, root: Path
) -> None:
    """A worker killed after the import committed but before the move: the file waits in
    processing/; the next run recognises it by its hash and only moves it."""
    data = camt_bytes([Row(D1, Decimal("40.00"), "А", "", "x", bank_id="C1")])
    watched = make_folder(company, root)
    real_replace = os.replace
    calls = {"n": 0}

    def crash_on_second_move(src: Any, dst: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("worker killed")
        real_replace(src, dst)

    drop(root, "a.xml", data)
    folder.os.replace = crash_on_second_move  # type: ignore[attr-defined]
    try:
        with pytest.raises(KeyboardInterrupt):
            folder.scan(watched)
    finally:
        folder.os.replace = real_replace  # type: ignore[attr-defined]
    assert (root / "processing" / "a.xml").exists()
    assert BankEntry.objects.filter(account=account).count() == 1
    run = folder.scan(watched)
    assert (run.imported, run.skipped) == (0, 1)
    assert (root / "done" / "a.xml").exists() and not any((root / "processing").iterdir())
    assert BankEntry.objects.filter(account=account).count() == 1
    assert StatementImport.objects.filter(company=company).count() == 1


def test_folder_crash_before_import_loses_nothing(company: Any, account: Any, root: Path) -> None:
    watched = make_folder(company, root)
    (root / "processing").mkdir()
    (root / "processing" / "b.xml").write_bytes(
        camt_bytes([Row(D1, Decimal("9.00"), bank_id="C2")])
    )
    run = folder.scan(watched)
    assert run.imported == 1 and (root / "done" / "b.xml").exists()
    assert BankEntry.objects.get(account=account).bank_id == "C2"


def test_folder_outside_the_root_is_refused(company: Any, root: Path) -> None:
    with pytest.raises(InvalidInput) as refused:
        make_folder(company, Path("/etc"))
    assert "path" in refused.value.errors and not WatchedFolder.objects.exists()


# --------------------------------------------------------------------------- PSD2


TODAY = dt.date(2026, 12, 1)
NOW = timezone.make_aware(dt.datetime(2026, 12, 1, 9, 0))


@pytest.fixture
def bank(settings: Any) -> Any:
    settings.BANKING_ALLOW_LOCAL_BANK = True  # the simulated bank listens on loopback
    simulated = SimulatedBank(today=TODAY, page_size=5)
    simulated.add_account(IBAN, name="Разплащателна", balance="1000.00")
    with simulated.running() as running:
        yield running


def factory(bank: SimulatedBank) -> psd2sync.ClientFactory:
    def make(connection: BankConnection) -> PSD2Client:
        config = BankConfig(name=connection.name, base_url=bank.base_url, max_retries=1, backoff=0)
        return PSD2Client(config, sleep=lambda s: None, today=lambda: TODAY)

    return make


def connected(company: Any, bank: SimulatedBank, **extra: Any) -> BankConnection:
    connection = source_actions.save_source(
        SYSTEM, company, "connection", {"name": "ББР", "base_url": bank.base_url, **extra}
    )
    client = factory(bank)(connection)
    source_actions.renew_consent(SYSTEM, connection, client)
    bank.approve(connection.consent_id)
    assert source_actions.confirm_consent(SYSTEM, connection, client) == "valid"
    connection.refresh_from_db()
    return connection


def test_psd2_sync_settles_the_invoice_and_adds_nothing_twice(
    company: Any, account: Any, bank: Any
) -> None:
    document = invoice(company, price="480.00", day=TODAY - dt.timedelta(days=10))
    bank.add_transaction(
        IBAN,
        "480.00",
        booking_date=TODAY - dt.timedelta(days=1),
        name="Клиент",
        reference=document.rf_reference,
    )
    bank.add_transaction(IBAN, "-12.00", booked=False, name="Такса", text="такса")
    connection = connected(company, bank)
    ran = runner.run_due(NOW, client_factory=factory(bank))
    assert ran["connection"] == 1 and settled(document)
    connection.refresh_from_db()
    assert connection.status == SyncStatus.OK and connection.last_success_at == NOW
    assert connection.next_run_at is not None and connection.next_run_at > NOW
    cursor = next(iter(connection.cursor.values()))
    assert (
        cursor["last_booked"] == (TODAY - dt.timedelta(days=1)).isoformat()
        and cursor["pending"] == 1
    )
    # The bank books the pending fee; the next sync brings it once, and nothing else again.
    bank.book(IBAN, 0)
    later = connection.next_run_at
    assert runner.run_due(later, client_factory=factory(bank))["connection"] == 1
    entries = BankEntry.objects.filter(account=account).order_by("amount")
    assert [e.amount for e in entries] == [Decimal("-12.00"), Decimal("480.00")]
    assert StatementImport.objects.filter(source="psd2").count() == 2


def test_psd2_outage_backs_off_then_recovers(company: Any, account: Any, bank: Any) -> None:
    connection = connected(company, bank)
    bank.outage(-1)
    run = psd2sync.sync(connection, now=NOW, client_factory=factory(bank))
    assert run.status == RunStatus.FAILED and connection.status == SyncStatus.RETRYING
    assert connection.next_run_at == NOW + dt.timedelta(minutes=15)
    psd2sync.sync(connection, now=NOW, client_factory=factory(bank))
    assert connection.next_run_at == NOW + dt.timedelta(minutes=30) and connection.failures == 2
    bank.outage(0)
    psd2sync.sync(connection, now=NOW, client_factory=factory(bank))
    assert connection.status == SyncStatus.OK and connection.failures == 0


def test_psd2_daily_limit_waits_for_tomorrow(company: Any, account: Any, bank: Any) -> None:
    connection = connected(company, bank, frequency_per_day="1")
    psd2sync.sync(
        connection, now=NOW, client_factory=factory(bank)
    )  # the consent check used the one call
    assert connection.status == SyncStatus.LIMITED
    assert timezone.localtime(connection.next_run_at).date() == TODAY + dt.timedelta(days=1)


def test_psd2_expired_consent_stops_syncing(company: Any, account: Any, bank: Any) -> None:
    connection = connected(company, bank)
    bank.expire(connection.consent_id)
    run = psd2sync.sync(connection, now=NOW, client_factory=factory(bank))
    assert run.status == RunStatus.FAILED and "renew" in run.errors[0]["error"]
    assert (connection.status, connection.consent_status, connection.next_run_at) == (
        SyncStatus.CONSENT, "expired", None,
    )  # fmt: skip
    assert (
        runner.run_due(NOW + dt.timedelta(days=1), client_factory=factory(bank))["connection"] == 0
    )


def test_consent_expiry_warning_once_in_app_and_by_email(
    company: Any, account: Any, bank: Any, owner: Any
) -> None:
    connection = connected(company, bank)
    ends = connection.consent_valid_until
    assert psd2sync.warn_expiring(ends - dt.timedelta(days=8)) == 0
    assert psd2sync.warn_expiring(ends - dt.timedelta(days=7)) == 1
    assert psd2sync.warn_expiring(ends - dt.timedelta(days=6)) == 0  # already warned
    note = Notification.objects.get(user=owner, kind="bank_consent_expiring")
    assert ends.strftime("%d.%m.%Y") in note.text
    emails = list(OutboxMessage.objects.filter(payload__purpose="bank_consent_expiring"))
    assert [m.payload["to"] for m in emails] == [[owner.email]]


def test_two_workers_claim_a_source_once(company: Any, root: Path) -> None:
    watched = make_folder(company, root)
    assert common.claim(WatchedFolder, watched.pk, NOW)
    assert not common.claim(WatchedFolder, watched.pk, NOW)
    assert common.claim(WatchedFolder, watched.pk, NOW + common.LEASE + dt.timedelta(seconds=1))


def test_bank_address_on_this_machine_is_refused_by_default(company: Any) -> None:
    for address in ("http://127.0.0.1:8000", "https://10.0.0.5/psd2", "https://localhost/x"):
        with pytest.raises(InvalidInput) as refused:
            source_actions.save_source(
                SYSTEM, company, "connection", {"name": "Банка", "base_url": address}
            )
        assert "private network" in refused.value.errors["base_url"][0]
    with pytest.raises(InvalidInput):
        source_actions.save_source(
            SYSTEM, company, "connection", {"name": "Банка", "base_url": "http://bank.bg/psd2"}
        )
    assert not BankConnection.objects.exists()


def test_one_broken_source_does_not_stop_the_others(
    company: Any, account: Any, root: Path, monkeypatch: Any
) -> None:
    """An unexpected error in one source: its status and its run say failed; the next source
    still runs."""
    first = make_folder(company, root)
    (root / "second").mkdir()
    second = make_folder(company, root / "second")
    drop(root / "second", "s.xml", camt_bytes([Row(D1, Decimal("3.00"), bank_id="OK1")]))
    real_scan = folder.scan

    def scan(watched: WatchedFolder, **kwargs: Any) -> Any:
        if watched.pk == first.pk:
            common.start_run(watched.company, "folder", watched.pk, watched.path)
            raise RuntimeError("disk on fire")
        return real_scan(watched, **kwargs)

    monkeypatch.setattr(runner.folder, "scan", scan)
    ran = runner.run_due(timezone.now())
    assert ran["folder"] == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.last_error) == (SyncStatus.FAILED, "disk on fire")
    assert second.status == SyncStatus.OK and (root / "second" / "done" / "s.xml").exists()
    from xfinances.banking.models import SourceRun

    broken = SourceRun.objects.get(source_id=first.pk)
    assert broken.status == RunStatus.FAILED and broken.errors[0]["error"] == "disk on fire"


# --------------------------------------------------------------------------- a source stops


def stopped_notes(owner: Any) -> list[Notification]:
    return list(Notification.objects.filter(user=owner, kind=common.SOURCE_STOPPED))


def stopped_emails() -> list[OutboxMessage]:
    return [
        m
        for m in OutboxMessage.objects.filter(payload__purpose="notification")
        if "stopped" in m.subject or "спря" in m.subject
    ]


def test_a_mailbox_that_stops_tells_the_owners_once_until_it_works_again(
    company: Any, account: Any, owner: Any, make_member: Any
) -> None:
    make_member(company, "accountant")  # not an owner: not told
    with serving(FakeMailStore()) as port:
        box = make_mailbox(company, port, password="wrong")
        mailbox.poll(box)
        mailbox.poll(box)  # still failing: no second alert
        [note] = stopped_notes(owner)
        assert "Банка поща" in note.text and "Invalid credentials" in note.text
        assert note.link == reverse("banking:sources", args=[company.eik])
        [email] = stopped_emails()
        assert email.recipients == [owner.email]
        assert Notification.objects.filter(kind=common.SOURCE_STOPPED).count() == 1
        # It worked again for a while (status ok), then breaks again: a new alert.
        StatementMailbox.objects.filter(pk=box.pk).update(status=SyncStatus.OK)
        box.refresh_from_db()
        mailbox.poll(box)
    assert len(stopped_notes(owner)) == 2


def test_a_missing_folder_tells_the_owners(company: Any, owner: Any, root: Path) -> None:
    watched = make_folder(company, root)
    folder.scan(watched)
    assert stopped_notes(owner) == []  # working
    root.rename(root.with_name("moved"))
    folder.scan(watched)
    folder.scan(watched)
    [note] = stopped_notes(owner)
    assert str(root) in note.text and "does not exist" in note.text


def test_psd2_consent_lost_alerts_at_once_an_outage_only_when_it_lasts(
    company: Any, account: Any, bank: Any, owner: Any
) -> None:
    connection = connected(company, bank)
    bank.outage(-1)
    for failures in range(1, common.RETRIES_BEFORE_ALERT + 2):
        psd2sync.sync(connection, now=NOW, client_factory=factory(bank))
        assert connection.failures == failures
        told = len(stopped_notes(owner))
        assert told == (1 if failures >= common.RETRIES_BEFORE_ALERT else 0), failures
    [outage] = stopped_notes(owner)
    assert outage.link == reverse("banking:connection", args=[company.eik, connection.pk])
    assert "unavailable" in outage.text
    bank.outage(0)
    psd2sync.sync(connection, now=NOW, client_factory=factory(bank))
    assert connection.status == SyncStatus.OK
    bank.expire(connection.consent_id)
    psd2sync.sync(connection, now=NOW, client_factory=factory(bank))
    assert connection.status == SyncStatus.CONSENT
    assert len(stopped_notes(owner)) == 2
    assert "renew" in stopped_notes(owner)[0].text


def test_a_source_that_crashes_tells_the_owners(
    company: Any, owner: Any, root: Path, monkeypatch: Any
) -> None:
    watched = make_folder(company, root)

    def scan(source: WatchedFolder, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(runner.folder, "scan", scan)
    runner.run_due(timezone.now())
    [note] = stopped_notes(owner)
    assert str(root) in note.text and "disk on fire" in note.text
    watched.refresh_from_db()
    assert watched.status == SyncStatus.FAILED


def test_the_alert_is_in_the_owners_language(company: Any, account: Any, owner: Any) -> None:
    owner.language = "bg"
    owner.save(update_fields=["language"])
    with serving(FakeMailStore()) as port:
        mailbox.poll(make_mailbox(company, port, password="wrong"))
    [note] = stopped_notes(owner)
    assert "спря" in note.text, note.text
