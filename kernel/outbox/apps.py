from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "kernel.outbox"
    label = "outbox"
    verbose_name = "Queued work"

    def ready(self) -> None:
        # Plumbing, not business logic: the worker reports each task's outcome to its row.
        from kernel.outbox import signals  # noqa: F401
