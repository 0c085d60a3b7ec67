"""Auto-publish on issue (per company), publishing and withdrawing by hand, settings page."""

from __future__ import annotations

import pytest

from xfinances.core.audit import Actor
from xfinances.invoicing.tests.factories import draft, issued
from xfinances.portal import actions, links, queries
from xfinances.portal.models import PortalSettings
from xfinances.portal.tests.factories import client_party, sign_in

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system()


def turn_off_auto_publish(company):
    actions.change_settings(
        SYSTEM, company, auto_publish=False, sign_in_link_minutes=30, document_link_days=60
    )


def test_issued_documents_are_published_by_default(company):
    party = client_party(company)
    document = issued(company, party=party)
    draft(company, party=party)
    assert list(queries.visible_documents(company, party)) == [document]


def test_without_auto_publish_only_published_documents_show(company, client):
    turn_off_auto_publish(company)
    party = client_party(company)
    hidden = issued(company, party=party)
    shown = issued(company, party=party)
    actions.publish_document(SYSTEM, shown)
    sign_in(client, company, party)
    assert client.get(f"/portal/{company.eik}/documents/{hidden.pk}/").status_code == 404
    assert client.get(f"/portal/{company.eik}/documents/{shown.pk}/").status_code == 200


def test_a_document_email_link_publishes_the_document(company):
    turn_off_auto_publish(company)
    party = client_party(company)
    document = issued(company, party=party)
    links.document_link(document)
    assert queries.is_published(document)


def test_withdrawn_documents_disappear_even_with_auto_publish(company, client):
    party = client_party(company)
    document = issued(company, party=party)
    actions.withdraw_document(SYSTEM, document)
    sign_in(client, company, party)
    assert client.get(f"/portal/{company.eik}/documents/{document.pk}/").status_code == 404
    actions.publish_document(SYSTEM, document)
    assert client.get(f"/portal/{company.eik}/documents/{document.pk}/").status_code == 200


def test_staff_publish_button_and_roles(company, client_as):
    turn_off_auto_publish(company)
    document = issued(company, party=client_party(company))
    viewer = client_as(company, "viewer")
    url = f"/portal/manage/{company.eik}/documents/{document.pk}/publish/"
    assert viewer.post(url, {"do": "publish"}).status_code == 403
    assert not queries.is_published(document)
    sales = client_as(company, "sales")
    detail = sales.get(f"/c/{company.eik}/documents/{document.pk}/").content.decode()
    assert 'id="portal-panel"' in detail and 'name="do" value="publish"' in detail
    response = sales.post(url, {"do": "publish"})
    assert response.status_code == 302
    assert queries.is_published(document)


def test_settings_page_saves_and_validates(company, client_as):
    owner = client_as(company, "owner")
    url = f"/portal/manage/{company.eik}/"
    bad = owner.post(url, {"sign_in_link_minutes": "1", "document_link_days": "60"})
    assert bad.status_code == 200 and "sign_in_link_minutes" in bad.context["form"].errors
    assert not PortalSettings.objects.filter(company=company).exists()
    owner.post(url, {"auto_publish": "", "sign_in_link_minutes": "15", "document_link_days": "30"})
    saved = PortalSettings.objects.get(company=company)
    assert (saved.auto_publish, saved.sign_in_link_minutes, saved.document_link_days) == (
        False,
        15,
        30,
    )
    assert client_as(company, "viewer").get(url).status_code == 403
