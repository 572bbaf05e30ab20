from django.apps import AppConfig


class TransferRulesConfig(AppConfig):
    name = "compliance.rules"
    label = "transfer_rules"
    verbose_name = "Transfer rules"
