"""Numbers: 10 digits, given only at issue, gapless per series, tax kinds share one sequence,
proformas have their own, a rolled-back issue leaves no gap, a full series refuses."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import transaction

from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.invoicing import actions, numbering
from xfinances.invoicing.exceptions import SeriesExhausted
from xfinances.invoicing.models import Document, NumberSeries
from xfinances.invoicing.tests.factories import SYSTEM, draft, issued, line

pytestmark = pytest.mark.django_db


def test_format_and_parse():
    assert numbering.format_number(42) == "0000000042"
    assert numbering.parse_number("0000000042") == 42
    for bad in ("", "abc", "12345678901", "0"):
        with pytest.raises(ValueError):
            numbering.parse_number(bad)


def test_drafts_have_no_number_and_tax_kinds_share_one_sequence(company):
    invoice = issued(company)
    first_draft = draft(company)
    assert first_draft.number is None
    credit = actions.create_credit_note(
        SYSTEM, invoice, reason="отстъпка", lines=[line("10")], issue=True
    ).document
    debit = actions.create_debit_note(
        SYSTEM, invoice, reason="доплащане", lines=[line("5")], issue=True
    ).document
    protocol = issued(company, kind="protocol")
    proforma = issued(company, kind="proforma")
    assert [invoice.number, credit.number, debit.number, protocol.number] == [
        "0000000001",
        "0000000002",
        "0000000003",
        "0000000004",
    ]
    assert proforma.number == "0000000001"  # its own series
    assert proforma.series_id != invoice.series_id
    first_draft.refresh_from_db()
    assert first_draft.number is None


def test_rolled_back_issue_leaves_no_gap(company):
    first = draft(company)
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.issue_document(SYSTEM, first)
        raise RuntimeError("the caller's transaction fails after the number was taken")
    first.refresh_from_db()
    assert first.status == "draft" and first.number is None
    failing_audit = mock.patch(
        "xfinances.core.audit.record_update", side_effect=RuntimeError("disk")
    )
    with failing_audit, pytest.raises(RuntimeError):
        actions.issue_document(SYSTEM, first)
    assert actions.issue_document(SYSTEM, first).document.number == "0000000001"
    assert issued(company).number == "0000000002"
    series = NumberSeries.objects.get(company=company, group="tax")
    assert series.next_number == 3


def test_voided_document_keeps_its_number_and_numbers_are_never_reused(company):
    first = issued(company)
    actions.void_document(SYSTEM, first, reason="грешен клиент")
    first.refresh_from_db()
    assert first.status == "voided" and first.number == "0000000001"
    assert issued(company).number == "0000000002"


def test_full_series_refuses_with_a_clear_message(company):
    actions.create_series(
        SYSTEM, company, group="tax", name="Малка", range_start=5, range_end=6, is_default=True
    )
    assert issued(company).number == "0000000005"
    assert issued(company).number == "0000000006"
    third = draft(company)
    with pytest.raises(SeriesExhausted) as refused:
        actions.issue_document(SYSTEM, third)
    assert "0000000006" in refused.value.message
    third.refresh_from_db()
    assert third.status == "draft" and third.number is None


def test_branch_series_counts_on_its_own(company):
    head = issued(company)
    branch = actions.create_series(
        SYSTEM,
        company,
        group="tax",
        name="Клон Пловдив",
        range_start=1_000_000_001,
        range_end=1_999_999_999,
    )
    on_branch = issued(company, series=branch)
    assert head.number == "0000000001" and on_branch.number == "1000000001"
    assert issued(company).number == "0000000002"
    with pytest.raises(Conflict):
        actions.create_series(
            SYSTEM,
            company,
            group="tax",
            name="Застъпване",
            range_start=1_500_000_000,
            range_end=1_600_000_000,
        )
    with pytest.raises(InvalidInput) as refused:
        actions.create_series(SYSTEM, company, group="tax", name="", range_start=10, range_end=5)
    assert {"name", "range_end"} <= set(refused.value.errors)


def test_a_higher_number_cannot_have_an_earlier_date(company):
    today = dt.date(2026, 11, 20)
    issued(company, issue_date=today, tax_event_date=today)
    earlier = draft(
        company,
        issue_date=today - dt.timedelta(days=1),
        tax_event_date=today - dt.timedelta(days=1),
    )
    with pytest.raises(InvalidInput) as refused:
        actions.issue_document(SYSTEM, earlier)
    assert "issue_date" in refused.value.errors
    assert Document.objects.get(pk=earlier.pk).number is None


def test_series_of_another_kind_is_refused(company):
    proforma_series = numbering.default_series(company, "proforma")
    with pytest.raises(InvalidInput) as refused:
        draft(company, series=proforma_series)
    assert "series_id" in refused.value.errors
