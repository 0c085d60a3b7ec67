"""Role matrix: each role × each action of the frame, through the UI and the API."""

import pytest

from xfinances.core.models import Membership
from xfinances.core.roles import PERMISSIONS, Role, can

ROLES = [r.value for r in Role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("permission", "allowed_roles"),
    [
        ("company.change", {"owner"}),
        ("members.manage", {"owner"}),
        ("audit.view", {"owner", "accountant"}),
        ("rates.change", {"owner", "accountant"}),
        ("parties.change", {"owner", "accountant", "sales", "purchasing"}),
        ("documents.change", {"owner", "accountant", "sales"}),
        ("purchases.change", {"owner", "accountant", "purchasing"}),
        ("company.view", set(ROLES)),
    ],
)
def test_permission_table(role, permission, allowed_roles):
    assert can(role, permission) is (role in allowed_roles)


def test_viewer_changes_nothing():
    changing = [p for p in PERMISSIONS if not p.endswith(".view")]
    assert not any(can("viewer", p) for p in changing)


def test_unknown_permission_is_a_programming_error():
    with pytest.raises(KeyError):
        can("owner", "parties.fly")


@pytest.mark.parametrize("role", ROLES)
def test_ui_company_settings_save_only_for_owner(company, client_as, role):
    client = client_as(company, role)
    response = client.post(
        f"/c/{company.eik}/settings/",
        {
            "name": "Ново име ООД",
            "eik": company.eik,
            "country": "BG",
            "default_currency": "EUR",
            "document_language": "bg",
            "payment_terms_days": 10,
            "edit_window_days": 30,
        },
    )
    company.refresh_from_db()
    if role == "owner":
        assert response.status_code == 302
        assert company.name == "Ново име ООД"
    else:
        assert response.status_code == 403
        assert company.name != "Ново име ООД"


@pytest.mark.parametrize("role", ROLES)
def test_ui_add_member_only_for_owner(company, client_as, role):
    client = client_as(company, role)
    response = client.post(
        f"/c/{company.eik}/members/", {"email": "new.person@example.bg", "role": "viewer"}
    )
    added = Membership.objects.filter(company=company, user__email="new.person@example.bg").exists()
    assert added is (role == "owner")
    if role != "owner":
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_ui_hides_owner_links_from_others(company, client_as, role):
    body = client_as(company, role).get(f"/c/{company.eik}/members/").content.decode()
    assert ("Remove access" in body or "Премахни достъпа" in body) is (role == "owner")
    dash = client_as(company, role).get(f"/c/{company.eik}/").content.decode()
    assert (f"/c/{company.eik}/audit/" in dash) is (role in ("owner", "accountant"))


@pytest.mark.parametrize("role", ROLES)
def test_ui_exchange_rate_entry(company, client_as, role):
    client = client_as(company, role)
    client.post(
        f"/c/{company.eik}/rates/", {"currency": "USD", "date": "2026-11-02", "rate": "1.0832"}
    )
    stored = company.exchange_rates.filter(currency="USD").exists()
    assert stored is (role in ("owner", "accountant"))


@pytest.mark.parametrize("role", ROLES)
def test_api_users_list_is_readable_by_every_role(company, api_as, role):
    response = api_as(company, role).get("/users")
    assert response.status_code == 200
    assert role in {u["role"] for u in response.json()}
