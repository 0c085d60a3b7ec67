"""The banking API and pages: upload, statements, the review queue; Bulgarian text."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.urls import reverse

from xfinances.banking.models import BankEntry, MatchProposal, MatchState
from xfinances.banking.sample_files import Row, camt053
from xfinances.banking.tests.factories import SYSTEM, bank_account, isolation_objects
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury.tests.factories import movement_input

DAY = dt.date(2026, 11, 2)


def statement_bytes(iban: str) -> bytes:
    out = io.BytesIO()
    camt053(
        out,
        iban=iban,
        rows=[
            Row(DAY, Decimal("12.50"), "Иван", "", "ф-ра 1"),
            Row(DAY, Decimal("-2"), "", "", "такса"),
        ],
        opening=Decimal("10"),
        date_from=DAY,
        date_to=DAY,
    )
    return out.getvalue()


def test_api_upload_and_statements(company: Any, api_as: Any) -> None:
    account = bank_account(company)
    api = api_as(company)
    data = statement_bytes(account.iban)
    file = io.BytesIO(data)
    file.name = "s.xml"
    response = api.client.post("/api/v1/banking/statements", {"file": file}, headers=api._headers())
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["new"], body["duplicates"], body["matched"], body["review"]) == (2, 0, 0, 0)
    listed = api.get(f"/banking/accounts/{account.pk}/statements").json()
    assert listed[0]["difference"] == "0.00" and listed[0]["entry_count"] == 2
    bad = io.BytesIO(b"not a statement at all")
    bad.name = "x.txt"
    refused = api.client.post("/api/v1/banking/statements", {"file": bad}, headers=api._headers())
    assert refused.status_code == 422 and "file" in refused.json()["errors"]


def test_api_role_is_checked(company: Any, api_as: Any) -> None:
    account = bank_account(company)
    api = api_as(company, role="viewer")
    file = io.BytesIO(statement_bytes(account.iban))
    file.name = "s.xml"
    response = api.client.post("/api/v1/banking/statements", {"file": file}, headers=api._headers())
    assert response.status_code == 403
    assert not BankEntry.objects.exists()


def test_pages_upload_and_review(company: Any, client_as: Any) -> None:
    objects = isolation_objects(company)
    client = client_as(company, "owner")
    eik = company.eik
    page = client.get(reverse("banking:statements", args=[eik]))
    assert page.status_code == 200 and b"drop-zone" in page.content
    account = bank_account(company)
    file = io.BytesIO(statement_bytes(account.iban))
    file.name = "s.xml"
    answer = client.post(
        reverse("banking:upload", args=[eik]),
        {"file": file, "account": "", "profile": ""},
        HTTP_ACCEPT="application/json",
    )
    assert answer.status_code == 201 and answer.json()["new"] == 2
    refused = client.post(
        reverse("banking:upload", args=[eik]),
        {"file": io.BytesIO(b"\x00\x01"), "account": "", "profile": ""},
        HTTP_ACCEPT="application/json",
    )
    assert refused.status_code == 422 and refused.json()["errors"]
    review = client.get(reverse("banking:review", args=[eik]))
    assert review.status_code == 200 and b"review-item" in review.content
    statement = client.get(reverse("banking:statement", args=[eik, objects["statement_id"]]))
    assert statement.status_code == 200
    client.post(reverse("banking:dismiss", args=[eik, objects["entry_id"]]), {"reason": "x"})
    assert BankEntry.objects.get(pk=objects["entry_id"]).match_state == MatchState.DISMISSED
    assert MatchProposal.objects.get(pk=objects["proposal_id"]).state == "dismissed"


def test_pages_are_bulgarian(company: Any, client_as: Any) -> None:
    isolation_objects(company)
    client = client_as(company, "owner")  # Bulgarian is the default language of the pages
    page = client.get(reverse("banking:statements", args=[company.eik]))
    review = client.get(reverse("banking:review", args=[company.eik]))
    assert "Банкови извлечения".encode() in page.content
    assert "За преглед".encode() in review.content
    rules = client.get(reverse("banking:rules", args=[company.eik]))
    profiles = client.get(reverse("banking:profiles", args=[company.eik]))
    assert "Банковите движения, които не плащат документ".encode() in rules.content
    assert "Готови профили (само за четене)".encode() in profiles.content


def test_the_drop_area_gets_the_pages_own_summary_lines(company: Any, client_as: Any) -> None:
    """The drag-and-drop upload shows what a plain upload shows: the JSON answer carries the
    same translated lines (counts, the movements typed by hand, balance breaks)."""
    account = bank_account(company)
    treasury_actions.create_movement(
        SYSTEM, account, movement_input(date=DAY, direction="in", amount="12.50")
    )
    file = io.BytesIO(statement_bytes(account.iban))
    file.name = "s.xml"
    answer = client_as(company, "owner").post(
        reverse("banking:upload", args=[company.eik]),
        {"file": file, "account": "", "profile": ""},
        HTTP_ACCEPT="application/json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["new"], body["typed"]) == (2, 1)
    assert body["messages"] == [
        {"level": "success", "text": "Внесено: 2 нови, 0 повторени, 0 разнесени, 0 за преглед."},
        {
            "level": "info",
            "text": "1 от тях бяха въведени ръчно: остават със своите движения, "
            "нищо не се брои два пъти.",
        },
    ]
