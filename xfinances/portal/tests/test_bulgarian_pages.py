"""The clients' portal in Bulgarian shows no English the catalogue has a translation for and no
code meant for programs: the walk of `core/tests/test_bulgarian_pages.py`, over the pages a client
reaches (the staff walk leaves the portal out, it needs a client's session)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xfinances.core.audit import Actor
from xfinances.core.demo import DEMO_EIK, load_demo
from xfinances.core.models import Company
from xfinances.core.tests.test_bulgarian_pages import (
    Phrase,
    english_texts,
    problems_on_page,
)
from xfinances.invoicing import actions as invoicing
from xfinances.invoicing.models import DocumentKind
from xfinances.invoicing.tests.factories import issued
from xfinances.parties.models import Party
from xfinances.portal import queries
from xfinances.portal.tests.factories import client_party, sign_in


@pytest.mark.django_db
def test_the_clients_portal_in_bulgarian_has_no_english_and_no_codes(
    company: Any, client: Any
) -> None:
    """The portal as a client sees it: the sign-in page, then signed in with an invoice due, one
    overdue, a proforma and a credit note."""
    party = client_party(company, contact_email="client@example.bg")
    today = dt.date.today()
    documents = [
        issued(company, party=party, today=today - dt.timedelta(days=40)),
        issued(company, party=party, due_date=today + dt.timedelta(days=10)),
        issued(company, party=party, kind=DocumentKind.PROFORMA),
    ]
    note = invoicing.create_credit_note(
        Actor.system(), documents[0], reason="Върната стока", issue=True
    )
    documents.append(note.document)
    phrases, words = english_texts()
    pages = [f"/portal/{company.eik}/"]
    found = problems_on(client, pages, phrases, words)
    sign_in(client, company, party, "client@example.bg")
    pages = [f"/portal/{company.eik}/", f"/portal/{company.eik}/statement/"]
    pages += [f"/portal/{company.eik}/documents/{d.pk}/" for d in documents]
    found += problems_on(client, pages, phrases, words)
    assert not found, "\n".join(sorted(set(found)))


def problems_on(client: Any, urls: list[str], phrases: list[Phrase], words: set[str]) -> list[str]:
    found = []
    for url in urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="bg")
        assert response.status_code in (200, 403), (url, response.status_code)
        found.extend(problems_on_page(url, response, phrases, words, whole_page=True))
    return found


@pytest.mark.django_db
def test_the_demo_clients_portals_in_bulgarian(client: Any) -> None:
    """Each demo client with documents in the portal, signed in: its documents, the statement
    and every document's page, in Bulgarian."""
    assert load_demo(lambda message: None) is True
    company = Company.objects.get(eik=DEMO_EIK)
    phrases, words = english_texts()
    found: list[str] = []
    walked = 0
    for party in Party.objects.filter(company=company, is_client=True).order_by("pk"):
        documents = list(queries.visible_documents(company, party))
        if not documents:
            continue
        client.logout()
        sign_in(client, company, party)
        pages = [f"/portal/{company.eik}/", f"/portal/{company.eik}/statement/"]
        pages += [f"/portal/{company.eik}/documents/{d.pk}/" for d in documents]
        found += problems_on(client, pages, phrases, words)
        walked += len(pages)
    assert walked > 20  # the walk reached the clients' pages
    assert not found, "\n".join(sorted(set(found)))
