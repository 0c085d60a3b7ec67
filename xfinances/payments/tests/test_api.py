"""REST: record and allocate, refusals as 422, roles as 403, other companies as 404/422."""

from __future__ import annotations

from decimal import Decimal

from xfinances.invoicing.tests.factories import bg_client
from xfinances.payments.tests.factories import invoice, payment


def test_record_allocate_and_read_status(company, api_as):
    api = api_as(company, "accountant")
    client = bg_client(company)
    document = invoice(company, client, "100.00")
    response = api.post(
        "/payments",
        {
            "direction": "in",
            "date": "2026-03-05",
            "amount": "60.00",
            "currency": "EUR",
            "party_id": client.pk,
            "allocations": [{"document_id": document.pk}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["unallocated"] == "0.00" and body["allocations"][0]["document_amount"] == "60.00"
    status = api.get(f"/payments/documents/{document.pk}").json()
    assert (status["status"], status["paid"], status["remaining"]) == (
        "partly_paid",
        "60.00",
        "40.00",
    )
    too_much = api.post(
        f"/payments/{body['id']}/allocations", {"allocations": [{"document_id": document.pk}]}
    )
    assert too_much.status_code == 422 and "amount" in too_much.json()["errors"]
    undo = api.post(f"/payments/allocations/{body['allocations'][0]['id']}/undo", {"reason": "x"})
    assert undo.status_code == 200 and undo.json()["undone_at"]
    aging = api.get("/payments/aging", on="2026-12-31").json()
    assert aging["rows"][0]["total"] == "40.00"  # 100 open, 60 unallocated credit


def test_roles_and_other_companies(company, other_company, api_as):
    viewer = api_as(company, "viewer")
    document = invoice(company, None, "10.00")
    refused = viewer.post("/payments", {"direction": "in", "date": "2026-03-05", "amount": "1"})
    assert refused.status_code == 403
    assert viewer.get(f"/payments/documents/{document.pk}").status_code == 200
    stranger = api_as(other_company, "owner")
    assert stranger.get(f"/payments/documents/{document.pk}").status_code == 404
    mine = payment(other_company, None, "10.00")
    cross = stranger.post(
        f"/payments/{mine.pk}/allocations", {"allocations": [{"document_id": document.pk}]}
    )
    assert cross.status_code == 422 and "document_id" in cross.json()["errors"]
    assert viewer.post("/payments/reminders/run", {}).status_code == 403
    assert Decimal(mine.allocated) == 0
