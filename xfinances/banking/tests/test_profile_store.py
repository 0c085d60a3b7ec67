"""A company's own CSV column profiles: saved, edited, duplicated, deleted, previewed, and
picked by an import (by detection or by choice)."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from xfinances.banking import actions, csv_profiles
from xfinances.banking.models import BankEntry, CsvProfile
from xfinances.banking.tests.factories import SYSTEM, bank_account
from xfinances.core.exceptions import InvalidInput

# An export no shipped preset knows: its own titles, tab-separated, UTF-8, ISO dates.
OWN_EXPORT = (
    "Счетоводна дата\tСтойност\tПолучател/Наредител\tДетайли\n"
    "2026-11-03\t-12.40\tА1 България\tтелефон\n"
    "2026-11-04\t250.00\tКлиент ООД\tф-ра 77\n"
)
OWN_PROFILE: dict[str, Any] = {
    "columns": {
        "date": ["Счетоводна дата"],
        "amount": ["Стойност"],
        "name": ["Получател/Наредител"],
        "text": ["Детайли"],
    },
    "delimiter": "\t",
    "encoding": "utf-8",
    "date_formats": ["%Y-%m-%d"],
    "decimal_comma": False,
}


def test_save_edit_duplicate_delete(company: Any) -> None:
    made = actions.create_profile(SYSTEM, company, name="Моята банка", data=OWN_PROFILE)
    assert csv_profiles.Profile.from_dict(made.data).delimiter == "\t"
    edited = actions.update_profile(
        SYSTEM, made, name="Моята банка", data={**OWN_PROFILE, "delimiter": ";"}
    )
    assert edited.data["delimiter"] == ";"
    copy = actions.duplicate_profile(SYSTEM, company, made)
    again = actions.duplicate_profile(SYSTEM, company, made)
    assert (copy.name, again.name) == ("Моята банка (copy)", "Моята банка (copy 2)")
    preset = actions.duplicate_profile(SYSTEM, company, csv_profiles.builtin("ubb-txt"))
    assert preset.data["delimiter"] == "|"
    actions.delete_profile(SYSTEM, copy)
    assert set(CsvProfile.objects.filter(company=company).values_list("name", flat=True)) == {
        "Моята банка",
        "Моята банка (copy 2)",
        preset.name,
    }
    with pytest.raises(InvalidInput) as caught:
        actions.create_profile(SYSTEM, company, name="Моята банка", data=OWN_PROFILE)
    assert "name" in caught.value.errors


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"delimiter": ";;"}, "delimiter"),
        ({"encoding": "klingon"}, "encoding"),
        ({"date_formats": ["%Q"]}, "date_formats"),
        ({"date_formats": []}, "date_formats"),
        ({"columns": {"date": ["Дата"]}}, "columns"),  # no amount
        ({"columns": {"date": ["Дата"], "amount": ["С"], "colour": ["Ц"]}}, "columns"),
        ({"skip_rows": -1}, "skip_rows"),
    ],
)
def test_a_wrong_profile_is_refused_and_nothing_saved(
    company: Any, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        actions.create_profile(SYSTEM, company, name="X", data={**OWN_PROFILE, **change})
    assert field in caught.value.errors
    assert not CsvProfile.objects.filter(company=company).exists()


def test_preview_reads_the_first_rows_and_names_a_wrong_delimiter(company: Any) -> None:
    found = actions.preview_profile(SYSTEM, company, OWN_PROFILE, io.BytesIO(OWN_EXPORT.encode()))
    assert [(e.booking_date.isoformat(), e.amount) for e in found.entries] == [
        ("2026-11-03", Decimal("12.40")),
        ("2026-11-04", Decimal("250.00")),
    ]
    assert found.entries[0].counterparty.name == "А1 България"
    with pytest.raises(InvalidInput) as caught:
        actions.preview_profile(
            SYSTEM, company, {**OWN_PROFILE, "delimiter": ";"}, io.BytesIO(OWN_EXPORT.encode())
        )
    assert "delimiter" in str(caught.value.errors["file"][0])


def test_import_picks_the_company_profile_by_detection_and_by_choice(
    company: Any, other_company: Any
) -> None:
    account = bank_account(company)
    with pytest.raises(InvalidInput):  # no preset knows these titles
        actions.import_statement(SYSTEM, company, io.BytesIO(OWN_EXPORT.encode()), account=account)
    made = actions.create_profile(SYSTEM, company, name="Моята банка", data=OWN_PROFILE)
    summary = actions.import_statement(
        SYSTEM, company, io.BytesIO(OWN_EXPORT.encode()), account=account
    )
    assert summary.new == 2 and summary.format == f"csv:company-{made.pk}"
    assert BankEntry.objects.filter(company=company, amount=Decimal("-12.40")).exists()
    # Another company does not read with this company's profile.
    other_account = bank_account(other_company)
    with pytest.raises(InvalidInput):
        actions.import_statement(
            SYSTEM, other_company, io.BytesIO(OWN_EXPORT.encode()), account=other_account
        )


def test_api_profiles_and_upload_with_a_chosen_profile(company: Any, api_as: Any) -> None:
    api = api_as(company)
    made = api.post("/banking/profiles", {"name": "Моята банка", "data": OWN_PROFILE})
    assert made.status_code == 201, made.content
    key = made.json()["key"]
    listed = api.get("/banking/profiles").json()
    assert [p["preset"] for p in listed][:2] == [False, True] and listed[0]["key"] == key
    copied = api.post("/banking/profiles/bg-csv/duplicate")
    assert copied.status_code == 201 and copied.json()["preset"] is False
    account = bank_account(company)
    file = io.BytesIO(OWN_EXPORT.encode())
    file.name = "export.txt"
    upload = api.client.post(
        "/api/v1/banking/statements",
        {"file": file, "account": account.iban, "profile": key},
        headers=api._headers(),
    )
    assert upload.status_code == 201 and upload.json()["new"] == 2
    sample = io.BytesIO(OWN_EXPORT.encode())
    sample.name = "sample.txt"
    preview = api.client.post(
        "/api/v1/banking/profile-preview",
        {"file": sample, "data": json.dumps(OWN_PROFILE)},
        headers=api._headers(),
    )
    assert preview.status_code == 200 and preview.json()["rows"][0]["amount"] == "-12.40"
    gone = api.delete(f"/banking/profiles/{made.json()['id']}")
    assert gone.status_code == 204
    assert not CsvProfile.objects.filter(pk=made.json()["id"]).exists()


def test_profile_pages_preview_and_save(company: Any, client_as: Any) -> None:
    client = client_as(company, "owner")
    eik = company.eik
    listed = client.get(reverse("banking:profiles", args=[eik]))
    assert b"bg-csv" in listed.content
    start = client.get(reverse("banking:profile_new", args=[eik]) + "?from=ubb-txt")
    assert b'value="|"' in start.content and b"selected" in start.content
    form = {
        "name": "Моята банка",
        "delimiter": "\t",
        "encoding": "utf-8",
        "date_formats": "%Y-%m-%d",
        "skip_rows": "0",
        "col_date": "Счетоводна дата",
        "col_amount": "Стойност",
        "col_name": "Получател/Наредител",
        "col_text": "Детайли",
    }
    sample = io.BytesIO(OWN_EXPORT.encode())
    sample.name = "sample.txt"
    shown = client.post(
        reverse("banking:profile_new", args=[eik]), {**form, "sample": sample, "preview": "1"}
    )
    assert shown.status_code == 200 and "А1 България".encode() in shown.content
    assert not CsvProfile.objects.filter(company=company).exists()
    client.post(reverse("banking:profile_new", args=[eik]), {**form, "save": "1"})
    saved = CsvProfile.objects.get(company=company)
    assert saved.data["columns"]["amount"] == ["Стойност"] and saved.data["decimal_comma"] is False
