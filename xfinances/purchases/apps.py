from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasesConfig(AppConfig):
    name = "xfinances.purchases"
    label = "purchases"
    verbose_name = _("Purchases")

    def ready(self) -> None:
        # Imported here, not at the top: models can be imported only once the registry is ready.
        from xfinances.purchases import forecast
        from xfinances.treasury.forecast_sources import forecast_sources

        forecast_sources.provide(forecast.forecast_sources)
