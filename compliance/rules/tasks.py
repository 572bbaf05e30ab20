"""Beat task of the transfer rules: keep rule-set statuses honest as their dates pass."""

from celery import shared_task

from compliance.rules import services


@shared_task(name="transfer_rules.retire_expired", ignore_result=True)
def retire_expired() -> int:
    """Retires every in-force rule set whose end date has come; idempotent (hourly)."""
    return services.rule_sets_retire_expired()
