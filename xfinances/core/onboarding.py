"""Onboarding: sign-up for a first company, a new company for a signed-in user, and the
first-steps checklist of the dashboard.

The checklist's steps come from the apps that know them (core: company details and logo, bank
account, the accountant; parties: the first client; invoicing: the first invoice;
notifications: the e-mail settings) through the `first_steps` hook, each ticked from real data.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xfinances.core import actions
from xfinances.core.audit import Actor
from xfinances.core.company_inputs import NewCompanyInput
from xfinances.core.events import Hook
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company, CompanyBankAccount, Membership, User
from xfinances.core.roles import Role


def signup_allowed() -> bool:
    """Setting `XFINANCES_ALLOW_SIGNUP`: "auto" (the default) while no company exists."""
    value = str(getattr(settings, "XFINANCES_ALLOW_SIGNUP", "auto")).lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return not Company.objects.exists()


@transaction.atomic
def sign_up(
    actor: Actor,
    *,
    email: str,
    password: str,
    full_name: str = "",
    language: str = "bg",
    company: NewCompanyInput,
) -> tuple[User, Company]:
    """A new user and their first company, of which they are the owner. One transaction:
    a refused company leaves no user behind."""
    if not signup_allowed():
        raise InvalidInput({"__all__": [_("Sign-up is switched off on this installation.")]})
    user = actions.create_user(
        actor, email=email, password=password, full_name=full_name, language=language
    )
    as_user = Actor(user, actor.source, actor.ip_address)
    created = actions.create_company(as_user, company, owner=user)
    return user, created


def create_own_company(actor: Actor, company: NewCompanyInput) -> Company:
    """A signed-in user's new company, with them as its owner."""
    if actor.user is None:
        raise InvalidInput({"__all__": [_("Sign in first.")]})
    return actions.create_company(actor, company, owner=actor.user)


@dataclass(frozen=True)
class FirstStep:
    key: str
    label: str | Promise
    done: bool
    url: str
    order: int = 50


#: Each app above core answers `provider(company=…)` with its steps.
first_steps: Hook[FirstStep] = Hook("core.first_steps")


def core_steps(company: Company) -> list[FirstStep]:
    settings_url = reverse("company_settings", args=[company.eik])
    has_accountant = Membership.objects.filter(company=company, role=Role.ACCOUNTANT).exists()
    return [
        FirstStep(
            "company",
            _("Company details and logo"),
            bool(company.address and company.city and company.logo),
            settings_url,
            10,
        ),
        FirstStep(
            "bank_account",
            _("A bank account for your documents"),
            CompanyBankAccount.objects.filter(company=company).exists(),
            settings_url + "#bank-accounts",
            20,
        ),
        FirstStep(
            "accountant",
            _("Invite your accountant"),
            has_accountant,
            reverse("members", args=[company.eik]),
            90,
        ),
    ]


def checklist(company: Company) -> list[FirstStep]:
    steps = core_steps(company)
    steps.extend(first_steps.collect(company=company))
    return sorted(steps, key=lambda step: step.order)


def open_checklist(company: Company) -> list[FirstStep]:
    """The checklist while a step is still open; empty once every step is done."""
    steps = checklist(company)
    return steps if any(not step.done for step in steps) else []
