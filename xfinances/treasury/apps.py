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
        from xfinances.treasury.actions import on_company_bank_account_added

        events.subscribe(
            CompanyBankAccountAdded,
            on_company_bank_account_added,
            phase=events.Phase.IN_TRANSACTION,
        )
