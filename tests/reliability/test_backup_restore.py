"""Backup → restore into a fresh database and storage: the audit ledger verifies, and a
licensed query answers exactly as before. A non-empty target and a damaged archive are
refused."""

import json
import subprocess
import sys
import tarfile
import uuid

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from licensing import services
from licensing.models import Licence
from tests.conftest import ROOT, service_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
QUERY = {
    "group_by": ["district"],
    "aggregates": [{"fn": "count"}, {"fn": "sum", "column": "visitors"}],
}
ANSWER_SCRIPT = """
import json, django
django.setup()
from licensing import services
from licensing.models import Licence
licence = Licence.objects.get(pk={pk})
result, record = services.access_query(
    licence=licence, user=licence.request.requested_by, token=None, kind="query",
    purpose="market-research", jurisdiction="CN", query={query!r},
)
print(json.dumps({{"columns": result["columns"], "rows": result["rows"]}}))
"""


@pytest.fixture
def fresh_database():
    name = f"dx_restore_{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    dsn = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']}"
    with psycopg.connect(dsn + " dbname=postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    with psycopg.connect(dsn + " dbname=postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args, env):
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_a_backup_restores_into_a_fresh_database_and_storage(
    reference_data, licensed, fresh_database, settings, tmp_path
):
    licence = licensed["licence"]
    before, _record = services.access_query(
        licence=licence,
        user=licence.request.requested_by,
        token=None,
        kind="query",
        purpose="market-research",
        jurisdiction="CN",
        query=QUERY,
    )
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert "database.dump" in names
    assert any(n.startswith("media/regions/my/datasets/") for n in names)
    assert {e["name"] for e in manifest["files"]} == set(names) - {"manifest.json"}

    media = tmp_path / "restored-media"
    env = service_env(broker_url="", media_root=media, extra_env={"CELERY_BROKER_URL": ""})
    env["DATABASE_URL"] = fresh_database
    restored = manage("restore", str(archive), env=env)
    assert restored.returncode == 0, restored.stderr
    assert "audit ledger intact" in restored.stdout
    verified = manage("audit_verify", env=env)
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stderr
    script = ANSWER_SCRIPT.format(pk=licence.pk, query=QUERY)
    answer = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert answer.returncode == 0, answer.stderr
    after = json.loads(answer.stdout.strip().splitlines()[-1])
    assert after == {"columns": before["columns"], "rows": before["rows"]}

    # Restoring again into the now-filled database is refused.
    again = manage("restore", str(archive), env=env)
    assert again.returncode != 0 and "not empty" in again.stderr


def test_a_damaged_archive_is_refused_before_anything_is_written(
    reference_data, licensed, fresh_database, tmp_path
):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("media/regions/my/datasets/"):
                data = data.replace(b"KLCC", b"KLXX", 1) + b"tampered\n"
                member.size = len(data)
            import io

            target.addfile(member, io.BytesIO(data))
    env = service_env(broker_url="", media_root=tmp_path / "m", extra_env={})
    env["DATABASE_URL"] = fresh_database
    refused = manage("restore", str(damaged), env=env)
    assert refused.returncode != 0 and "does not match its hash" in refused.stderr
    assert not (tmp_path / "m").exists() or not any((tmp_path / "m").rglob("*.csv"))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive))  # the test database is not empty
    assert Licence.objects.exists()
