from django.apps import AppConfig


class NetkeepConfig(AppConfig):
    name = "netkeep"
    verbose_name = "Events and webhooks"

    def ready(self) -> None:
        from accounts import audit
        from netkeep.models import Webhook
        from netkeep.text import protect_model_text_fields

        audit.register(Webhook, exclude=("created", "updated"), secret=("secret",))
        protect_model_text_fields()
