"""Exports on the database: batches, locks, export state, sync idempotency, changed since
export, bad input refused whole, delivery through the outbox, the VAT period close."""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path
from typing import Any

import pytest

from xfinances.accounting import actions, building, exporters, queries
from xfinances.accounting.actions import rendering
from xfinances.accounting.building import Period
from xfinances.accounting.inputs import ExportInput, PeriodReopenInput
from xfinances.accounting.models import (
    BatchStatus,
    Destination,
    DocumentExport,
    ExportBatch,
    ExportState,
)
from xfinances.accounting.records import RecordKind
from xfinances.accounting.tests.factories import create_destination
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput, NotAllowed
from xfinances.invoicing import actions as invoicing_actions
from xfinances.invoicing.models import Document
from xfinances.invoicing.tests.factories import SYSTEM, draft, issued
from xfinances.notifications import outbox
from xfinances.notifications.models import OutboxMessage

MARCH = Period(2026, 3)
DAY = dt.date(2026, 3, 5)


def march_invoice(company: Any, **kw: Any) -> Document:
    return issued(company, today=DAY, **kw)


@pytest.mark.django_db
def test_manual_nap_export_stores_locks_and_records_state(company: Any) -> None:
    first, second = march_invoice(company), march_invoice(company)
    result = actions.export_period(SYSTEM, company, ExportInput(target="nap", period=MARCH))
    batch = result.batch
    assert result.created and batch is not None and batch.records == 2
    files = actions.batch_files(batch)
    assert sorted(files) == ["DEKLAR.TXT", "POKUPKI.TXT", "PRODAGBI.TXT"]
    lines = files["PRODAGBI.TXT"].split(b"\r\n")[:-1]
    assert len(lines) == 2 and all(len(line) == 424 for line in lines)
    for document in (first, second):
        document.refresh_from_db()
        assert document.exported_at is not None and document.export_status == "exported"
    states = DocumentExport.objects.filter(company=company, source="invoicing.Document")
    assert {s.object_id for s in states} == {first.pk, second.pk}
    assert all(s.state == ExportState.EXPORTED and s.batch_id == batch.pk for s in states)
    # Downloading again gives identical bytes; exporting the same again makes no new batch.
    stored = batch.file.open("rb").read()
    again = actions.export_period(SYSTEM, company, ExportInput(target="nap", period=MARCH))
    assert not again.created and again.batch == batch
    assert batch.file.open("rb").read() == stored
    assert zipfile.ZipFile(batch.file.path).namelist() == batch.filenames


@pytest.mark.django_db
def test_export_states_written_chunk_by_chunk_keep_the_key_and_the_states(
    company: Any, monkeypatch: Any
) -> None:
    # Chunks of two: the states are written while the files are, and read back for the key.
    monkeypatch.setattr(building, "CHUNK", 2)
    monkeypatch.setattr(actions.rendering, "WRITTEN_CHUNK", 2)
    monkeypatch.setattr(actions.exporting, "STATE_CHUNK", 2)
    made = [march_invoice(company) for _ in range(5)]
    result = actions.export_period(SYSTEM, company, ExportInput(target="nap", period=MARCH))
    batch = result.batch
    assert result.created and batch is not None and batch.records == result.records == 5
    states = DocumentExport.objects.filter(company=company)
    written = {(s.source, s.object_id): s.version for s in states}
    assert sorted(oid for _source, oid in written) == [d.pk for d in made]
    assert all(s.batch_id == batch.pk and s.exported_at == batch.created_at for s in states)
    # The key hashes the whole (source, id) → version map as every earlier batch's key did.
    versions = hashlib.sha256(repr(sorted(written.items())).encode()).hexdigest()[:16]
    assert batch.key == f"m:nap:202603:{batch.sha256[:32]}:{versions}"
    assert Document.objects.filter(company=company, exported_at=batch.created_at).count() == 5
    # The same again: the batch found, the states written meanwhile undone, nothing new.
    again = actions.export_period(SYSTEM, company, ExportInput(target="nap", period=MARCH))
    assert not again.created and again.batch == batch and again.records == 5
    assert ExportBatch.objects.count() == 1
    assert {(s.batch_id, s.exported_at) for s in states.all()} == {(batch.pk, batch.created_at)}


