from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "xfinances.portal"
    label = "portal"
    verbose_name = _("Client portal")

    def ready(self) -> None:
        # Imported here, not at the top: models can be imported only once the registry is ready.
        from xfinances.core import events
        from xfinances.invoicing.events import DocumentUpdated
        from xfinances.notifications.events import document_portal_link, party_portal_link
        from xfinances.portal import actions, links

        # A correction after acceptance resets the acceptance, in the edit's transaction.
        events.subscribe(
            DocumentUpdated, actions.reset_acceptance_on_update, phase=events.Phase.IN_TRANSACTION
        )
        document_portal_link.provide(links.document_link_provider)
        party_portal_link.provide(links.sign_in_link_provider)
