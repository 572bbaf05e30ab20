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
