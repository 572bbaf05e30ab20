"""Uploaded files: a replaced file is deleted once the new one is committed (unless another
version still uses it), a failed upload leaves no file, and the clean-up removes what crashes
leave (half-written files, temporary uploads, files no row refers to)."""

import os
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from catalogue import services
from catalogue.models import ProductVersion
from kernel.storage import referenced_names, storage_cleanup
from tests.factories import (
    OrganizationFactory,
    csv_upload,
    draft_product,
    footfall_csv,
    listed_product,
    member_of,
)

pytestmark = pytest.mark.django_db


def stored(settings) -> set[str]:
    """Every stored file, by the name a row would refer to it by (``my/datasets/...`` for
    the Malaysian region's files, as kernel.regions names them)."""
    names = set()
    for code, spec in settings.DATA_REGIONS.items():
        root = Path(spec["root"])
        names |= {
            f"{code}/{p.relative_to(root).as_posix()}" for p in root.rglob("*") if p.is_file()
        }
    media = Path(settings.MEDIA_ROOT)
    names |= {
        p.relative_to(media).as_posix()
        for p in media.rglob("*")
        if p.is_file() and p.relative_to(media).parts[0] not in ("regions", ".incoming")
    }
    return names


def test_a_replaced_dataset_is_deleted_once_the_new_one_is_committed(
    settings, django_capture_on_commit_callbacks
):
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    version = draft_product(org, owner).versions.get()
    first = version.dataset.name
    assert first in stored(settings)
    with django_capture_on_commit_callbacks(execute=True):
        services.version_upload_dataset(
            version=version, actor=owner, upload=csv_upload(footfall_csv(50), "new.csv")
        )
    version.refresh_from_db()
    assert version.dataset.name != first
    assert first not in stored(settings)
    assert version.dataset.name in stored(settings)
    assert not any(name.endswith(".part") for name in stored(settings))


def test_a_file_another_version_still_uses_is_kept(settings, django_capture_on_commit_callbacks):
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    product = listed_product(org, owner)
    shared = product.listed_version.dataset.name
    draft = services.version_create_next(product=product, actor=owner)
    assert draft.dataset.name == shared  # the new draft starts with the same files
    with django_capture_on_commit_callbacks(execute=True):
        services.version_upload_dataset(
            version=draft, actor=owner, upload=csv_upload(footfall_csv(60), "v2.csv")
        )
    assert shared in stored(settings)  # version 1 still serves it
    ProductVersion.objects.get(pk=product.listed_version_id).dataset.open("rb").close()


def test_a_failed_upload_leaves_no_file(settings, monkeypatch):
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    version = draft_product(org, owner).versions.get()
    before = stored(settings)

    def crash(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "audit_record", crash)
    with pytest.raises(RuntimeError):
        services.version_upload_sample(
            version=version, actor=owner, upload=csv_upload(footfall_csv(10), "s.csv")
        )
    assert stored(settings) == before


def _old(path: Path, seconds: int = 24 * 3600) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_clean_up_removes_what_a_crash_left_and_keeps_what_rows_use(settings):
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    version = draft_product(org, owner).versions.get()
    root = Path(settings.DATA_REGIONS["my"]["root"])
    kept = stored(settings)
    assert kept <= referenced_names()
    # What a killed web process leaves: a half-written upload, a file whose row never
    # committed, and the server's temporary copy of the request body.
    half = root / "datasets/2026/12/x-v1-dataset-0badf00d.csv.part"
    orphan = root / "datasets/2026/12/x-v1-dataset-deadbeef.csv"
    half.parent.mkdir(parents=True, exist_ok=True)
    half.write_bytes(b"mall_id,district\nM1,KL")
    orphan.write_bytes(b"mall_id,district\nM1,KL\n")
    incoming = Path(settings.FILE_UPLOAD_TEMP_DIR)
    temporary = incoming / "tmpabcd.upload.csv"
    temporary.write_bytes(b"x" * 1000)
    fresh = root / "datasets/2026/12/in-flight-11111111.csv.part"
    fresh.write_bytes(b"still arriving")
    for path in (half, orphan, temporary):
        _old(path)

    report = storage_cleanup()
    assert report.as_dict() == {
        "moves_finished": 0,
        "parts_deleted": 1,
        "orphans_deleted": 1,
        "temporary_deleted": 1,
    }
    assert not half.exists() and not orphan.exists() and not temporary.exists()
    assert fresh.exists()  # younger than the grace: an upload in flight is never touched
    assert kept <= stored(settings)
    version.dataset.open("rb").close()


def test_an_interrupted_move_is_finished(settings, capsys):
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    version = draft_product(org, owner).versions.get()
    final = Path(version.dataset.path)
    final.rename(str(final) + ".part")  # as a storage without rename would leave it
    call_command("cleanup_uploads", "--grace", "0")
    assert '"moves_finished": 1' in capsys.readouterr().out
    assert final.exists()
