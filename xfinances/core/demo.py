"""The demo company: realistic Bulgarian data for trying XFINANCES. Loaded once; idempotent.

Core creates the company and its users; every app above adds its own data through the
`demo_steps` hook (registered in the app's `AppConfig.ready()`), so core imports none of them.
Steps run by their `order`, not by the order the apps happen to be installed in: documents need
parties, payments need documents and money accounts, and delivery is switched on last so that
loading the demo mails nobody.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from xfinances.core import actions
from xfinances.core.audit import Actor
from xfinances.core.company_inputs import NewCompanyInput
from xfinances.core.events import Hook
from xfinances.core.models import Company, Source
from xfinances.core.roles import Role

DEMO_EIK = "205711599"  # a syntactically valid ЕИК reserved for the demo
DEMO_PASSWORD = "Parola-2026!"
DEMO_LOGINS: list[tuple[str, str, str]] = [
    ("owner@demo.xfinances.bg", DEMO_PASSWORD, Role.OWNER),
    ("accountant@demo.xfinances.bg", DEMO_PASSWORD, Role.ACCOUNTANT),
    ("sales@demo.xfinances.bg", DEMO_PASSWORD, Role.SALES),
    ("purchasing@demo.xfinances.bg", DEMO_PASSWORD, Role.PURCHASING),
    ("viewer@demo.xfinances.bg", DEMO_PASSWORD, Role.VIEWER),
]
DEMO_NAMES: dict[str, str] = {
    Role.OWNER: "Мария Георгиева",
    Role.ACCOUNTANT: "Иван Петров",
    Role.SALES: "Елена Димитрова",
    Role.PURCHASING: "Георги Иванов",
    Role.VIEWER: "Николай Стоянов",
}


Progress = Callable[[str], object]


@dataclass(frozen=True)
class DemoStep:
    """One app's part of the demo. `order`: parties 10, documents 20, supplier invoices 30,
    money accounts 40, payments 50, supplier payments 60, delivery settings 90."""

    order: int
    name: str
    load: Callable[[Actor, Company, Progress], None]


demo_steps: Hook[DemoStep] = Hook("core.demo_steps")


def load_demo(progress: Callable[[str], object] = print) -> bool:
    """Create the demo company unless it exists. Returns True when it was created."""
    if Company.objects.filter(eik=DEMO_EIK).exists():
        return False
    actor = Actor.system(Source.CLI)
    with transaction.atomic():
        progress("Creating the demo company …")
        company = actions.create_company(
            actor,
            NewCompanyInput.read(
                {
                    "name": "Демо Финанс ЕООД",
                    "name_latin": "Demo Finance EOOD",
                    "eik": DEMO_EIK,
                    "vat_number": "BG" + DEMO_EIK,
                    "city": "София",
                    "postcode": "1000",
                    "address": "ул. „Граф Игнатиев“ 15, ет. 3",
                    "mol": "Мария Георгиева",
                    "email": "office@demo.xfinances.bg",
                    "phone": "+359 2 987 6543",
                    "place_of_issue": "София",
                    "iban": "BG80BNBG96611020345678",
                }
            ),
        )
        actions.add_company_bank_account(
            actor, company, iban="BG18RZBB91550123456789", currency="EUR"
        )
        progress("Adding users for every role …")
        for email, password, role in DEMO_LOGINS:
            user = actions.create_user(
                actor, email=email, password=password, full_name=DEMO_NAMES[role]
            )
            actions.add_member(actor, company, email=user.email, role=role)
        for step in sorted(demo_steps.collect(), key=lambda step: step.order):
            step.load(actor, company, progress)
    return True
