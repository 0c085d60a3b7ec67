"""The typed inputs of the accounting actions: what the page, the API and the CLI read, with the
messages the actions gave before, and nothing written when the input is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from xfinances.accounting import actions, queries
from xfinances.accounting.building import Period
from xfinances.accounting.forms import DestinationForm, ExportForm, MappingForm
from xfinances.accounting.inputs import (
    AccountMappingInput,
    DestinationInput,
    ExportInput,
    PeriodReopenInput,
)
from xfinances.accounting.models import AccountMappingSettings, Destination, ExportBatch
from xfinances.core.exceptions import InvalidInput
from xfinances.invoicing.tests.factories import SYSTEM, issued


def _messages(error: pytest.ExceptionInfo[InvalidInput], field: str) -> str:
    return " ".join(str(m) for m in error.value.errors[field])


def test_mapping_reads_accounts_revenue_and_coefficient() -> None:
    changes = AccountMappingInput.read_changes(
        {"cash": " 501 ", "revenue": {"standard": "7031", "zero": " "}, "credit_coefficient": "0,5"}
    )
    assert dict(changes.items()) == {
        "cash": "501",
        "revenue": {"standard": "7031"},
        "credit_coefficient": Decimal("0.50"),
    }
    with pytest.raises(InvalidInput) as refused:
        AccountMappingInput.read_changes({"credit_coefficient": "1.5", "bank": "5" * 21})
    assert "0.00 to 1.00" in _messages(refused, "credit_coefficient")
    assert "at most 20" in _messages(refused, "bank")  # the column's own limit


@pytest.mark.django_db
def test_mapping_update_applies_only_the_given_fields(company: Any) -> None:
    row = actions.update_account_mapping(
        SYSTEM, company, AccountMappingInput.read_changes({"cash": "502", "submitter": "Иван"})
    )
    assert (row.cash, row.bank, row.submitter) == ("502", "503", "Иван")
    with pytest.raises(InvalidInput) as refused:
        actions.update_account_mapping(
            SYSTEM, company, AccountMappingInput.read_changes({"bank": "", "cash": "каса"})
        )
    assert set(refused.value.errors) == {"bank", "cash"}
    assert AccountMappingSettings.objects.get(company=company).cash == "502"
    assert queries.mapping_of(company).bank == "503"


def test_destination_reads_the_form_fields(tmp_path: Path) -> None:
    data = DestinationInput.read(
        {
            "name": " Счетоводител ",
            "target": "ajur",
            "kinds": ["sale"],
            "schedule": "daily",
            "channel": "email",
            "emails": "a@example.bg; b@example.bg,",
            "folder": "",
            "url": "",
        }
    )
    assert data.name == "Счетоводител" and data.emails == ["a@example.bg", "b@example.bg"]
    with pytest.raises(InvalidInput) as refused:
        DestinationInput.read(
            {"target": "nap", "kinds": ["cash"], "channel": "email", "emails": "not-an-address"}
        )
    errors = refused.value.errors
    assert set(errors) == {"name", "kinds", "schedule", "emails"}
    assert "cannot carry: cash" in _messages(refused, "kinds")
    assert "not-an-address is not an e-mail address" in _messages(refused, "emails")
    with pytest.raises(InvalidInput) as refused:
        DestinationInput.read(
            {"name": "Х", "target": "x", "kinds": ["sale"], "schedule": "daily", "channel": "ftp"}
        )
    assert set(refused.value.errors) == {"target", "channel"}


def test_destination_checks_the_channel_it_uses(tmp_path: Path) -> None:
    base = {"name": "Х", "target": "ajur", "kinds": ["sale"], "schedule": "daily"}
    with pytest.raises(InvalidInput) as refused:
        DestinationInput.read({**base, "channel": "folder", "folder": "relative/path"})
    assert "full path" in _messages(refused, "folder")
    with pytest.raises(InvalidInput) as refused:
        DestinationInput.read({**base, "channel": "https", "url": "http://example.bg/hook"})
    assert "https://" in _messages(refused, "url")
    # The other channels' fields are not checked (a folder left over in the form).
    data = DestinationInput.read({**base, "channel": "folder", "folder": str(tmp_path)})
    assert data.folder == str(tmp_path)


@pytest.mark.django_db
def test_destination_keeps_only_its_channels_address(company: Any, tmp_path: Path) -> None:
    data = DestinationInput.read(
        {
            "name": "Ажур",
            "target": "ajur",
            "kinds": ["sale"],
            "schedule": "daily",
            "channel": "folder",
            "folder": str(tmp_path),
            "emails": "a@example.bg",
        }
    )
    destination = actions.create_destination(SYSTEM, company, data)
    assert destination.folder == str(tmp_path) and destination.emails == []


def test_export_input_reads_period_target_and_kinds() -> None:
    data = ExportInput.read({"target": "csv", "period": " 2026-03 ", "kinds": "sale, purchase"})
    assert data == ExportInput(target="csv", period=Period(2026, 3), kinds=["sale", "purchase"])
    assert ExportInput.read({"target": "nap", "period": "202603", "kinds": []}).kinds is None
    with pytest.raises(InvalidInput) as refused:
        ExportInput.read({"target": "x", "kinds": ["sale", "wages"]})
    assert set(refused.value.errors) == {"target", "period", "kinds"}
    assert "YYYY-MM" in _messages(refused, "period")
    assert "Unknown format x" in _messages(refused, "target")


def test_reopen_reason_is_required_and_bounded() -> None:
    assert PeriodReopenInput.read({"reason": "  корекция "}).reason == "корекция"
    for reason in ["", "   ", "x" * 301]:
        with pytest.raises(InvalidInput) as refused:
            PeriodReopenInput.read({"reason": reason})
        assert list(refused.value.errors) == ["reason"]


@pytest.mark.django_db
def test_api_export_reads_the_same_input(company: Any, api_as: Any) -> None:
    issued(company, today=dt.date(2026, 3, 5))
    api = api_as(company, "owner")
    bad = api.post("/accounting/exports", {"target": "nap", "period": "2026-13"})
    assert bad.status_code in (400, 422) and "YYYY-MM" in bad.content.decode()
    unknown = api.post("/accounting/exports", {"target": "nap", "period": "2026-03", "x": 1})
    assert unknown.status_code == 422
    missing = api.post("/accounting/exports", {"period": "2026-03"})
    assert missing.status_code == 422
    assert not ExportBatch.objects.exists()
    made = api.post("/accounting/exports", {"target": "nap", "period": "2026-03"})
    assert made.status_code == 200, made.content
    assert made.json()["created"] and made.json()["batch"]["records"] == 1


@pytest.mark.django_db
def test_mapping_page_saves_accounts_and_revenue(client_as: Any, company: Any) -> None:
    client = client_as(company, "owner")
    row = queries.mapping_settings(company)
    form = {name: getattr(row, name) for name in AccountMappingInput.field_names()}
    form.pop("revenue")
    form.update(cash="502", credit_coefficient="0.25", revenue_standard="7032")
    response = client.post(f"/c/{company.eik}/accounting/mapping/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = AccountMappingSettings.objects.get(company=company)
    assert saved.cash == "502" and saved.credit_coefficient == Decimal("0.25")
    assert saved.revenue == {"standard": "7032"}
    assert Destination.objects.count() == 0


def test_forms_fill_the_inputs_fields() -> None:
    """Each form names only fields of its input (its one field list); the input's others are
    not typed on a page (`revenue` comes from one field per VAT treatment, `allow_http` only
    from code)."""
    assert set(ExportForm.base_fields) == set(ExportInput.field_names())
    assert set(DestinationForm.base_fields) == set(DestinationInput.field_names()) - {"allow_http"}
    assert set(MappingForm.base_fields) == set(AccountMappingInput.field_names()) - {"revenue"}
