"""Every URL and API route, walked without signing in, must refuse: a redirect to a sign-in page,
401, 403, 404 (or 405 for a method the route does not take). Only the routes of the allow-list
below answer strangers, each for a stated reason.

New endpoints are covered automatically: the walker reads the URL configuration (the same walk
as the tenant-isolation test, with real record ids of a company that has data). A new public
route fails this test until it is added to PUBLIC with its reason.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import get_resolver

from xfinances.core.tests.test_tenant_isolation import ARG, _walk, isolation_objects

# Routes strangers may open, and why. Everything else must refuse them.
PUBLIC = {
    "login/": "the sign-in page",
    "logout/": "signing out ends a session; without one it only redirects to sign-in",
    "password-reset/": "asking for a password-reset e-mail",
    "password-reset/sent/": "the 'e-mail sent' page after it",
    "password-reset/<uidb64>/<token>/": "the link in that e-mail (the token is the credential)",
    "password-reset/done/": "the 'password changed' page",
    "healthz": "the load balancer's health check (answers only {'status': 'ok'})",
    "favicon.ico": "browsers ask for it on every page, signed in or not (a redirect to the icon)",
    "i18n/setlang/": "choosing the language of the sign-in page",
    "portal/sign-in/": "a client asks for a portal sign-in link by e-mail",
    "portal/language/": "a client chooses the portal's language",
    "portal/<str:eik>/link/<str:token>/": "the portal sign-in link (the token is the credential)",
    "t/<str:token>.gif": "the e-mail open-tracking pixel (the token is the credential)",
    "api/v1/openapi.json": "the API's description, for clients and tools",
    "api/v1/docs": "the API's documentation page",
    "admin/login/": "the site admin's sign-in page",
    "admin/logout/": "the site admin's sign-out",
    "admin/jsi18n/": "the site admin's translation catalogue (no data)",
}
# Django's site admin catches every address under admin/ and redirects it to admin/login/.
ADMIN_LOGIN = "/admin/login/"
SIGN_IN_PAGES = ("/login/", ADMIN_LOGIN)
# A client's portal pages send strangers to the portal's own sign-in (403 with its form).
REFUSALS = {401, 403, 404, 405}
# Arguments the record walk does not need a real record for.
GENERIC_VALUES = {
    "area": "sales",
    "token_id": 0,
    "token": "not-a-real-token",
    "uidb64": "MQ",
    "object_id": 1,
    "content_type_id": 1,
    "app_label": "auth",
    "url": "core/company/",
}


def routes() -> list[str]:
    found = set()
    for route in _walk(get_resolver().url_patterns):
        found.add(route.lstrip("^").rstrip("$"))
    return sorted(found)


def fill(route: str, values: dict[str, Any]) -> str:
    # Regular-expression routes of the site admin: (?P<name>…) groups.
    route = route.replace("(?P<app_label>auth|axes)", "<app_label>")
    route = route.replace("^", "").replace("(?P<url>.*)", "<url>")
    return "/" + ARG.sub(lambda match: str(values[match.group("name")]), route)


def refused(response: Any) -> bool:
    if response.status_code in REFUSALS:
        return True
    if response.status_code in (301, 302):
        target = urlsplit(response["Location"])
        return target.path in SIGN_IN_PAGES
    return False


@pytest.fixture
def values(company, make_member) -> dict[str, Any]:
    make_member(company, "owner")
    return {**GENERIC_VALUES, **isolation_objects(company), "eik": company.eik}


def test_every_ui_route_refuses_a_stranger(client, values):
    opened, unknown = [], []
    for route in routes():
        if route.startswith("api/") or route in PUBLIC:
            continue
        try:
            url = fill(route, values)
        except KeyError as missing:
            unknown.append(f"{route} needs {missing.args[0]}")
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if not refused(response):
                opened.append(f"{method.upper()} {url} -> {response.status_code}")
    assert not unknown, f"add the argument to GENERIC_VALUES or an isolation_objects(): {unknown}"
    assert not opened, f"open to strangers (add to PUBLIC with a reason, or protect): {opened}"


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-real-token", "Basic Zm9vOmJhcg=="])
def test_every_api_route_refuses_a_stranger(client, values, company, authorization):
    headers = {"X-Company": company.eik}
    if authorization:
        headers["Authorization"] = authorization
    opened = []
    for route in routes():
        if not route.startswith("api/") or route in PUBLIC:
            continue
        url = fill(route, values)
        for method in ("get", "post", "put", "patch", "delete"):
            body = {} if method == "get" else {"data": "{}", "content_type": "application/json"}
            response = getattr(client, method)(url, headers=headers, **body)
            if response.status_code not in REFUSALS:
                opened.append(f"{method.upper()} {url} -> {response.status_code}")
    assert not opened, opened


def test_public_routes_answer_strangers_without_errors(client, values):
    """The allow-list is real: each route exists and none of them fails for a stranger."""
    known = set(routes())
    assert not set(PUBLIC) - known, (
        f"PUBLIC names routes that no longer exist: {set(PUBLIC) - known}"
    )
    failing = []
    for route in PUBLIC:
        url = fill(route, values)
        response = client.get(url)
        if response.status_code >= 500:
            failing.append(f"GET {url} -> {response.status_code}")
    assert not failing, failing


def test_a_session_of_a_signed_out_user_no_longer_opens_pages(client_as, company):
    client = client_as(company, "owner")
    assert client.get(f"/c/{company.eik}/").status_code == 200
    client.post("/logout/")
    response = client.get(f"/c/{company.eik}/")
    assert response.status_code == 302 and urlsplit(response["Location"]).path == "/login/"


def test_walker_sees_the_routes_it_must_check():
    found = routes()
    assert "c/<str:eik>/" in found and "api/v1/documents" in found
    assert len([r for r in found if r not in PUBLIC]) > 200
