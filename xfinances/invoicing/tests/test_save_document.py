"""Save and issue as one action: the page's "Save and issue" and the API's `"issue": true`."""

from __future__ import annotations

from unittest import mock

import pytest

from xfinances.core import permissions
from xfinances.core.exceptions import InvalidInput
from xfinances.invoicing import actions
from xfinances.invoicing.inputs import draft
from xfinances.invoicing.models import Document, DocumentStatus
from xfinances.invoicing.tests.factories import SYSTEM, bg_client, line

pytestmark = pytest.mark.django_db

# The API's body of one line (strings, as a client sends them).
LINE = {
    "description": "Консултация",
    "quantity": "2",
    "unit": "h",
    "unit_price": "50.00",
    "vat_treatment": "standard",
}


def test_save_and_issue_gives_a_number_in_one_call(company):
    party = bg_client(company)
    result = actions.save_and_issue(
        SYSTEM, company, draft(party=party, lines=[line("50.00", "2")]), kind="invoice"
    )
    assert result.document.status == DocumentStatus.ISSUED
    assert result.document.number and len(result.document.number) == 10


def test_save_and_issue_checks_the_permission_once(company):
    party = bg_client(company)
    # Every `ensure_can`, wherever imported, asks `permissions.can`.
    with mock.patch.object(permissions, "can", wraps=permissions.can) as checks:
        actions.save_and_issue(SYSTEM, company, draft(party=party, lines=[line()]), kind="invoice")
    asked = [call.args[1] for call in checks.call_args_list]
    assert asked.count("documents.change") == 1


def test_a_refusal_at_issue_leaves_no_new_draft(company):
    """No client: the draft could be saved, but issuing refuses; nothing of it stays."""
    before = Document.objects.filter(company=company).count()
    with pytest.raises(InvalidInput) as refused:
        actions.save_and_issue(SYSTEM, company, draft(party=None, lines=[line()]), kind="invoice")
    assert "party_id" in refused.value.errors
    assert Document.objects.filter(company=company).count() == before


def test_a_refusal_at_issue_leaves_the_draft_unchanged(company):
    party = bg_client(company)
    saved = actions.save_document(
        SYSTEM, company, draft(party=party, lines=[line()]), kind="invoice"
    )
    document = saved.document
    with pytest.raises(InvalidInput):
        # The notes would be saved, but a line of zero cannot be issued: neither happens.
        actions.save_and_issue(
            SYSTEM,
            company,
            draft(party=party, notes="Благодарим", lines=[line("0")]),
            kind="invoice",
            document=document,
            expected_version=document.version,
        )
    fresh = Document.objects.get(pk=document.pk)
    assert (fresh.status, fresh.notes, fresh.version) == ("draft", "", document.version)
    assert fresh.total == document.total


def test_saving_a_draft_without_issue_keeps_it_a_draft(company):
    party = bg_client(company)
    result = actions.save_document(
        SYSTEM, company, draft(party=party, lines=[line()]), kind="invoice"
    )
    assert result.document.status == DocumentStatus.DRAFT and not result.document.number
    changed = actions.save_and_issue(
        SYSTEM,
        company,
        draft(party=party, notes="Благодарим", lines=[line()]),
        kind="invoice",
        document=result.document,
        expected_version=result.document.version,
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


def test_api_patch_saves_and_issues_a_draft_in_one_request(company, api_as):
    api = api_as(company, "owner")
    party = bg_client(company)
    created = api.post("/documents", {"kind": "invoice", "party_id": party.pk, "lines": [LINE]})
    document_id = created.json()["id"]
    refused = api.patch(
        f"/documents/{document_id}",
        {"notes": "Благодарим", "lines": [{**LINE, "unit_price": "0"}], "issue": True},
    )
    assert refused.status_code == 422, refused.json()
    unchanged = Document.objects.get(pk=document_id)
    assert (unchanged.status, unchanged.notes) == ("draft", "")
    answer = api.patch(f"/documents/{document_id}", {"notes": "Благодарим", "issue": True})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "issued" and answer.json()["notes"] == "Благодарим"


def test_an_empty_draft_is_refused(company):
    empty_line = {"description": "", "quantity": "1", "unit": "pcs", "vat_treatment": "standard"}
    with pytest.raises(InvalidInput) as refused:
        actions.save_document(
            SYSTEM, company, draft(party=None, lines=[empty_line]), kind="invoice"
        )
    assert "__all__" in refused.value.errors
    assert not Document.objects.filter(company=company).exists()
