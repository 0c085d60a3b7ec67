"""The page frame: a favicon instead of a 404, titles without markup."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_favicon_is_linked_and_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("xfinances/favicon.svg")
    page = client.get("/login/").content.decode()
    assert 'rel="icon"' in page


def test_company_settings_title_has_no_markup(company, client_as):
    client = client_as(company, "owner")
    page = client.get(f"/c/{company.eik}/settings/").content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title is not None
    assert "<" not in title.group(1) and "История" not in title.group(1)
