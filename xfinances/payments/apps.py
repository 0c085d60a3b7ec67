from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "xfinances.payments"
    label = "payments"
    verbose_name = _("Payments and receivables")

    def ready(self) -> None:
        # Imported here, not at the top: models can be imported only once the registry is ready.
        from xfinances.invoicing.forecast import client_payment_delays
        from xfinances.payments import forecast
        from xfinances.treasury.forecast_sources import forecast_sources

        forecast_sources.provide(forecast.forecast_sources)
        client_payment_delays.provide(forecast.client_payment_delays)
