from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicingConfig(AppConfig):
    name = "xfinances.invoicing"
    label = "invoicing"
    verbose_name = _("Sales documents")

    def ready(self) -> None:
        # Imported here, not at the top: models can be imported only once the registry is ready.
        from xfinances.core.search import search_results
        from xfinances.invoicing import search

        search_results.provide(search.hits)
        from xfinances.core.onboarding import first_steps
        from xfinances.invoicing import onboarding

        first_steps.provide(onboarding.first_steps)
        from xfinances.core.dashboard import dashboard_cards
        from xfinances.invoicing import dashboard as invoicing_dashboard

        dashboard_cards.provide(invoicing_dashboard.cards)
        from xfinances.core.demo import demo_steps
        from xfinances.core.events import Phase, subscribe
        from xfinances.invoicing import demo, forecast
        from xfinances.invoicing.actions import delivery
        from xfinances.invoicing.events import DocumentIssued, DocumentUpdated, DocumentVoided
        from xfinances.notifications.events import MessageSent, message_attachments
        from xfinances.treasury.forecast_sources import forecast_sources

        # Webhooks and the automatic e-mail are queued in the action's own transaction: an
        # issue that rolls back queues nothing.
        subscribe(DocumentIssued, delivery.on_document_issued, phase=Phase.IN_TRANSACTION)
        subscribe(DocumentUpdated, delivery.on_document_updated, phase=Phase.IN_TRANSACTION)
        subscribe(DocumentVoided, delivery.on_document_voided, phase=Phase.IN_TRANSACTION)
        subscribe(MessageSent, delivery.on_message_sent, phase=Phase.IN_TRANSACTION)
        message_attachments.provide(delivery.pdf_attachment)
        message_attachments.provide(delivery.electronic_invoice_attachment)
        forecast_sources.provide(forecast.forecast_sources)
        demo_steps.provide(demo.step)
