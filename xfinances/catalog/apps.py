from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "xfinances.catalog"
    label = "catalog"
    verbose_name = _("Products and services")

    def ready(self) -> None:
        # Imported here, not at the top: models can be imported only once the registry is ready.
        from xfinances.catalog import actions
        from xfinances.core.events import CompanyCreated, Phase, subscribe

        subscribe(CompanyCreated, actions.on_company_created, phase=Phase.IN_TRANSACTION)
