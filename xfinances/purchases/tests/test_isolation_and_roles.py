"""Every purchases URL and API route as a member of another company (404), and the role
matrix of the pages."""

from __future__ import annotations

from typing import Any

import pytest

from xfinances.core.tests.test_tenant_isolation import ARG, all_routes, fill
from xfinances.purchases.tests.factories import isolation_objects, make_invoice

pytestmark = pytest.mark.django_db


def _routes() -> list[str]:
    return [r for r in all_routes() if "purchases/" in r or "supplier-invoices" in r]


def test_purchase_routes_are_404_for_another_company(
    company: Any, other_company: Any, make_member: Any, client: Any, api_as: Any
) -> None:
    make_member(company, "owner")
    values = {**isolation_objects(company), "eik": company.eik}
    client.force_login(make_member(other_company, "owner"))
    routes = _routes()
    assert len(routes) >= 20
    leaked = []
    for route in routes:
        if route.startswith("api/"):
            continue
        url = fill(route, values)
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            if status not in (404, 403):
                leaked.append(f"{method} {url} {status}")
        # own company in the URL, company A's record ids
        if ARG.search(route.replace("<str:eik>", "")):
            own = fill(route, {**values, "eik": other_company.eik})
            for method in ("get", "post"):
                status = getattr(client, method)(own).status_code
                if status not in (404, 403, 405):
                    leaked.append(f"own {method} {own} {status}")
    outsider = api_as(other_company, "owner")
    for route in routes:
        if not route.startswith("api/v1/"):
            continue
        path = fill(route, values)[len("/api/v1") :]
        outsider.company_eik = company.eik
        for method in ("get", "post", "patch"):
            status = getattr(outsider, method)(path).status_code
            if status not in (404, 403, 405):
                leaked.append(f"api A {method} {path} {status}")
        outsider.company_eik = other_company.eik
        if ARG.search(route):
            for method in ("get", "post", "patch"):
                status = getattr(outsider, method)(path).status_code
                if status in (200, 201):
                    leaked.append(f"api own {method} {path} {status}")
    assert not leaked, leaked


@pytest.mark.parametrize(
    ("role", "can_view", "can_change", "can_approve_settings"),
    [
        ("owner", True, True, True),
        ("accountant", True, True, True),
        ("purchasing", True, True, False),
        ("sales", True, False, False),
        ("viewer", True, False, False),
    ],
)
def test_role_matrix(
    company: Any,
    client_as: Any,
    role: str,
    can_view: bool,
    can_change: bool,
    can_approve_settings: bool,
) -> None:
    invoice = make_invoice(company)
    client = client_as(company, role)
    base = f"/c/{company.eik}/purchases/"
    assert (client.get(base).status_code == 200) is can_view
    assert (client.get(f"{base}new/").status_code == 200) is can_change
    assert (client.get(f"{base}{invoice.pk}/edit/").status_code == 200) is can_change
    assert (client.get(f"{base}import/").status_code == 200) is can_change
    page = client.get(base).content.decode()
    assert ("New supplier document" in page) is can_change
    response = client.post(f"{base}settings/", {"name": f"Категория {role}"})
    assert (response.status_code == 302) is can_approve_settings
