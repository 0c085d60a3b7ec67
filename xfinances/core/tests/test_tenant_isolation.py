"""Every URL and API route, walked as a member of another company, must answer 404 (or 403).

New endpoints are covered automatically: the walker reads the URL configuration. A URL argument
it does not know (e.g. `<int:invoice_id>`) fails the test until the app's `tests/factories.py`
offers `isolation_objects(company) -> {argument: id}` making one such record in `company`.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from xfinances.core.models import CompanyBankAccount, Membership

ARG = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>")
# Routes that are not company data: sign-in, password reset, health, language, site admin.
PUBLIC_PREFIXES = (
    "login/",
    "logout/",
    "password-reset/",
    "healthz",
    "i18n/",
    "admin/",
    "static/",
    "files/",
)
# API routes about the caller, not a company's records.
API_SELF_ROUTES = {"api/v1/me", "api/v1/companies", "api/v1/openapi.json", "api/v1/docs"}


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route


def all_routes() -> list[str]:
    routes = []
    for route in _walk(get_resolver().url_patterns):
        route = route.lstrip("^").rstrip("$")
        if route.startswith(PUBLIC_PREFIXES) or "<path:" in route:
            continue
        routes.append(route)
    return sorted(set(routes))


def isolation_objects(company: Any) -> dict[str, Any]:
    """One record of every kind in `company`, keyed by the URL argument naming it."""
    account = CompanyBankAccount.objects.create(company=company, iban="BG80BNBG96611020345678")
    membership = Membership.objects.filter(company=company).first()
    objects: dict[str, Any] = {
        "account_id": account.pk,
        "membership_id": membership.pk if membership else 0,
    }
    for config in apps.get_app_configs():
        if not config.name.startswith("xfinances."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.factories")
        except ModuleNotFoundError:
            continue
        maker = getattr(module, "isolation_objects", None)
        if maker:
            objects.update(maker(company))
    return objects


def fill(route: str, values: dict[str, Any]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in values:
            raise KeyError(name)
        return str(values[name])

    return "/" + ARG.sub(replace, route)


@pytest.fixture
def setting(company, other_company, make_member, client):
    make_member(company, "owner")  # company A has data and members
    outsider = make_member(other_company, "owner")  # owner of B: the strongest role elsewhere
    client.force_login(outsider)
    return isolation_objects(company)


def test_every_company_url_is_404_for_a_member_of_another_company(
    setting, company, other_company, client
):
    values = {**setting, "eik": company.eik, "area": "sales", "token_id": 0}
    unknown, leaked = set(), []
    for route in all_routes():
        if route.startswith("api/"):
            continue
        try:
            url = fill(route, values)
        except KeyError as missing:
            unknown.add(f"{route} needs {missing.args[0]}")
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if "<str:eik>" in route and response.status_code not in (404, 403):
                leaked.append(f"{method.upper()} {url} -> {response.status_code}")
    assert not unknown, f"add these URL arguments to an isolation_objects(): {sorted(unknown)}"
    assert not leaked, leaked


def test_other_companys_record_ids_are_404_inside_own_company(
    setting, company, other_company, client
):
    """Own company in the URL, but a record id of company A: still 404."""
    values = {**setting, "eik": other_company.eik, "area": "sales", "token_id": 0}
    leaked = []
    for route in all_routes():
        if route.startswith("api/") or not ARG.search(route.replace("<str:eik>", "")):
            continue
        if not set(ARG.findall(route.replace("<str:eik>", ""))) - {("slug", "area")}:
            continue
        try:
            url = fill(route, values)
        except KeyError:
            continue  # reported by the test above
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            # 405: a POST-only page refuses GET before it looks anything up.
            allowed = (404, 403, 405) if method == "get" else (404, 403)
            if response.status_code not in allowed:
                leaked.append(f"{method.upper()} {url} -> {response.status_code}")
    assert not leaked, leaked


def test_every_api_route_is_404_for_another_company(setting, company, other_company, api_as):
    outsider_api = api_as(other_company, "owner")
    values = dict(setting)
    leaked, unknown = [], set()
    for route in all_routes():
        if not route.startswith("api/v1/") or route in API_SELF_ROUTES:
            continue
        try:
            path = fill(route, values)[len("/api/v1") :]
        except KeyError as missing:
            unknown.add(f"{route} needs {missing.args[0]}")
            continue
        # 1) choosing company A by header: the outsider is not a member.
        outsider_api.company_eik = company.eik
        for method in ("get", "post", "put", "patch", "delete"):
            response = getattr(outsider_api, method)(path)
            if response.status_code not in (404, 403, 405):
                leaked.append(f"X-Company=A {method.upper()} {path} -> {response.status_code}")
        # 2) own company, but ids of company A's records.
        outsider_api.company_eik = other_company.eik
        if ARG.search(route):
            for method in ("get", "put", "patch", "delete"):
                response = getattr(outsider_api, method)(path)
                if response.status_code in (200, 201, 204):
                    leaked.append(
                        f"own company, A's id {method.upper()} {path} -> {response.status_code}"
                    )
    assert not unknown, f"add these URL arguments to an isolation_objects(): {sorted(unknown)}"
    assert not leaked, leaked


def test_walker_sees_the_routes_it_must_check():
    routes = all_routes()
    assert "c/<str:eik>/" in routes
    assert any(r.startswith("api/v1/") for r in routes)
