from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountingConfig(AppConfig):
    """Exports to accounting programs, NAP VAT ledgers, e-invoices and the VAT period close
    (above invoicing, purchases, payments and treasury; docs/ARCHITECTURE.md)."""

    name = "xfinances.accounting"
    label = "accounting"
    verbose_name = _("Accounting")

    def ready(self) -> None:
        # Imported here, not at the top: models can be imported only once the registry is ready.
        from xfinances.accounting import locks, subscribers, ubl
        from xfinances.core import edit_guards
        from xfinances.invoicing.events import electronic_invoices

        # Exports: document events (on-issue destinations, changed since export) and the
        # outbox's outcome of a batch's e-mail or HTTPS call.
        subscribers.register()
        # UBL e-invoices: the portal's XML download and the e-mail attachment.
        electronic_invoices.provide(ubl.electronic_invoice)
        # Exported supplier invoices, payments and movements (and a closed VAT month) lock;
        # purchases, payments and treasury ask through the core hook.
        edit_guards.locked_reason.provide(locks.locked_reason)
        # One that went out once is never deleted, even with its export reopened.
        edit_guards.deletion_refused.provide(locks.deletion_refused_reason)
