from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BankingConfig(AppConfig):
    """Statements, bank connections, matching and supplier payment files (above treasury,
    payments and purchases; docs/ARCHITECTURE.md)."""

    name = "xfinances.banking"
    label = "banking"
    verbose_name = _("E-banking")
