"""Settings come from the environment; secrets have no production default."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; "
    "print(json.dumps({'debug': settings.DEBUG, 'db': settings.DATABASES['default']['ENGINE'], "
    "'db_name': str(settings.DATABASES['default']['NAME']), "
    "'hosts': settings.ALLOWED_HOSTS, 'eager': settings.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': settings.CELERY_BROKER_URL, 'result': settings.CELERY_RESULT_BACKEND, "
    "'email': settings.EMAIL_BACKEND, 'secret_is_dev': settings.SECRET_KEY.startswith('dev-')}))"
)


def load_settings(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "ALLOWED_HOSTS",
            "EMAIL_BACKEND",
            "CELERY_RESULT_BACKEND",
            "CELERY_TASK_ALWAYS_EAGER",
        }
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="marketplace.settings")
    proc = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc


def test_zero_setup_defaults_with_debug_on():
    proc = load_settings(DEBUG="1")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["debug"] is True
    assert data["db"] == "django.db.backends.sqlite3"
    assert data["db_name"].endswith("db.sqlite3")
    assert data["eager"] is True and data["broker"] is None
    assert data["email"] == "django.core.mail.backends.console.EmailBackend"
    assert data["secret_is_dev"] is True
    assert "127.0.0.1" in data["hosts"]


def test_secret_key_is_required_when_debug_is_off():
    proc = load_settings(DEBUG="0")
    assert proc.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in proc.stderr


def test_production_pair_from_the_environment():
    proc = load_settings(
        DEBUG="0",
        SECRET_KEY="s3cret-from-vault",
        DATABASE_URL="postgres://app:pw@db.internal:5433/exchange",
        CELERY_BROKER_URL="redis://cache.internal:6379/0",
        ALLOWED_HOSTS="exchange.example,www.exchange.example",
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["debug"] is False
    assert data["db"] == "django.db.backends.postgresql"
    assert data["db_name"] == "exchange"
    assert data["eager"] is False
    assert data["broker"] == "redis://cache.internal:6379/0"
    assert data["result"] == "redis://cache.internal:6379/0"
    assert data["hosts"] == ["exchange.example", "www.exchange.example"]
    assert data["secret_is_dev"] is False


def test_celery_app_is_configured_for_reliable_delivery():
    from marketplace.celery import app

    conf = app.conf
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_time_limit > conf.task_soft_time_limit > 0
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
