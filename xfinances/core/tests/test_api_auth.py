"""API tokens: stored hashed, revocable, one company chosen by X-Company."""

import pytest

from xfinances.core import actions
from xfinances.core.models import ApiToken, AuditEntry, hash_token


@pytest.fixture
def token(owner, actor_system):
    return actions.issue_api_token(actor_system, owner, "erp")


def auth(raw, eik=None):
    headers = {"Authorization": f"Bearer {raw}"}
    if eik:
        headers["X-Company"] = eik
    return headers


def test_token_is_stored_only_as_hash(token):
    stored = ApiToken.objects.get(pk=token.token.pk)
    assert stored.token_hash == hash_token(token.raw)
    assert token.raw not in (stored.token_hash, stored.prefix)
    assert AuditEntry.objects.filter(action="issue_api_token", object_id=str(stored.pk)).exists()


def test_valid_token_reads_company(client, company, token):
    response = client.get("/api/v1/company", headers=auth(token.raw))
    assert response.status_code == 200
    assert response.json()["name"] == company.name
    assert ApiToken.objects.get(pk=token.token.pk).last_used_at is not None


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nonsense", "Token xyz"])
def test_missing_or_wrong_token_is_401(client, company, header):
    response = client.get("/api/v1/company", headers={"Authorization": header} if header else {})
    assert response.status_code == 401


def test_revoked_token_is_refused(client, company, owner, token, actor_system):
    actions.revoke_api_token(actor_system, token.token)
    assert client.get("/api/v1/company", headers=auth(token.raw)).status_code == 401


def test_user_in_two_companies_must_choose(
    client, company, other_company, owner, token, make_member
):
    make_member(other_company, "viewer", email=owner.email)
    response = client.get("/api/v1/company", headers=auth(token.raw))
    assert response.status_code == 400
    assert "X-Company" in response.json()["detail"]
    chosen = client.get("/api/v1/company", headers=auth(token.raw, other_company.eik))
    assert chosen.json()["eik"] == other_company.eik


def test_unknown_company_header_is_404(client, company, token):
    assert client.get("/api/v1/company", headers=auth(token.raw, "999999999")).status_code == 404


def test_me_lists_companies(client, company, token):
    body = client.get("/api/v1/me", headers=auth(token.raw)).json()
    assert body["companies"] == [
        {"company_eik": company.eik, "company_name": company.name, "role": "owner"}
    ]


def test_openapi_is_published(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "XFINANCES API"
    assert "/api/v1/company" in spec["paths"]


def test_ui_token_shown_once_and_revocable(client, owner):
    client.force_login(owner)
    page = client.post("/account/", {"name": "shop"})
    raw = page.context["new_token"]
    assert raw.startswith("xf_")
    listing = client.get("/account/").content.decode()
    assert raw not in listing
    stored = ApiToken.objects.get(user=owner, name="shop")
    client.post(f"/account/tokens/{stored.pk}/revoke/")
    stored.refresh_from_db()
    assert stored.revoked_at is not None


def test_malformed_body_gets_field_level_errors(api_as, company):
    response = api_as(company, "owner").post(
        "/parties", {"name": "Х", "kind": "company", "is_client": "maybe"}
    )
    assert response.status_code == 422
    body = response.json()
    assert "is_client" in body["errors"]
    assert body["detail"]
