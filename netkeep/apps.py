from django.apps import AppConfig


class NetkeepConfig(AppConfig):
    name = "netkeep"
    verbose_name = "Events, webhooks and jobs"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules
        from django_q.signals import post_spawn

        from accounts import audit
        from netkeep import jobs, lookups, postgres
        from netkeep.jobs import worker
        from netkeep.models import Webhook
        from netkeep.text import protect_model_text_fields

        audit.register(Webhook, exclude=("created", "updated"), secret=("secret",))
        protect_model_text_fields()
        lookups.register()
        postgres.register()

        # netkeep's own periodic jobs; each app declares its own in its jobs.py.
        jobs.periodic("netkeep:reap", "netkeep.jobs.queue.reap_stale_runs", minutes=1)
        jobs.periodic(
            "netkeep:sync-schedules", "netkeep.jobs.schedules.sync_all", minutes=5, jitter_s=60
        )
        jobs.periodic(
            "netkeep:prune-runs", "netkeep.jobs.queue.prune_runs", schedule="daily", jitter_s=3600
        )
        jobs.periodic(
            "netkeep:webhook-retries", "netkeep.webhooks.retry_due", minutes=5, jitter_s=60
        )
        # CSV imports (netkeep.importing) preview and apply large files in runs of their own.
        jobs.kind(
            "import",
            "CSV import",
            run="netkeep.importing.run_job",
            noun="imports",
            summary="netkeep.importing.run_summary",
        )
        # Every installed app's jobs.py declares its run kinds and periodic jobs.
        autodiscover_modules("jobs")
        post_spawn.connect(worker.on_worker_start, dispatch_uid="netkeep-jobs-worker-start")
