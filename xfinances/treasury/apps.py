from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TreasuryConfig(AppConfig):
    name = "xfinances.treasury"
    label = "treasury"
    verbose_name = _("Cash and bank")
