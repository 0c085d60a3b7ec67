"""The demo company: realistic Bulgarian data for trying XFINANCES. Loaded once; idempotent."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from xfinances.core import actions
from xfinances.core.audit import Actor
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


def load_demo(progress: Callable[[str], object] = print) -> bool:
    """Create the demo company unless it exists. Returns True when it was created."""
    if Company.objects.filter(eik=DEMO_EIK).exists():
        return False
    actor = Actor.system(Source.CLI)
    with transaction.atomic():
        progress("Creating the demo company …")
        company = actions.create_company(
            actor,
            name="Демо Финанс ЕООД",
            name_latin="Demo Finance EOOD",
            eik=DEMO_EIK,
            vat_number="BG" + DEMO_EIK,
            city="София",
            postcode="1000",
            address="ул. „Граф Игнатиев“ 15, ет. 3",
            mol="Мария Георгиева",
            email="office@demo.xfinances.bg",
            phone="+359 2 987 6543",
            place_of_issue="София",
            iban="BG80BNBG96611020345678",
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
        for loader in _area_loaders():
            loader(actor, company, progress)
        # From here on, a document issued in the demo reaches its client by e-mail (written to
        # var/mail/ unless EMAIL_HOST is set) and appears in the portal, with no further click.
        from xfinances.notifications.actions import update_delivery_settings

        update_delivery_settings(actor, company, auto_send_on_issue=True)
    return True


def _area_loaders() -> list[Callable[[Actor, Company, Callable[[str], object]], None]]:
    """Each area adds its own demo data (clients, documents, accounts …)."""
    from xfinances.invoicing.demo import load as load_documents
    from xfinances.parties.demo import load as load_parties
    from xfinances.payments.demo import load as load_payments
    from xfinances.purchases.demo import load as load_purchases
    from xfinances.treasury.demo import load as load_treasury

    return [load_parties, load_documents, load_treasury, load_payments, load_purchases]
