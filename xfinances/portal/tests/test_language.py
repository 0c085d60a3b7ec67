"""The portal in Bulgarian (default) and English, switched on its own pages."""

from __future__ import annotations

import pytest

from xfinances.portal.tests.factories import client_party, sign_in

pytestmark = pytest.mark.django_db


def test_switching_language_keeps_the_client_on_the_portal(company, client):
    sign_in(client, company, client_party(company))
    page = client.get(f"/portal/{company.eik}/statement/")
    assert page["Content-Language"] == "bg" and b'<html lang="bg">' in page.content
    assert b'id="portal-language"' in page.content
    switched = client.post(
        "/portal/language/", {"language": "en", "next": f"/portal/{company.eik}/statement/"}
    )
    assert switched.status_code == 302
    assert switched["Location"] == f"/portal/{company.eik}/statement/"
    english = client.get(f"/portal/{company.eik}/statement/")
    assert english["Content-Language"] == "en" and b'<html lang="en">' in english.content
    assert b"Account statement" in english.content
    client.post("/portal/language/", {"language": "bg", "next": f"/portal/{company.eik}/"})
    assert client.get(f"/portal/{company.eik}/")["Content-Language"] == "bg"


def test_language_switch_refuses_to_redirect_elsewhere(client):
    for target in ("https://evil.example/", "//evil.example/", "/c/123/"):
        response = client.post("/portal/language/", {"language": "en", "next": target})
        assert response["Location"] == "/portal/"
    assert client.post("/portal/language/", {"language": "xx"}).status_code == 302
    assert client.cookies.get("django_language").value == "en"


def test_sign_in_page_has_the_switch_and_no_staff_navbar(company, client):
    page = client.get(f"/portal/{company.eik}/").content.decode()
    assert 'id="portal-language"' in page
    assert "navbar-dark" not in page and "company-switcher" not in page
