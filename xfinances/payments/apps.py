from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "xfinances.payments"
    label = "payments"
    verbose_name = _("Payments and receivables")

    def ready(self) -> None:
        # Imported here, not at the top: models can be imported only once the registry is ready.
        from xfinances.core import events
        from xfinances.core.dashboard import dashboard_cards
        from xfinances.core.demo import demo_steps
        from xfinances.core.events import CompanyCreated, Phase, subscribe
        from xfinances.core.search import search_results
        from xfinances.invoicing.events import DocumentIssued, DocumentVoided
        from xfinances.invoicing.forecast import client_payment_delays
        from xfinances.payments import actions, dashboard, demo, forecast, movement_links, search
        from xfinances.payments.actions import reminder_settings, take_back
        from xfinances.purchases.events import SupplierDocumentRegistered
        from xfinances.treasury.events import money_locked_reason, party_money_reason
        from xfinances.treasury.events import movement_links as links_of_movements
        from xfinances.treasury.forecast_sources import forecast_sources

        # A credit note settles its invoice in the issue's own transaction (company setting).
        events.subscribe(
            DocumentIssued, actions.offset_credit_note_on_issue, phase=events.Phase.IN_TRANSACTION
        )
        # A supplier's credit note settles the invoice it corrects as it is registered (the
        # same company setting).
        events.subscribe(
            SupplierDocumentRegistered,
            actions.set_off_supplier_note_on_register,
            phase=events.Phase.IN_TRANSACTION,
        )
        # A voided document gives back what settled it or what it settled.
        events.subscribe(
            DocumentVoided, actions.release_voided_document, phase=events.Phase.IN_TRANSACTION
        )
        forecast_sources.provide(forecast.forecast_sources)
        client_payment_delays.provide(forecast.client_payment_delays)
        dashboard_cards.provide(dashboard.cards)
        demo_steps.provide(demo.steps)
        subscribe(CompanyCreated, reminder_settings.on_company_created, phase=Phase.IN_TRANSACTION)
        search_results.provide(search.hits)
        # The money a payment typed in by hand stands on goes only with the payment.
        money_locked_reason.provide(take_back.movement_held)
        links_of_movements.provide(movement_links.payments_on)
        party_money_reason.provide(take_back.party_money)