@pytest.mark.django_db
def test_a_refusal_after_some_chunks_were_written_leaves_no_state(
    company: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(building, "CHUNK", 2)
    monkeypatch.setattr(actions.rendering, "WRITTEN_CHUNK", 2)
    made = [march_invoice(company) for _ in range(5)]
    Document.objects.filter(pk=made[-1].pk).update(recipient_eik="", recipient_vat_number="")
    with pytest.raises(InvalidInput) as refused:
        actions.export_period(SYSTEM, company, ExportInput(target="ajur", period=MARCH))
    assert made[-1].number in str(refused.value)
    assert not ExportBatch.objects.exists() and not DocumentExport.objects.exists()
    assert not Document.objects.filter(exported_at__isnull=False).exists()


@pytest.mark.django_db
def test_draft_in_period_refuses_everything(company: Any) -> None:
    march_invoice(company)
    waiting = draft(company, today=DAY)
    with pytest.raises(InvalidInput) as refused:
        actions.export_period(SYSTEM, company, ExportInput(target="ajur", period=MARCH))
    assert f"Draft {waiting.pk}" in str(refused.value)
    assert not ExportBatch.objects.exists() and not DocumentExport.objects.exists()
    assert not Document.objects.filter(exported_at__isnull=False).exists()


@pytest.mark.django_db
def test_party_without_identifier_is_named(company: Any) -> None:
    # Parties are checked when saved; an old import may still have left one without ЕИК.
    document = march_invoice(company)
    Document.objects.filter(pk=document.pk).update(
        recipient_eik="", recipient_vat_number="", recipient_name="Без Идентификатор ООД"
    )
    march_invoice(company)
    with pytest.raises(InvalidInput) as refused:
        actions.export_period(SYSTEM, company, ExportInput(target="nap", period=MARCH))
    assert document.number in str(refused.value)
    assert "Без Идентификатор ООД" in str(refused.value)
    assert not ExportBatch.objects.exists()


@pytest.mark.django_db
def test_unwritable_folder_is_named(company: Any, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as refused:
        create_destination(
            SYSTEM,
            company,
            name="Ажур",
            target="ajur",
            kinds=["sale"],
            schedule="daily",
            channel="folder",
            folder=str(tmp_path / "missing"),
        )
    assert "missing" in str(refused.value.errors["folder"])


@pytest.mark.django_db
def test_folder_sync_twice_makes_one_batch(
    company: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    # The worker's task, run inline (whatever the queue's mode in this run).
    monkeypatch.setattr(actions.delivery, "deliver_to_folder", actions.deliver_batch_to_folder)
    march_invoice(company)
    destination = create_destination(
        SYSTEM,
        company,
        name="НАП",
        target="nap",
        kinds=["sale", "purchase"],
        schedule="daily",
        channel="folder",
        folder=str(tmp_path),
    )
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            actions.sync_destination(Actor.system(), destination, today=dt.date(2026, 3, 20))
    march_batches = ExportBatch.objects.filter(company=company, period="202603")
    assert march_batches.count() == 1
    batch = march_batches.get()
    assert batch.status == BatchStatus.DELIVERED
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "DEKLAR.TXT",
        "POKUPKI.TXT",
        "PRODAGBI.TXT",
    ]
    assert (tmp_path / "PRODAGBI.TXT").read_bytes() == actions.batch_files(batch)["PRODAGBI.TXT"]


@pytest.mark.django_db
def test_changed_since_export_is_sent_again(company: Any, tmp_path: Path) -> None:
    first = march_invoice(company)
    destination = create_destination(
        SYSTEM,
        company,
        name="Ажур",
        target="ajur",
        kinds=["sale"],
        schedule="hourly",
        channel="folder",
        folder=str(tmp_path),
    )
    [made] = [r for r in actions.sync_destination(SYSTEM, destination, DAY) if r.created]
    assert made.records == 1
    assert actions.sync_destination(SYSTEM, destination, DAY) == [
        actions.ExportResult(None, False),
        actions.ExportResult(None, False),
    ]
    second = march_invoice(company)
    [again] = [r for r in actions.sync_destination(SYSTEM, destination, DAY) if r.created]
    assert again.records == 1  # only the new one
    # A change after export (here: the document's version moves) is detected and re-sent.
    Document.objects.filter(pk=first.pk).update(version=first.version + 1)
    row = DocumentExport.objects.get(destination=destination, object_id=first.pk)
    assert queries.pending_state(row, first.version + 1) == ExportState.CHANGED
    [correction] = [r for r in actions.sync_destination(SYSTEM, destination, DAY) if r.created]
    assert correction.records == 1 and correction.batch is not None
    text = actions.batch_files(correction.batch)["AJUR.TXT"].decode("cp1251")
    assert first.number in text and second.number not in text


class _TwiceExporter(exporters.Exporter):
    """Reads the sales twice (as a ledger then its totals would) and writes one id a line."""

    name = "test-twice"
    kinds = frozenset({RecordKind.SALE})

    def write(self, context: Any, records: Any, sink: Any) -> None:
        with sink.open("IDS.TXT") as handle:
            for part in ("list", "again"):
                for record in records([RecordKind.SALE]):
                    handle.write(f"{part} {record.source_id}\n".encode())


@pytest.mark.django_db
def test_pending_filter_reads_states_a_chunk_at_a_time(company: Any, monkeypatch: Any) -> None:
    """An incremental export asks for the states of one chunk of records at a time (here
    chunks of 2 records and reads of 2 ids): what was sent is skipped, what is new or changed
    goes, in order; a second read of the same records in the same export still has them."""
    monkeypatch.setattr(rendering, "WRITTEN_CHUNK", 2)
    monkeypatch.setattr(queries, "STATE_READ_CHUNK", 2)
    twice = _TwiceExporter()
    monkeypatch.setattr(exporters, "get", lambda name: twice if name == twice.name else None)
    data = ExportInput(target=twice.name, period=MARCH)

    def exported_ids(result: actions.ExportResult) -> dict[str, list[int]]:
        assert result.batch is not None
        found: dict[str, list[int]] = {"list": [], "again": []}
        for line in actions.batch_files(result.batch)["IDS.TXT"].decode().splitlines():
            part, oid = line.split()
            found[part].append(int(oid))
        return found

    old = [march_invoice(company) for _ in range(3)]
    first = actions.export_period(SYSTEM, company, data, only_pending=True)
    assert exported_ids(first) == {"list": [d.pk for d in old], "again": [d.pk for d in old]}
    new = [march_invoice(company) for _ in range(2)]
    Document.objects.filter(pk=old[1].pk).update(version=old[1].version + 1)
    second = actions.export_period(SYSTEM, company, data, only_pending=True)
    sent = sorted([old[1].pk, *(d.pk for d in new)])
    assert exported_ids(second) == {"list": sent, "again": sent}
    assert second.records == 3
    # Everything sent at its version: an incremental export now has nothing to send.
    assert actions.export_period(SYSTEM, company, data, only_pending=True).batch is None


@pytest.mark.django_db
def test_email_destination_goes_through_the_outbox(company: Any, mailoutbox: Any) -> None:
    march_invoice(company)
    destination = create_destination(
        SYSTEM,
        company,
        name="Счетоводител",
        target="microinvest",
        kinds=["sale"],
        schedule="month_end",
        channel="email",
        emails=["accountant@example.bg"],
    )
    [result] = actions.sync_destination(SYSTEM, destination, today=dt.date(2026, 4, 1))
    batch = result.batch
    assert batch is not None and batch.outbox_message_id
    assert (
        OutboxMessage.objects.filter(company=company, payload__purpose="accounting_export").count()
        == 1
    )
    outbox.run()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].attachments[0][0] == "Import.txt"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DELIVERED
    # A second month-end run changes nothing: never sent twice.
    actions.sync_destination(SYSTEM, destination, today=dt.date(2026, 4, 1))
    outbox.run()
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_mark_exported_needs_the_permission(company: Any, make_member: Any) -> None:
    document = march_invoice(company)
    seller = Actor(make_member(company, "sales"))
    with pytest.raises(NotAllowed):
        invoicing_actions.mark_exported(seller, document)
    with pytest.raises(NotAllowed):
        actions.export_period(seller, company, ExportInput(target="nap", period=MARCH))


@pytest.mark.django_db
def test_close_and_reopen_vat_period(company: Any, make_member: Any) -> None:
    march_invoice(company)
    waiting = draft(company, today=DAY)
    accountant = Actor(make_member(company, "accountant"))
    owner = Actor(make_member(company, "owner"))
    with pytest.raises(InvalidInput, match=f"Draft {waiting.pk}"):
        actions.close_vat_period(accountant, company, MARCH)
    invoicing_actions.delete_draft(SYSTEM, waiting)
    close = actions.close_vat_period(accountant, company, MARCH)
    company.refresh_from_db()
    assert company.lock_date == dt.date(2026, 3, 31) and close.closed_by == accountant.user
    with pytest.raises(NotAllowed):
        actions.reopen_vat_period(accountant, close, PeriodReopenInput.read({"reason": "грешка"}))
    with pytest.raises(InvalidInput):
        actions.reopen_vat_period(owner, close, PeriodReopenInput.read({"reason": ""}))
    actions.reopen_vat_period(
        owner, close, PeriodReopenInput.read({"reason": "корекция на фактура"})
    )
    company.refresh_from_db()
    assert company.lock_date is None


@pytest.mark.django_db
def test_builder_reads_documents_in_chunks(company: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(building, "CHUNK", 2)
    made = [march_invoice(company) for _ in range(5)]
    mapping = queries.mapping_of(company)
    records = list(building.sale_records_of(company, MARCH, mapping))
    assert [r.source_id for r in records] == [d.pk for d in made]
    assert all(r.balanced for r in records)
    assert Destination.objects.count() == 0


@pytest.mark.django_db
def test_https_destination_signed_retried_never_twice(company: Any, webhook_receiver: Any) -> None:
    march_invoice(company)
    destination = create_destination(
        SYSTEM, company, name="Програма", target="nap", kinds=["sale"], schedule="daily",
        channel="https", url=webhook_receiver.url, allow_http=True,
    )  # fmt: skip
    assert destination.endpoint is not None and destination.endpoint.events == []
    webhook_receiver.secret = destination.endpoint.secret
    webhook_receiver.fail_first = 1  # the endpoint fails once: retried
    actions.sync_destination(SYSTEM, destination, today=dt.date(2026, 3, 20))
    batch = ExportBatch.objects.get(company=company, period="202603")
    outbox.run()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.QUEUED  # the failed attempt waits for its retry
    OutboxMessage.objects.filter(pk=batch.outbox_message_id).update(
        next_attempt_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    )
    outbox.run()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DELIVERED
    valid = [hit for hit in webhook_receiver.hits if hit.valid]
    assert [hit.status for hit in valid] == [500, 200]
    [payload] = {p["id"]: p for p in webhook_receiver.payloads()}.values()
    assert payload["event"] == "accounting.batch" and payload["data"]["sha256"] == batch.sha256
    assert sorted(f["name"] for f in payload["data"]["files"]) == sorted(batch.filenames)
    actions.sync_destination(SYSTEM, destination, today=dt.date(2026, 3, 20))
    outbox.run()
    assert len([h for h in webhook_receiver.hits if h.status == 200]) == 1


@pytest.mark.django_db
def test_on_issue_destination_exports_the_new_document(
    company: Any, tmp_path: Path, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from xfinances.accounting import tasks

    # The worker's jobs, run inline (whatever the queue's mode in this run).
    monkeypatch.setattr(tasks, "export_on_issue", actions.sync_on_issue)
    monkeypatch.setattr(actions.delivery, "deliver_to_folder", actions.deliver_batch_to_folder)
    create_destination(
        SYSTEM, company, name="Ажур", target="ajur", kinds=["sale"], schedule="on_issue",
        channel="folder", folder=str(tmp_path),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        document = issued(company)
    state = DocumentExport.objects.get(company=company, object_id=document.pk)
    assert state.state == ExportState.EXPORTED and state.batch is not None
    assert document.number in (tmp_path / "AJUR.TXT").read_bytes().decode("cp1251")
    document.refresh_from_db()
    assert document.exported_at is not None


@pytest.mark.django_db
def test_whether_to_send_on_issue_is_asked_once_and_a_new_destination_is_seen_at_once(
    company: Any, tmp_path: Path, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xfinances.accounting import tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks, "export_on_issue", lambda company_id, pk: sent.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        issued(company)  # no destination yet: the answer (no) is kept
    with (
        CaptureQueriesContext(connection) as statements,
        django_capture_on_commit_callbacks(execute=True),
    ):
        issued(company)
    assert not [q for q in statements.captured_queries if "accounting_destination" in q["sql"]]
    assert sent == []
    create_destination(
        SYSTEM, company, name="Ажур", target="ajur", kinds=["sale"], schedule="on_issue",
        channel="folder", folder=str(tmp_path),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        third = issued(company)
    assert sent == [third.pk]  # the process that made the destination sees it at once


@pytest.mark.django_db
def test_a_folder_batch_whose_task_was_lost_is_delivered_by_the_hourly_job(
    company: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    """The queue (Redis) was down when the export committed: the export still commits, and
    the hourly job writes the files once the batch has waited a quarter of an hour."""

    def queue_down(batch_id: int) -> str:
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(actions.delivery, "deliver_to_folder", queue_down)
    march_invoice(company)
    destination = create_destination(
        SYSTEM,
        company,
        name="НАП",
        target="nap",
        kinds=["sale"],
        schedule="daily",
        channel="folder",
        folder=str(tmp_path),
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.sync_destination(Actor.system(), destination, today=dt.date(2026, 3, 20))
    batch = ExportBatch.objects.get(company=company, period="202603")
    assert batch.status == BatchStatus.QUEUED and not list(tmp_path.iterdir())
    # Too early: a task may still be on its way.
    assert actions.redeliver_queued_folders(batch.created_at + dt.timedelta(minutes=5)) == 0
    later = batch.created_at + dt.timedelta(minutes=20)
    assert actions.redeliver_queued_folders(later) == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DELIVERED
    assert (tmp_path / "PRODAGBI.TXT").read_bytes() == actions.batch_files(batch)["PRODAGBI.TXT"]
    assert actions.redeliver_queued_folders(later) == 0  # delivered once
