from django.apps import AppConfig


class NetkeepConfig(AppConfig):
    name = "netkeep"
    verbose_name = "Events and webhooks"

    def ready(self) -> None:
        from accounts import audit
        from netkeep.models import Webhook

        audit.register(Webhook, exclude=("created", "updated"), secret=("secret",))
