"""Celery tasks of the review workflow: they take ids and call one service."""

import logging

from celery import shared_task
from django.db import OperationalError

from compliance import services

log = logging.getLogger(__name__)


@shared_task(
    name="compliance.run_stage_checks",
    autoretry_for=(OperationalError,),  # a database blip; the service is idempotent
    retry_backoff=5,
    retry_kwargs={"max_retries": 3},
)
def run_stage_checks(stage_id: int) -> str:
    outcome = services.stage_run_checks(stage_id=stage_id)
    log.info("stage %s checks: %s", stage_id, outcome)
    return outcome
