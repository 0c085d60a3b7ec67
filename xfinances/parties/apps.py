from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartiesConfig(AppConfig):
    name = "xfinances.parties"
    label = "parties"
    verbose_name = _("Clients and suppliers")

    def ready(self) -> None:
        # Imported here, not at the top: models can be imported only once the registry is ready.
        from xfinances.core.search import search_results
        from xfinances.parties import search

        search_results.provide(search.hits)
        from xfinances.core.onboarding import first_steps
        from xfinances.parties import onboarding

        first_steps.provide(onboarding.first_steps)
        from xfinances.core.dashboard import dashboard_cards
        from xfinances.core.demo import demo_steps
        from xfinances.parties import dashboard, demo

        dashboard_cards.provide(dashboard.cards)
        demo_steps.provide(demo.step)
