from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "xfinances.payments"
    label = "payments"
    verbose_name = _("Payments and receivables")

    def ready(self) -> None:
        # Imported here, not at the top: models can be imported only once the registry is ready.
        from xfinances.core.search import search_results
        from xfinances.payments import search

        search_results.provide(search.hits)
        from xfinances.core.dashboard import dashboard_cards
        from xfinances.core.demo import demo_steps
        from xfinances.core.events import CompanyCreated, Phase, subscribe
        from xfinances.invoicing.forecast import client_payment_delays
        from xfinances.payments import dashboard, demo, forecast
        from xfinances.payments.actions import reminder_settings
        from xfinances.treasury.forecast_sources import forecast_sources

        forecast_sources.provide(forecast.forecast_sources)
        client_payment_delays.provide(forecast.client_payment_delays)
        dashboard_cards.provide(dashboard.cards)
        demo_steps.provide(demo.steps)
        subscribe(CompanyCreated, reminder_settings.on_company_created, phase=Phase.IN_TRANSACTION)
