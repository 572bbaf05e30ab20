"""Uploads that leave nothing behind: written under a temporary name outside any
transaction, moved into place at the end of the transaction that records them, replaced
files deleted once that transaction has committed, and a periodic clean-up of whatever a
crash left.

The protocol for one upload (``stage_file`` / ``StagedFile.keep``):

1. the bytes go to ``<final>.part`` in the storage, outside any transaction, while no row
   lock is held (a crash here leaves a ``.part`` file that nothing references);
2. in the caller's transaction the row is saved pointing at ``<final>`` (a unique name) and
   ``<final>.part`` is renamed to ``<final>`` (one rename, atomic on a filesystem), so a
   committed row never points at a missing file; a failure of that transaction deletes the
   file again;
3. a file the row no longer points at is deleted once the commit is done, unless another
   row still refers to it (versions share files until a provider uploads new ones).

A crash between 2 and the commit, or an enclosing transaction that rolls back, leaves a file
no row refers to. ``storage_cleanup`` (beat, hourly; ``manage.py cleanup_uploads``) deletes
``.part`` files, files no row refers to, and the web server's temporary upload files, once
they are older than a grace period (so uploads in flight are never touched); a ``.part``
whose final name a row refers to (a storage without rename, interrupted) is moved into place.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from celery import shared_task
from django.apps import apps
from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import models, transaction

log = logging.getLogger("kernel.storage")
PART = ".part"


def unique_name(filename: str) -> str:
    """``name-<8 hex>.ext``: two uploads never compete for one final name."""
    path = PurePosixPath(filename)
    return f"{path.stem}-{uuid.uuid4().hex[:8]}{path.suffix}"


@dataclass
class StagedFile:
    """An upload written under its temporary name, waiting for the row that records it."""

    storage: Storage
    part: str  # where the bytes are written first
    final: str  # where they go once the row points at them
    placed: bool = False

    def keep(self, *, replacing: str = "") -> None:
        """Called in the transaction that saved the row pointing at ``final``, after the
        save: the file moves into place now, and ``replacing`` (the name the row had before)
        is deleted once the transaction commits, if no row refers to it any more."""
        _move(self.storage, self.part, self.final)
        self.placed = True
        if replacing and replacing != self.final:
            delete_unreferenced_on_commit(self.storage, replacing)

    def discard(self) -> None:
        """The transaction failed: remove the bytes, wherever they are by now."""
        for name in (self.part, self.final) if self.placed else (self.part,):
            if self.storage.exists(name):
                self.storage.delete(name)


def _move(storage: Storage, part: str, final: str) -> None:
    if hasattr(storage, "path"):
        os.replace(storage.path(part), storage.path(final))
        return
    with storage.open(part, "rb") as handle:
        storage.save(final, handle)
    storage.delete(part)


def stage_file(instance: models.Model, field: str, content, filename: str) -> StagedFile:
    """Writes ``content`` for ``instance.<field>`` under a temporary name, outside any
    transaction; the caller points the field at ``.final`` in its transaction and calls
    ``keep()``, or ``discard()`` if that transaction fails."""
    file_field = instance._meta.get_field(field)
    storage = file_field.storage
    final = file_field.generate_filename(instance, unique_name(filename))
    part = storage.save(final + PART, content)
    return StagedFile(storage, part, final)


def delete_unreferenced_on_commit(storage: Storage, name: str) -> None:
    """Deletes ``name`` once the transaction commits, if no row refers to it any more."""

    def delete() -> None:
        if name not in referenced_names() and storage.exists(name):
            storage.delete(name)

    transaction.on_commit(delete)


def file_fields() -> list[tuple[type[models.Model], str]]:
    return [
        (model, f.name)
        for model in apps.get_models()
        for f in model._meta.get_fields()
        if isinstance(f, models.FileField)
    ]


def referenced_names() -> set[str]:
    """Every stored file name a row refers to."""
    names: set[str] = set()
    for model, field in file_fields():
        names.update(
            model._base_manager.exclude(**{field: ""})
            .values_list(field, flat=True)
            .iterator(chunk_size=5000)
        )
    return names


def upload_roots() -> set[str]:
    """The top folders uploads go to (``samples``, ``datasets``, ``evidence``, ...)."""
    roots = set()
    for model, field in file_fields():
        upload_to = model._meta.get_field(field).upload_to
        if isinstance(upload_to, str) and upload_to:
            roots.add(upload_to.split("/")[0])
    return roots


@dataclass
class CleanupReport:
    moves_finished: int = 0
    parts_deleted: int = 0
    orphans_deleted: int = 0
    temporary_deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _scanned_places(storage: Storage) -> list[tuple[Storage, Path, str, list[str]]]:
    """(storage, root, name prefix, top folders) for every place uploads are stored: the
    default storage's upload folders, and each data region's root (``kernel.regions``)."""
    from kernel.regions import regions, storage_for

    places = []
    if hasattr(storage, "location"):
        places.append((storage, Path(storage.location), "", sorted(upload_roots())))
    for code in regions():
        region_store = storage_for(code)
        if hasattr(region_store, "location"):
            places.append((region_store, Path(region_store.location), f"{code}/", [""]))
    return places


def storage_cleanup(*, grace_seconds: int | None = None, storage: Storage = default_storage):
    """Finishes interrupted moves and deletes what a crash left, older than the grace."""
    grace = settings.UPLOAD_CLEANUP_GRACE_SECONDS if grace_seconds is None else grace_seconds
    cutoff = time.time() - grace
    referenced = referenced_names()
    report = CleanupReport()
    for place, root, prefix, tops in _scanned_places(storage):
        for top in tops:
            base = root / top if top else root
            if not base.is_dir():
                continue
            for path in base.rglob("*"):
                if not path.is_file():
                    continue
                local = path.relative_to(root).as_posix()
                name = prefix + local
                if local.endswith(PART):
                    final = name[: -len(PART)]
                    if final in referenced and not place.exists(final[len(prefix) :]):
                        _move(place, local, local[: -len(PART)])
                        report.moves_finished += 1
                        log.warning("finished an interrupted upload: %s", final)
                    elif path.stat().st_mtime < cutoff:
                        path.unlink(missing_ok=True)
                        report.parts_deleted += 1
                elif name not in referenced and path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
                    report.orphans_deleted += 1
                    log.warning("deleted a stored file no row refers to: %s", name)
    temp_dir = settings.FILE_UPLOAD_TEMP_DIR
    if temp_dir and Path(temp_dir).is_dir():
        for path in Path(temp_dir).iterdir():
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                report.temporary_deleted += 1
    return report


@shared_task(name="kernel.storage_cleanup", ignore_result=True)
def storage_cleanup_task() -> dict[str, int]:
    """Beat runs it hourly; idempotent."""
    report = storage_cleanup()
    if any(report.as_dict().values()):
        log.warning("upload clean-up: %s", report.as_dict())
    return report.as_dict()
