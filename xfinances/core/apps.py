from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "xfinances.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from xfinances.locale_build import compile_catalogues

        compile_catalogues()
