from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.utils import timezone

from xfinances.core.models import hash_token
from xfinances.invoicing.tests.factories import issued
from xfinances.portal import links
from xfinances.portal.models import DocumentPublication, PortalLoginToken, TokenPurpose
from xfinances.portal.tests.factories import client_party

pytestmark = pytest.mark.django_db


def _raw(url: str) -> str:
    return urlparse(url).path.rstrip("/").rsplit("/", 1)[-1]


def test_document_link_is_absolute_long_lived_and_lands_on_the_document(company, client):
    party = client_party(company, "ana@example.bg")
    document = issued(company, party=party)
    url = links.document_link(document)
    assert url.startswith(settings.BASE_URL + f"/portal/{company.eik}/link/")
    token = PortalLoginToken.objects.get(token_hash=hash_token(_raw(url)))
    assert token.purpose == TokenPurpose.DOCUMENT
    assert token.party_id == party.pk and token.document_id == document.pk
    assert token.expires_at > timezone.now() + dt.timedelta(days=59)
    assert _raw(url) not in str(list(PortalLoginToken.objects.values_list()))  # only the hash
    assert DocumentPublication.objects.filter(document=document).exists()
    response = client.get(urlparse(url).path)
    assert response.status_code == 302
    assert response["Location"] == f"/portal/{company.eik}/documents/{document.pk}/"
    # A document link works again (the client opens the e-mail twice).
    assert client.get(urlparse(url).path).status_code == 302


def test_sign_in_link_is_one_time_and_short_lived(company, client):
    party = client_party(company)
    url = links.sign_in_link(company, party, "Ana@Example.bg")
    token = PortalLoginToken.objects.get(token_hash=hash_token(_raw(url)))
    assert token.purpose == TokenPurpose.SIGN_IN and token.email == "ana@example.bg"
    assert token.expires_at < timezone.now() + dt.timedelta(minutes=31)
    path = urlparse(url).path
    assert client.get(path).status_code == 200  # a confirm page: a mail scanner spends nothing
    assert client.post(path).status_code == 302
    again = client.post(path)
    assert again.status_code == 200
    assert b'id="link-problem"' in again.content and b'id="send-link"' in again.content
