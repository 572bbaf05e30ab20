"""Database settings at scale: persistent, health-checked connections in production, and a
read replica when DATABASE_REPLICA_URL names one."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; d = settings.DATABASES; "
    "print(json.dumps({a: {'age': c.get('CONN_MAX_AGE'), 'checks': c.get('CONN_HEALTH_CHECKS'), "
    "'host': c.get('HOST'), 'name': str(c.get('NAME')), 'mirror': c.get('TEST', {}).get('MIRROR')}"
    " for a, c in d.items()}))"
)
CLEARED = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DATABASE_REPLICA_URL", "DB_CONN_MAX_AGE"}


def databases(**env) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in CLEARED}
    clean.update(env, DJANGO_SETTINGS_MODULE="marketplace.settings")
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_production_keeps_connections_and_checks_them():
    dbs = databases(DEBUG="0", SECRET_KEY="x", DATABASE_URL="postgres://app@db.internal/exchange")
    assert dbs["default"]["age"] == 60
    assert dbs["default"]["checks"] is True
    assert "replica" not in dbs


def test_development_opens_a_connection_per_request():
    dbs = databases(DEBUG="1")
    assert dbs["default"]["age"] == 0
    assert dbs["default"]["checks"] is False


def test_a_replica_url_adds_the_replica_alias():
    dbs = databases(
        DEBUG="0",
        SECRET_KEY="x",
        DATABASE_URL="postgres://app@db.internal/exchange",
        DATABASE_REPLICA_URL="postgres://reader@replica.internal/exchange",
        DB_CONN_MAX_AGE="120",
    )
    assert dbs["replica"]["host"] == "replica.internal"
    assert dbs["replica"]["name"] == "exchange"
    assert dbs["replica"]["age"] == dbs["default"]["age"] == 120
    assert dbs["replica"]["checks"] is True
    # One test database: the replica alias reads it as its mirror.
    assert dbs["replica"]["mirror"] == "default"
