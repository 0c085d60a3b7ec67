"""Save and issue as one action: the page's "Save and issue" and the API's `"issue": true`."""

from __future__ import annotations

import pytest

from xfinances.core.exceptions import InvalidInput
from xfinances.invoicing import actions
from xfinances.invoicing.models import Document, DocumentStatus
from xfinances.invoicing.tests.factories import SYSTEM, bg_client

pytestmark = pytest.mark.django_db

LINE = {
    "description": "Консултация",
    "quantity": "2",
    "unit": "h",
    "unit_price": "50.00",
    "vat_treatment": "standard",
}


def test_save_and_issue_gives_a_number_in_one_call(company):
    party = bg_client(company)
    result = actions.save_document(
        SYSTEM, company, kind="invoice", header={"party_id": party.pk}, lines=[LINE], issue=True
    )
    assert result.document.status == DocumentStatus.ISSUED
    assert result.document.number and len(result.document.number) == 10


def test_a_refusal_at_issue_leaves_nothing_saved(company):
    """No client: the draft could be saved, but issuing refuses; nothing of it stays."""
    before = Document.objects.filter(company=company).count()
    with pytest.raises(InvalidInput):
        actions.save_document(
            SYSTEM, company, kind="invoice", header={"party_id": None}, lines=[LINE], issue=True
        )
    assert Document.objects.filter(company=company).count() == before


def test_saving_a_draft_without_issue_keeps_it_a_draft(company):
    party = bg_client(company)
    result = actions.save_document(
        SYSTEM, company, kind="invoice", header={"party_id": party.pk}, lines=[LINE]
    )
    assert result.document.status == DocumentStatus.DRAFT and not result.document.number
    changed = actions.save_document(
        SYSTEM,
        company,
        kind="invoice",
        header={"party_id": party.pk, "notes": "Благодарим"},
        lines=[LINE],
        document=result.document,
        expected_version=result.document.version,
        issue=True,
    )
    assert changed.document.pk == result.document.pk
    assert changed.document.status == DocumentStatus.ISSUED
    assert changed.document.notes == "Благодарим"


def test_api_creates_and_issues_in_one_request(company, api_as):
    api = api_as(company, "owner")
    party = bg_client(company)
    answer = api.post(
        "/documents", {"kind": "invoice", "party_id": party.pk, "lines": [LINE], "issue": True}
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["status"] == "issued" and answer.json()["number"]


def test_api_issue_refused_creates_no_draft(company, api_as):
    api = api_as(company, "owner")
    before = Document.objects.filter(company=company).count()
    answer = api.post("/documents", {"kind": "invoice", "lines": [LINE], "issue": True})
    assert answer.status_code == 422, answer.json()
    assert Document.objects.filter(company=company).count() == before


def test_an_empty_draft_is_refused(company):
    empty_line = {"description": "", "quantity": "1", "unit": "pcs", "vat_treatment": "standard"}
    with pytest.raises(InvalidInput) as refused:
        actions.save_document(
            SYSTEM, company, kind="invoice", header={"party_id": None}, lines=[empty_line]
        )
    assert "__all__" in refused.value.errors
    assert not Document.objects.filter(company=company).exists()
