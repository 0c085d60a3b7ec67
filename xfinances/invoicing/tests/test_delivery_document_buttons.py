"""The staff document pages lead to e-mail delivery: "Send by e-mail" on an issued document
and "Send selected by e-mail" on the list, only for roles that may send."""

from __future__ import annotations

import pytest

from xfinances.invoicing.tests.delivery_factories import issued_to
from xfinances.invoicing.tests.factories import draft
from xfinances.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_send_link_on_the_document_page_for_sales_not_for_viewer(company, client_as):
    document = issued_to(company)
    link = f'href="/c/{company.eik}/delivery/documents/{document.pk}/" id="send-by-email"'
    page = f"/c/{company.eik}/documents/{document.pk}/"

    assert link in client_as(company, "sales").get(page).content.decode()
    viewer_page = client_as(company, "viewer").get(page)
    assert (
        viewer_page.status_code == 200 and 'id="send-by-email"' not in viewer_page.content.decode()
    )


def test_no_send_link_on_a_draft(company, client_as):
    document = draft(company)
    html = client_as(company, "sales").get(f"/c/{company.eik}/documents/{document.pk}/").content
    assert b'id="send-by-email"' not in html


def test_bulk_send_button_on_the_list_posts_the_selected_ids(company, client_as):
    chosen = [issued_to(company), issued_to(company)]
    left_out = issued_to(company)
    sales = client_as(company, "sales")
    html = sales.get(f"/c/{company.eik}/documents/").content.decode()
    assert f'formaction="/c/{company.eik}/delivery/documents/send/" id="bulk-send-email"' in html
    assert 'id="bulk-send-email"' not in (
        client_as(company, "viewer").get(f"/c/{company.eik}/documents/").content.decode()
    )

    sales = client_as(company, "sales")  # the same test client: sign in as sales again
    response = sales.post(
        f"/c/{company.eik}/delivery/documents/send/",
        {"ids": [d.pk for d in chosen], "next": f"/c/{company.eik}/documents/"},
    )

    assert response.status_code == 302 and response["Location"] == f"/c/{company.eik}/documents/"
    sent = set(
        OutboxMessage.objects.filter(company=company, kind="email").values_list(
            "document_id", flat=True
        )
    )
    assert sent == {d.pk for d in chosen} and left_out.pk not in sent


def test_bulk_send_never_redirects_to_another_site(company, client_as):
    document = issued_to(company)
    response = client_as(company, "sales").post(
        f"/c/{company.eik}/delivery/documents/send/",
        {"ids": [document.pk], "next": "https://evil.example.com/"},
    )
    assert response["Location"] == f"/c/{company.eik}/documents/"
