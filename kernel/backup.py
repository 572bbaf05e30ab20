"""One archive holds everything the exchange needs to come back: the database and the
uploaded files, with a manifest of hashes. Restoring checks every hash before it writes.

Archive layout (a .tar.gz)::

    manifest.json        what is inside: database vendor, migrations applied, ledger head,
                         and every file with its size and SHA-256
    database.dump        PostgreSQL: `pg_dump --format=custom` (restored with pg_restore)
    database.sqlite3     SQLite: a consistent copy made with SQLite's backup API
    media/<name>         every uploaded file (samples, datasets, evidence)

The database dump is taken first, then the files: a file uploaded in between is in the
archive without a row (harmless: the clean-up removes it after a restore); a row is never in
the archive without its file, because files are written before the row that refers to them
commits (``kernel.storage``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(Exception):
    """The backup or the restore cannot go on; the message says why."""


@dataclass
class BackupSummary:
    path: Path
    files: int
    bytes: int
    vendor: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _pg_args(db: dict) -> list[str]:
    args = ["--host", db.get("HOST") or "127.0.0.1", "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    return args


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:2000]}")


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    skip = Path(settings.FILE_UPLOAD_TEMP_DIR).resolve()
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not p.name.endswith(".part") and skip not in p.resolve().parents
    )


def _state() -> dict:
    from django.db.migrations.recorder import MigrationRecorder

    from kernel.ledger.models import LedgerHead

    applied = MigrationRecorder(connection).applied_migrations()
    head = LedgerHead.objects.filter(pk=1).values("last_seq", "last_hash").first() or {}
    return {
        "migrations": sorted(f"{app}.{name}" for app, name in applied),
        "ledger_head": head,
    }


def backup_create(*, output: Path) -> BackupSummary:
    """Writes one archive of the database and the uploads to ``output``."""
    db = connection.settings_dict
    vendor = connection.vendor
    media_root = Path(settings.MEDIA_ROOT)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        if vendor == "postgresql":
            dump = scratch / "database.dump"
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    *_pg_args(db),
                    "--file",
                    str(dump),
                    db["NAME"],
                ],
                _pg_env(db),
            )
        elif vendor == "sqlite":
            dump = scratch / "database.sqlite3"
            source = sqlite3.connect(str(db["NAME"]))
            target = sqlite3.connect(str(dump))
            with target:
                source.backup(target)
            source.close()
            target.close()
        else:
            raise BackupError(f"No backup procedure for the {vendor} database.")
        files = _media_files(media_root)
        entries = [{"name": dump.name, "size": dump.stat().st_size, "sha256": _sha256(dump)}]
        entries += [
            {
                "name": f"media/{p.relative_to(media_root).as_posix()}",
                "size": p.stat().st_size,
                "sha256": _sha256(p),
            }
            for p in files
        ]
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "database": {"vendor": vendor, "dump": dump.name},
            **_state(),
            "files": entries,
        }
        partial = output.with_name(output.name + ".part")
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            archive.add(dump, arcname=dump.name)
            for p in files:
                archive.add(p, arcname=f"media/{p.relative_to(media_root).as_posix()}")
        partial.replace(output)
    return BackupSummary(output, len(files), sum(e["size"] for e in entries), vendor)


def _database_is_empty() -> bool:
    return not connection.introspection.table_names()


def _media_is_empty(root: Path) -> bool:
    return not _media_files(root)


def backup_restore(*, archive_path: Path) -> dict:
    """Loads an archive into an EMPTY database and storage; refuses anything else."""
    db = connection.settings_dict
    media_root = Path(settings.MEDIA_ROOT)
    if not _database_is_empty():
        raise BackupError(
            "The database is not empty: restore only into a new, empty database "
            "(create it, point DATABASE_URL at it, and do not migrate it first)."
        )
    if not _media_is_empty(media_root):
        raise BackupError(
            f"MEDIA_ROOT ({media_root}) already holds files: restore into an empty one."
        )
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(scratch, filter="data")
        manifest_path = scratch / MANIFEST
        if not manifest_path.exists():
            raise BackupError("This archive has no manifest: it is not an exchange backup.")
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
        for entry in manifest["files"]:
            path = scratch / entry["name"]
            if not path.is_file() or _sha256(path) != entry["sha256"]:
                raise BackupError(f"{entry['name']} is missing or does not match its hash.")
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupError(
                f"The archive holds a {vendor} database; DATABASE_URL points at "
                f"{connection.vendor}."
            )
        dump = scratch / manifest["database"]["dump"]
        if vendor == "postgresql":
            connection.close()
            _run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    *_pg_args(db),
                    "--dbname",
                    db["NAME"],
                    str(dump),
                ],
                _pg_env(db),
            )
        else:
            connection.close()
            shutil.copyfile(dump, db["NAME"])
        for entry in manifest["files"]:
            if not entry["name"].startswith("media/"):
                continue
            target = media_root / entry["name"][len("media/") :]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(scratch / entry["name"], target)
    return manifest
