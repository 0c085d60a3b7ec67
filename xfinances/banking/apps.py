from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BankingConfig(AppConfig):
    """Statements, bank connections, matching and supplier payment files (above treasury,
    payments and purchases; docs/ARCHITECTURE.md)."""

    name = "xfinances.banking"
    label = "banking"
    verbose_name = _("E-banking")

    def ready(self) -> None:
        # Imported here, not at the top: models can be imported only once the registry is ready.
        from xfinances.banking import audit_details, demo
        from xfinances.banking.actions import rules
        from xfinances.core.demo import demo_steps
        from xfinances.core.events import CompanyCreated, Phase, subscribe

        subscribe(CompanyCreated, rules.on_company_created, phase=Phase.IN_TRANSACTION)
        audit_details.register()
        demo_steps.provide(demo.steps)
