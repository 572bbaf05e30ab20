from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "kernel.ledger"
    label = "ledger"
    verbose_name = "Audit ledger"
