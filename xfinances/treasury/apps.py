from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TreasuryConfig(AppConfig):
    name = "xfinances.treasury"
    label = "treasury"
    verbose_name = _("Cash and bank")

    def ready(self) -> None:
        # Imported here, not at the top: models can be imported only once the registry is ready.
        from xfinances.core import events
        from xfinances.core.company_events import CompanyBankAccountAdded
        from xfinances.core.dashboard import dashboard_cards
        from xfinances.core.demo import demo_steps
        from xfinances.core.events import CompanyCreated, Phase, subscribe
        from xfinances.treasury import actions, dashboard, demo

        dashboard_cards.provide(dashboard.cards)
        demo_steps.provide(demo.step)
        subscribe(CompanyCreated, actions.on_company_created, phase=Phase.IN_TRANSACTION)
        events.subscribe(
            CompanyBankAccountAdded,
            actions.on_company_bank_account_added,
            phase=events.Phase.IN_TRANSACTION,
        )
