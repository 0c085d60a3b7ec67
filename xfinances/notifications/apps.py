from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "xfinances.notifications"
    label = "notifications"
    verbose_name = _("Delivery and notifications")

    def ready(self) -> None:
        # Imported here, not at the top: models can be imported only once the registry is ready.
        from xfinances.core.onboarding import first_steps
        from xfinances.notifications import onboarding

        first_steps.provide(onboarding.first_steps)
        from xfinances.core.demo import demo_steps
        from xfinances.core.events import Phase, subscribe
        from xfinances.notifications import actions, demo
        from xfinances.notifications.events import MessageFailed

        subscribe(MessageFailed, actions.notify_message_failed, phase=Phase.IN_TRANSACTION)
        demo_steps.provide(demo.step)
