"""Text limits in accounting (issue 11): every column bounded and checked by the database; a
reopening reason too long is refused at its field and changes nothing; the migration makes
older over-long error texts fit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from xfinances.accounting import actions
from xfinances.accounting.building import Period
from xfinances.accounting.forms import DestinationForm, MappingForm
from xfinances.accounting.inputs import ExportInput
from xfinances.accounting.models import (
    AccountMappingSettings,
    Channel,
    Destination,
    DocumentExport,
    ExportBatch,
    ExportState,
    Schedule,
    VatPeriodClose,
)
from xfinances.core.models import AuditEntry
from xfinances.core.tests.text_limits import (
    assert_every_text_column_bounded,
    migrate,
    migrate_to_latest,
)
from xfinances.core.text_limits import limit_of
from xfinances.invoicing.tests.factories import SYSTEM
from xfinances.purchases.tests.factories import make_invoice

MARCH = Period(2026, 3)


def test_every_accounting_model_checks_its_text_and_every_column_is_bounded() -> None:
    assert_every_text_column_bounded("accounting")


def test_forms_take_their_limits_from_the_models() -> None:
    assert MappingForm.base_fields["receivables"].max_length == limit_of(
        AccountMappingSettings, "receivables"
    )
    assert MappingForm.base_fields["submitter"].max_length == limit_of(
        AccountMappingSettings, "submitter"
    )
    assert DestinationForm.base_fields["name"].max_length == limit_of(Destination, "name")
    assert DestinationForm.base_fields["folder"].max_length == limit_of(Destination, "folder")


@pytest.mark.django_db
def test_an_over_long_reopen_reason_is_refused_by_the_api_and_nothing_changes(
    company: Any, api_as: Any
) -> None:
    purchase = make_invoice(company)
    actions.export_period(
        SYSTEM, company, ExportInput(target="csv", period=MARCH, kinds=["purchase"])
    )
    api = api_as(company, "owner")
    audits = AuditEntry.objects.filter(company=company).count()
    limit = limit_of(VatPeriodClose, "reopen_reason")
    answer = api.post(
        "/accounting/records/reopen",
        {"source": "purchases.SupplierInvoice", "id": purchase.pk, "reason": "я" * 5000},
    )
    assert answer.status_code == 422, answer.content
    message = " ".join(answer.json()["errors"]["reason"])
    assert f"{limit} " in message and "5000)" in message
    state = DocumentExport.objects.get(company=company, object_id=purchase.pk)
    assert state.state == ExportState.EXPORTED
    assert AuditEntry.objects.filter(company=company).count() == audits


@pytest.mark.django_db
def test_an_over_long_vat_reopen_reason_is_refused_on_the_page(
    company: Any, client_as: Any
) -> None:
    close = actions.close_vat_period(SYSTEM, company, MARCH)
    owner = client_as(company, "owner")
    page = owner.post(
        f"/c/{company.eik}/accounting/closes/{close.pk}/reopen/",
        {"reason": "я" * 301},
        follow=True,
    )
    assert "301" in page.content.decode()
    close.refresh_from_db()
    assert close.reopened_at is None and close.reopen_reason == ""


@pytest.mark.django_db
def test_the_database_refuses_an_over_long_error_written_around_the_model(company: Any) -> None:
    destination = Destination.objects.create(
        company=company,
        name="Счетоводител",
        target="csv",
        schedule=Schedule.DAILY,
        channel=Channel.FOLDER,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Destination.objects.filter(pk=destination.pk).update(last_error="e" * 4001)
    Destination.objects.filter(pk=destination.pk).update(last_error="e" * 4000)


@pytest.mark.django_db(transaction=True)
def test_the_migration_cuts_older_over_long_errors_in_two_columns(company: Any) -> None:
    """Rows from before the limits (error texts of 6,000 characters) are cut to fit, so the
    constraints can be added; on PostgreSQL too, where the data step and the ALTERs share
    one transaction."""
    destination = Destination.objects.create(
        company=company,
        name="Счетоводител",
        target="csv",
        schedule=Schedule.DAILY,
        channel=Channel.FOLDER,
    )
    state = DocumentExport.objects.create(
        company=company,
        source="purchases.SupplierInvoice",
        object_id=1,
        state=ExportState.FAILED,
        exported_at=dt.datetime(2026, 3, 5, tzinfo=dt.UTC),
    )
    before, after = [("accounting", "0001_initial")], [("accounting", "0002_text_length_limits")]
    try:
        migrate(before)
        Destination.objects.filter(pk=destination.pk).update(last_error="д" * 6000)
        DocumentExport.objects.filter(pk=state.pk).update(error="e" * 6000)
        migrate(after)
    finally:
        migrate_to_latest()
    destination.refresh_from_db()
    state.refresh_from_db()
    assert destination.last_error == "д" * 4000
    assert state.error == "e" * 4000
    with pytest.raises(IntegrityError), transaction.atomic():
        ExportBatch.objects.filter(company=company).update(error="e" * 4001)
        DocumentExport.objects.filter(pk=state.pk).update(error="e" * 4001)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's deferred triggers")
@pytest.mark.django_db(transaction=True)
def test_rows_written_in_the_migrations_own_transaction_do_not_block_its_alters(
    company: Any,
) -> None:
    """Rows inserted in the transaction that migrates (as a test database or a bigger
    deployment step does) leave deferred foreign-key checks pending; without firing them
    PostgreSQL refuses the ALTER TABLE ("pending trigger events")."""
    before, after = [("accounting", "0001_initial")], [("accounting", "0002_text_length_limits")]
    try:
        migrate(before)
        old = MigrationExecutor(connection).loader.project_state(before).apps
        with transaction.atomic():
            old.get_model("accounting", "Destination").objects.create(
                company_id=company.pk,
                name="Счетоводител",
                target="csv",
                schedule=Schedule.DAILY,
                channel=Channel.FOLDER,
                last_error="д" * 6000,
            )
            old.get_model("accounting", "DocumentExport").objects.create(
                company_id=company.pk,
                source="purchases.SupplierInvoice",
                object_id=2,
                state=ExportState.FAILED,
                error="e" * 6000,
            )
            migrate(after)
    finally:
        migrate_to_latest()
    assert Destination.objects.get(company=company).last_error == "д" * 4000
    assert DocumentExport.objects.get(company=company, object_id=2).error == "e" * 4000
