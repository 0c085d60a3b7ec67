from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasesConfig(AppConfig):
    name = "xfinances.purchases"
    label = "purchases"
    verbose_name = _("Purchases")

    def ready(self) -> None:
        # Imported here, not at the top: models can be imported only once the registry is ready.
        from xfinances.core.demo import demo_steps
        from xfinances.core.events import CompanyCreated, Phase, subscribe
        from xfinances.purchases import actions, demo, forecast
        from xfinances.treasury.forecast_sources import forecast_sources

        forecast_sources.provide(forecast.forecast_sources)
        demo_steps.provide(demo.step)
        subscribe(CompanyCreated, actions.on_company_created, phase=Phase.IN_TRANSACTION)
