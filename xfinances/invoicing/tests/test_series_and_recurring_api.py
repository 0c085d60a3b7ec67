"""Number series management (actions and /api/v1/number-series) and the recurring-invoice API
(/api/v1/recurring-invoices): create, read, update, pause/resume, run-now, roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import AuditEntry
from xfinances.invoicing import actions, inputs, numbering
from xfinances.invoicing.models import Document, NumberSeries, RecurringRun
from xfinances.invoicing.tests.factories import SYSTEM, bg_client, issued, line

pytestmark = pytest.mark.django_db


def test_update_series_renames_moves_default_and_guards_the_range(company):
    invoice = issued(company)
    main = NumberSeries.objects.get(pk=invoice.series_id)
    branch = actions.create_series(
        SYSTEM,
        company,
        group="tax",
        name="Клон",
        range_start=1_000_000_001,
        range_end=1_999_999_999,
    )
    actions.update_series(SYSTEM, branch, name="Клон Пловдив", is_default=True)
    main.refresh_from_db()
    branch.refresh_from_db()
    assert branch.is_default and not main.is_default and branch.name == "Клон Пловдив"
    with pytest.raises(InvalidInput) as refused:
        actions.update_series(SYSTEM, main, range_start=5)
    assert "range_start" in refused.value.errors  # a number was taken from it
    with pytest.raises(InvalidInput) as refused:
        actions.update_series(SYSTEM, main, range_end=0)
    assert "range_end" in refused.value.errors
    with pytest.raises(Conflict):
        actions.update_series(SYSTEM, branch, range_start=500_000_000)  # overlaps the main one
    unused = actions.update_series(
        SYSTEM, branch, range_start=2_000_000_001, range_end=2_999_999_999
    )
    assert unused.next_number == 2_000_000_001
    assert AuditEntry.objects.filter(action="update_series").count() == 2


def test_the_last_active_tax_series_cannot_be_deactivated(company):
    invoice = issued(company)
    main = NumberSeries.objects.get(pk=invoice.series_id)
    with pytest.raises(Conflict):
        actions.deactivate_series(SYSTEM, main)
    branch = actions.create_series(
        SYSTEM,
        company,
        group="tax",
        name="Клон",
        range_start=1_000_000_001,
        range_end=1_999_999_999,
    )
    actions.deactivate_series(SYSTEM, main)
    main.refresh_from_db()
    branch.refresh_from_db()
    assert not main.is_active and not main.is_default and branch.is_default
    # The next invoice takes its number from the branch series.
    assert issued(company).number == "1000000001"
    with pytest.raises(Conflict):
        actions.deactivate_series(SYSTEM, branch)


def test_number_series_api(company, api_as):
    owner = api_as(company, "owner")
    numbering.default_series(company, "tax")
    created = owner.post(
        "/number-series",
        {"group": "tax", "name": "Клон", "range_start": 1_000_000_001, "range_end": 1_000_000_100},
    )
    assert created.status_code == 201, created.json()
    series_id = created.json()["id"]
    assert created.json()["remaining"] == 100
    listed = owner.get("/number-series").json()
    assert [s["name"] for s in listed] == ["Основна", "Клон"]
    patched = owner.patch(f"/number-series/{series_id}", {"name": "Варна", "is_default": True})
    assert patched.status_code == 200 and patched.json()["is_default"] is True
    bad = owner.patch(f"/number-series/{series_id}", {"range_end": 5})
    assert bad.status_code == 422 and "range_end" in bad.json()["errors"]
    assert owner.post(f"/number-series/{series_id}/deactivate").json()["is_active"] is False
    main = owner.get("/number-series").json()[0]
    assert owner.post(f"/number-series/{main['id']}/deactivate").status_code == 409
    sales = api_as(company, "sales")
    assert sales.get("/number-series").status_code == 200
    assert sales.patch(f"/number-series/{series_id}", {"name": "x"}).status_code == 403


def test_recurring_invoices_api(company, api_as):
    api = api_as(company, "owner")
    party = bg_client(company)
    body = {
        "name": "Хостинг",
        "party_id": party.pk,
        "lines": [{"description": "Хостинг", "unit_price": "50.00", "vat_treatment": "standard"}],
        "schedule": "monthly",
        "day_of_month": 31,
        "start_date": "2026-01-01",
    }
    created = api.post("/recurring-invoices", body)
    assert created.status_code == 201, created.json()
    template_id = created.json()["id"]
    assert created.json()["next_period_start"] == "2026-01-31"
    bad = api.post("/recurring-invoices", {**body, "day_of_month": 0, "lines": []})
    assert bad.status_code == 422 and {"day_of_month", "lines"} <= set(bad.json()["errors"])
    with time_machine.travel(dt.datetime(2026, 3, 5, 9, 0), tick=False):
        ran = api.post(f"/recurring-invoices/{template_id}/run-now")
        assert ran.status_code == 200 and ran.json()["invoiced"] == 2
        again = api.post(f"/recurring-invoices/{template_id}/run-now")
        assert again.json()["invoiced"] == 0
        paused = api.post(f"/recurring-invoices/{template_id}/active", {"active": False})
        assert paused.json()["active"] is False
    read = api.get(f"/recurring-invoices/{template_id}").json()
    assert [r["period_start"] for r in read["runs"]] == ["2026-02-28", "2026-01-31"]
    assert Document.objects.filter(company=company, status="issued").count() == 2
    patched = api.patch(
        f"/recurring-invoices/{template_id}", {"name": "Хостинг 2", "auto_send": True}
    )
    assert patched.json()["name"] == "Хостинг 2" and patched.json()["auto_send"] is True
    assert (
        api_as(company, "viewer").post(f"/recurring-invoices/{template_id}/run-now").status_code
        == 403
    )
    assert api.delete(f"/recurring-invoices/{template_id}").status_code == 204
    assert not RecurringRun.objects.filter(company=company).exists()


def test_draft_collects_header_and_line_errors_together(company):
    with pytest.raises(InvalidInput) as refused:
        actions.create_draft(
            SYSTEM,
            company,
            inputs.draft(
                party=bg_client(company),
                currency="XXX",
                exchange_rate=Decimal("-1"),
                lines=[line(product_id=999999)],
            ),
        )
    assert {"currency", "exchange_rate", "lines.1.product_id"} <= set(refused.value.errors)


def test_manual_exchange_rate_overrides_the_reference_rate(company):
    invoice = issued(
        company,
        currency="USD",
        exchange_rate="1.25",
        lines=[line("125.00")],
        today=dt.date(2026, 3, 2),
        issue_date=dt.date(2026, 3, 2),
    )
    assert invoice.exchange_rate == 1.25
    assert invoice.eur_base == 100 and invoice.eur_total == 120


def test_chosen_bank_accounts_print_else_the_default_one(company):
    from xfinances.core.models import CompanyBankAccount

    first = CompanyBankAccount.objects.create(
        company=company, iban="BG80BNBG96611020345678", bic="BNBGBGSF", is_default=False
    )
    default = CompanyBankAccount.objects.create(
        company=company, iban="BG18RZBB91550123456789", bic="RZBBBGSF", is_default=True
    )
    plain = issued(company)
    assert [a["iban"] for a in plain.supplier_bank_accounts] == [default.iban]
    chosen = issued(company, bank_account_ids=[first.pk, default.pk])
    assert [a["iban"] for a in chosen.supplier_bank_accounts] == [first.iban, default.iban]
    with pytest.raises(InvalidInput) as refused:
        actions.create_draft(
            SYSTEM, company, inputs.draft(party=bg_client(company), bank_account_ids=[999999])
        )
    assert "bank_account_ids" in refused.value.errors


def test_issuing_to_an_archived_party_is_refused(company):
    party = bg_client(company)
    document = actions.create_draft(SYSTEM, company, inputs.draft(party=party, lines=[line()]))
    party.is_archived = True
    party.save()
    with pytest.raises(InvalidInput) as refused:
        actions.issue_document(SYSTEM, document)
    assert "party_id" in refused.value.errors
    document.refresh_from_db()
    assert document.number is None


def test_voiding_stores_the_annulment_protocol_pdf(company, client_as):
    invoice = issued(company, today=dt.date(2026, 1, 5), issue_date=dt.date(2026, 1, 5))
    result = actions.void_document(
        SYSTEM, invoice, reason="грешен клиент", today=dt.date(2026, 1, 20)
    )
    assert result.annulment_protocol is not None
    voided = Document.objects.get(pk=invoice.pk)
    assert actions.store_pdf(voided) is True
    voided.refresh_from_db()
    assert voided.protocol_pdf_file and len(voided.protocol_pdf_sha256) == 64
    assert voided.protocol_pdf_file.read().startswith(b"%PDF")
    page = client_as(company, "owner").get(f"/c/{company.eik}/documents/{invoice.pk}/")
    assert b"annulment-protocol-download" in page.content
