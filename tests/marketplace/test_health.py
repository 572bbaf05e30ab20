import pytest
from django.db import connections


def test_healthz_is_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_ok_with_database_and_in_process_tasks(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["mode"].startswith("in-process")


@pytest.mark.django_db
def test_readyz_names_the_database_when_it_is_down(client, tmp_path, monkeypatch):
    # A real connection to a database that does not answer stands in for "default".
    real = connections["default"]
    settings_dict = dict(real.settings_dict)
    if real.vendor == "postgresql":
        settings_dict["PORT"] = "1"  # nothing listens there: connection refused
    else:
        settings_dict["NAME"] = str(tmp_path / "no-such-dir" / "db.sqlite3")
    down = real.__class__(settings_dict, alias="default")
    monkeypatch.setattr("marketplace.health.connections", {"default": down})
    try:
        response = client.get("/readyz")
    finally:
        down.close()
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["checks"]["database"]["ok"] is False
    assert "OperationalError" in body["checks"]["database"]["error"]


@pytest.mark.django_db
def test_readyz_names_the_broker_when_it_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # refused at once
    settings.HEALTH_BROKER_TIMEOUT = 1.0
    from marketplace.celery import app

    old = app.conf.broker_url
    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = old
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
