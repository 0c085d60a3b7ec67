"""The REST API: create, read, update, issue, void, notes, conversion, idempotency, keyset
pages, filters, roles."""

from __future__ import annotations

import datetime as dt

import pytest

from xfinances.core.models import IdempotencyRecord
from xfinances.invoicing.models import Document
from xfinances.invoicing.tests.factories import bg_client, issued

pytestmark = pytest.mark.django_db


def _body(party_id: int, price: str = "100.00", **extra):
    return {
        "kind": "invoice",
        "party_id": party_id,
        "lines": [
            {
                "description": "Абонамент",
                "quantity": "2",
                "unit": "month",
                "unit_price": price,
                "vat_treatment": "standard",
            }
        ],
        **extra,
    }


def test_create_read_update_issue_void(company, api_as):
    api = api_as(company, "owner")
    party = bg_client(company)
    created = api.post("/documents", _body(party.pk))
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["status"] == "draft" and data["number"] is None
    assert data["totals"]["base"] == "200.00" and data["totals"]["vat"] == "40.00"
    assert data["totals"]["total"] == "240.00"
    document_id = data["id"]

    patched = api.patch(
        f"/documents/{document_id}",
        {
            "notes": "Благодарим!",
            "lines": [
                {
                    "description": "Абонамент",
                    "quantity": "3",
                    "unit": "month",
                    "unit_price": "100",
                    "vat_treatment": "standard",
                }
            ],
        },
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["totals"]["total"] == "360.00"
    assert patched.json()["notes"] == "Благодарим!"

    issued_response = api.post(f"/documents/{document_id}/issue")
    assert issued_response.status_code == 200, issued_response.json()
    body = issued_response.json()
    assert body["status"] == "issued" and body["number"] == "0000000001"
    assert body["amount_in_words"] == "Триста и шестдесет евро"
    assert body["recipient"]["name"] == party.name

    no_reason = api.patch(f"/documents/{document_id}", {"notes": "друго"})
    assert no_reason.status_code == 422
    assert "reason" in no_reason.json()["errors"]

    edited = api.patch(
        f"/documents/{document_id}", {"notes": "друго", "reason": "правописна грешка"}
    )
    assert edited.status_code == 200 and edited.json()["notes"] == "друго"

    voided = api.post(f"/documents/{document_id}/void", {"reason": "грешен клиент"})
    assert voided.status_code == 200, voided.json()
    assert voided.json()["status"] == "voided" and voided.json()["number"] == "0000000001"

    assert api.get(f"/documents/{document_id}").json()["status"] == "voided"


def test_invalid_line_names_the_field(company, api_as):
    api = api_as(company, "owner")
    party = bg_client(company)
    body = _body(party.pk)
    body["lines"][0]["vat_treatment"] = "no-such"
    response = api.post("/documents", body)
    assert response.status_code == 422
    assert "lines.1.vat_treatment" in response.json()["errors"]
    assert not Document.objects.filter(company=company).exists()


def test_idempotent_create_and_issue(company, api_as):
    api = api_as(company, "owner")
    party = bg_client(company)
    headers = {"HTTP_IDEMPOTENCY_KEY": "order-4711"}
    first = api.client.post(
        "/api/v1/documents",
        _body(party.pk),
        content_type="application/json",
        headers={**api._headers(), "Idempotency-Key": "order-4711"},
    )
    second = api.client.post(
        "/api/v1/documents",
        _body(party.pk),
        content_type="application/json",
        headers={**api._headers(), "Idempotency-Key": "order-4711"},
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Document.objects.filter(company=company).count() == 1
    assert headers  # the header travels as Idempotency-Key

    different = api.client.post(
        "/api/v1/documents",
        _body(party.pk, price="999"),
        content_type="application/json",
        headers={**api._headers(), "Idempotency-Key": "order-4711"},
    )
    assert different.status_code == 409
    assert Document.objects.filter(company=company).count() == 1

    document_id = first.json()["id"]
    issue_headers = {**api._headers(), "Idempotency-Key": "issue-4711"}
    one = api.client.post(
        f"/api/v1/documents/{document_id}/issue",
        {},
        content_type="application/json",
        headers=issue_headers,
    )
    two = api.client.post(
        f"/api/v1/documents/{document_id}/issue",
        {},
        content_type="application/json",
        headers=issue_headers,
    )
    assert one.status_code == two.status_code == 200, two.json()
    assert one.json()["number"] == two.json()["number"] == "0000000001"
    assert IdempotencyRecord.objects.filter(company=company).count() == 2


def test_keyset_pagination_walks_every_document_once(company, api_as):
    api = api_as(company, "owner")
    party = bg_client(company)
    day = dt.date(2026, 11, 1)
    ids = set()
    for n in range(7):
        ids.add(
            issued(
                company,
                party=party,
                issue_date=day + dt.timedelta(days=n // 2),
                tax_event_date=day + dt.timedelta(days=n // 2),
            ).pk
        )
    seen: list[int] = []
    cursor = ""
    while True:
        page = (
            api.get("/documents", limit=3, cursor=cursor)
            if cursor
            else api.get("/documents", limit=3)
        )
        assert page.status_code == 200, page.json()
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7 and set(seen) == ids
    keys = [(d.issue_date, d.pk) for d in Document.objects.filter(pk__in=seen)]
    order = {pk: i for i, pk in enumerate(seen)}
    assert sorted(keys, key=lambda k: order[k[1]]) == sorted(keys, reverse=True)
    bad = api.get("/documents", cursor="not-a-cursor")
    assert bad.status_code == 422 and "cursor" in bad.json()["errors"]


def test_filters(company, api_as):
    api = api_as(company, "owner")
    first, second = bg_client(company, name="Орион ООД"), bg_client(company, name="Вега ЕООД")
    small = issued(company, party=first)
    big = issued(
        company,
        party=second,
        lines=[
            {
                "description": "Сървър",
                "quantity": "1",
                "unit_price": "5000",
                "vat_treatment": "standard",
            }
        ],
    )
    assert [i["id"] for i in api.get("/documents", q="орион").json()["items"]] == [small.pk]
    assert [i["id"] for i in api.get("/documents", q="сървър").json()["items"]] == [big.pk]
    assert [i["id"] for i in api.get("/documents", amount_min="1000").json()["items"]] == [big.pk]
    assert [i["id"] for i in api.get("/documents", party_id=first.pk).json()["items"]] == [small.pk]
    assert api.get("/documents", kind="proforma").json()["items"] == []
    assert api.get("/documents", kind="nonsense").status_code == 422


def test_notes_and_conversion_through_the_api(company, api_as):
    api = api_as(company, "owner")
    invoice = issued(company)
    credit = api.post(
        f"/documents/{invoice.pk}/credit-note", {"reason": "върната стока", "issue": True}
    )
    assert credit.status_code == 201, credit.json()
    assert (
        credit.json()["kind"] == "credit_note"
        and credit.json()["corrected_number"] == invoice.number
    )
    again = api.post(f"/documents/{invoice.pk}/credit-note", {"reason": "пак", "issue": True})
    assert again.status_code == 422 and "total" in again.json()["errors"]

    proforma = issued(company, kind="proforma")
    converted = api.post(f"/documents/{proforma.pk}/convert", {"issue": True})
    assert converted.status_code == 201, converted.json()
    assert converted.json()["kind"] == "invoice" and converted.json()["proforma_id"] == proforma.pk
    assert api.post(f"/documents/{proforma.pk}/convert", {}).status_code == 409


def test_pdf_not_yet_rendered_is_rendered_on_demand(company, api_as):
    api = api_as(company, "owner")
    invoice = issued(company)
    assert not invoice.pdf_file  # the worker has not rendered it yet
    response = api.get(f"/documents/{invoice.pk}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF")
    invoice.refresh_from_db()
    assert invoice.pdf_file  # stored, so the worker's later render changes nothing


def test_roles(company, api_as):
    invoice = issued(company)
    viewer = api_as(company, "viewer")
    assert viewer.get(f"/documents/{invoice.pk}").status_code == 200
    assert viewer.post("/documents", _body(invoice.party_id)).status_code == 403
    sales = api_as(company, "sales")
    assert sales.post(f"/documents/{invoice.pk}/void", {"reason": "x"}).status_code == 403
    assert Document.objects.get(pk=invoice.pk).status == "issued"
