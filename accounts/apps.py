from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_staff_groups(sender, **kwargs):
    from accounts.roles import sync_staff_groups

    sync_staff_groups()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Setup, not business logic: after every migrate the staff groups match roles.py.
        post_migrate.connect(_sync_staff_groups, dispatch_uid="accounts.sync_staff_groups")
