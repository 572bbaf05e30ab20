from io import StringIO

import pytest
from django.core.management import call_command


def test_system_checks_are_clean():
    out = StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()


@pytest.mark.django_db
def test_models_and_migrations_agree():
    # Exits with SystemExit(1) when a migration is missing.
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


def test_openapi_schema_builds_without_errors(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "/api/v1/me/" in schema["paths"]


def test_time_limits_that_do_not_fit_the_broker_are_refused(settings):
    from marketplace.checks import task_time_limits_fit_the_broker

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT = 100, 120
    settings.CELERY_VISIBILITY_TIMEOUT = 150
    assert task_time_limits_fit_the_broker() == []
    settings.CELERY_VISIBILITY_TIMEOUT = 120
    assert [e.id for e in task_time_limits_fit_the_broker()] == ["marketplace.E002"]
    settings.CELERY_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
    assert task_time_limits_fit_the_broker() == []  # RabbitMQ has no visibility timeout
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 120
    assert [e.id for e in task_time_limits_fit_the_broker()] == ["marketplace.E001"]
