"""Fixtures shared by every test: companies, members per role, signed-in clients, API calls."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

# Before Django reads its settings: jobs run inline, files go to a throw-away folder.
os.environ.setdefault("HUEY_IMMEDIATE", "1")
os.environ["XFINANCES_DATA_DIR"] = tempfile.mkdtemp(prefix="xfinances-test-")
os.environ.setdefault("EMAIL_HOST", "")

import pytest

# The loopback SMTP server and webhook receiver, for every app whose tests send.
pytest_plugins = ["xfinances.notifications.tests.loopback"]


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.AXES_ENABLED = True


@pytest.fixture
def actor_system() -> Any:
    from xfinances.core.audit import Actor
    from xfinances.core.models import Source

    return Actor.system(Source.CLI)


@pytest.fixture
def make_company(db: None, actor_system: Any) -> Callable[..., Any]:
    from xfinances.core import actions
    from xfinances.core.company_inputs import NewCompanyInput

    eiks = iter(["131468980", "205711599", "121759222", "175074752", "200606227", "831826092"])

    def make(**overrides: Any) -> Any:
        data = {"name": "Тест ООД", "eik": next(eiks), "city": "София", "address": "ул. Тест 1"}
        data.update(overrides)
        if "vat_number" not in data:
            data["vat_number"] = "BG" + data["eik"]
        return actions.create_company(actor_system, NewCompanyInput.read(data))

    return make


@pytest.fixture
def company(make_company: Callable[..., Any]) -> Any:
    return make_company(name="Алфа Трейд ООД")


@pytest.fixture
def other_company(make_company: Callable[..., Any]) -> Any:
    return make_company(name="Бета Софт ЕООД")


@pytest.fixture
def make_member(db: None, actor_system: Any) -> Callable[..., Any]:
    from xfinances.core import actions
    from xfinances.core.models import User

    def make(company: Any, role: str, email: str | None = None) -> Any:
        email = email or f"{role}-{company.eik}@example.bg"
        user = User.objects.filter(email=email).first() or actions.create_user(
            actor_system, email=email, password="Test-Parola-2026!"
        )
        from xfinances.core.models import Membership

        if not Membership.objects.filter(company=company, user=user).exists():
            actions.add_member(actor_system, company, email=user.email, role=role)
        return user

    return make


@pytest.fixture
def owner(company: Any, make_member: Callable[..., Any]) -> Any:
    return make_member(company, "owner")


@pytest.fixture
def client_as(client: Any, make_member: Callable[..., Any]) -> Callable[..., Any]:
    """A Django test client signed in as a member with `role` in `company`."""

    def sign_in(company: Any, role: str = "owner") -> Any:
        user = make_member(company, role)
        client.force_login(user)
        return client

    return sign_in


class ApiCaller:
    """Calls /api/v1 with a bearer token, optionally choosing the company."""

    def __init__(self, client: Any, token: str, company_eik: str | None = None) -> None:
        self.client, self.token, self.company_eik = client, token, company_eik

    def _headers(self) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.company_eik:
            headers["X-Company"] = self.company_eik
        return headers

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self._headers())

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(
            f"/api/v1{path}", body or {}, content_type="application/json", headers=self._headers()
        )

    def put(self, path: str, body: Any = None) -> Any:
        return self.client.put(
            f"/api/v1{path}", body or {}, content_type="application/json", headers=self._headers()
        )

    def patch(self, path: str, body: Any = None) -> Any:
        return self.client.patch(
            f"/api/v1{path}", body or {}, content_type="application/json", headers=self._headers()
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", headers=self._headers())


@pytest.fixture
def api_as(
    client: Any, make_member: Callable[..., Any], actor_system: Any
) -> Callable[..., ApiCaller]:
    """An API caller with a fresh token of a member with `role` in `company`."""
    from xfinances.core import actions

    def make(company: Any, role: str = "owner", choose: bool = False) -> ApiCaller:
        user = make_member(company, role)
        raw = actions.issue_api_token(actor_system, user).raw
        return ApiCaller(client, raw, company.eik if choose else None)

    return make


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    """A test's ids may be another test's (SQLite reuses them after a rollback): what a process
    keeps of a company between requests starts empty in every test."""
    # Imported here, as every fixture of this file does: this file loads before Django is set up.
    from xfinances.accounting import queries as accounting_queries

    accounting_queries.forget_on_issue()
