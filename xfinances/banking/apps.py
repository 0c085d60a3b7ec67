from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BankingConfig(AppConfig):
    """Statements, bank connections, matching and supplier payment files (above treasury,
    payments and purchases; docs/ARCHITECTURE.md)."""

    name = "xfinances.banking"
    label = "banking"
    verbose_name = _("E-banking")

    def ready(self) -> None:
        # Imported here, not at the top: models can be imported only once the registry is ready.
        from xfinances.banking import audit_details, dashboard, demo, document_lines
        from xfinances.banking.actions import rules, typed
        from xfinances.core.dashboard import dashboard_cards
        from xfinances.core.demo import demo_steps
        from xfinances.core.events import CompanyCreated, Phase, subscribe
        from xfinances.payments.events import waiting_bank_lines
        from xfinances.treasury.events import (
            MovementTypedIn,
            TypedMoneyGone,
            money_locked_reason,
            movement_links,
            typed_movement_notes,
        )

        subscribe(CompanyCreated, rules.on_company_created, phase=Phase.IN_TRANSACTION)
        # Money typed in by hand that a statement line already brought: the line asks.
        subscribe(MovementTypedIn, typed.ask_about_lines_on_typed, phase=Phase.IN_TRANSACTION)
        # ... and goes again: the lines that waited for it alone are released and matched.
        subscribe(TypedMoneyGone, typed.release_lines_on_gone, phase=Phase.IN_TRANSACTION)
        typed_movement_notes.provide(typed.notes_on_typed)
        # A movement a bank line holds keeps the bank's amount and date and is not reversed.
        money_locked_reason.provide(typed.money_locked)
        # A document's payments panel names the lines in the review queue that may pay it.
        waiting_bank_lines.provide(document_lines.waiting_lines)
        # A movement's page links the bank line whose money it is.
        movement_links.provide(document_lines.line_of_movement)
        audit_details.register()
        demo_steps.provide(demo.steps)
        dashboard_cards.provide(dashboard.cards)
