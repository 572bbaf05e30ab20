"""Data regions: where a product's files are stored, checked and queried.

"The compute goes to the data": every jurisdiction maps to one data region (CN-origin data
to the CN region, and so on). Each region has its own storage root and its own Celery queue
(``data.<region>``), served by workers started for that region (``make worker REGION=cn``).
Only aggregates leave a region; the web process writes uploads into the region's storage and
never reads them back.

``settings.DATA_REGIONS`` (JSON in the environment) configures them::

    {"cn": {"jurisdictions": ["CN"], "root": "/srv/data/cn", "queue": "data.cn"},
     "my": {"jurisdictions": ["MY"], "root": "/srv/data/my"},
     "sg": {"jurisdictions": ["*"],  "root": "/srv/data/sg"}}

``"*"`` marks the region that takes every jurisdiction no other region names. A region's
``storage`` may name another Django storage class with its options (an S3-compatible
bucket, for instance), instead of ``root``.

Stored names carry their region: ``cn/datasets/2026/12/<file>.csv``. ``RegionStorage`` sends
each name to its region's storage, so one FileField serves every region.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.utils.deconstruct import deconstructible
from django.utils.module_loading import import_string

QUEUE_PREFIX = "data."


class UnknownRegion(ValueError):
    pass


@dataclass(frozen=True)
class Region:
    code: str
    jurisdictions: tuple[str, ...]
    queue: str
    root: str
    storage_class: str
    storage_options: dict

    @property
    def takes_the_rest(self) -> bool:
        return "*" in self.jurisdictions


def _configured() -> dict[str, Region]:
    regions = {}
    for code, spec in (settings.DATA_REGIONS or {}).items():
        storage = spec.get("storage") or {}
        regions[code] = Region(
            code=code,
            jurisdictions=tuple(spec.get("jurisdictions") or ()),
            queue=spec.get("queue") or f"{QUEUE_PREFIX}{code}",
            root=str(spec.get("root") or ""),
            storage_class=storage.get("BACKEND", "django.core.files.storage.FileSystemStorage"),
            storage_options=dict(storage.get("OPTIONS") or {}),
        )
    return regions


def regions() -> dict[str, Region]:
    return _configured()


def region(code: str) -> Region:
    try:
        return regions()[code]
    except KeyError:
        raise UnknownRegion(f"no data region {code!r} is configured") from None


def region_for(jurisdiction: str) -> Region:
    """The region that stores, checks and queries data of this origin."""
    configured = regions()
    for candidate in configured.values():
        if jurisdiction in candidate.jurisdictions:
            return candidate
    for candidate in configured.values():
        if candidate.takes_the_rest:
            return candidate
    raise UnknownRegion(f"no data region takes {jurisdiction!r} data (DATA_REGIONS)")


def region_of_name(name: str) -> Region | None:
    """The region a stored name belongs to (``cn/...``), or None for an older name."""
    head = (name or "").split("/", 1)[0]
    return regions().get(head)


@cache
def _storage(code: str, storage_class: str, root: str, options_key: tuple) -> Storage:
    options = dict(options_key)
    if storage_class.endswith("FileSystemStorage"):
        return FileSystemStorage(location=root, **options)
    return import_string(storage_class)(**options)


def storage_for(code: str) -> Storage:
    spec = region(code)
    return _storage(
        code, spec.storage_class, spec.root, tuple(sorted(spec.storage_options.items()))
    )


def served_region() -> str:
    """The region this process serves as a worker (``DATA_REGION``), or ""."""
    return settings.DATA_REGION


@deconstructible
class RegionStorage(Storage):
    """One storage for every region: a name's first segment says which region keeps it.

    Names without a region prefix (files stored before regions existed) stay in the default
    storage under MEDIA_ROOT until ``manage.py data_residency --move`` moves them.
    """

    def _split(self, name: str) -> tuple[Storage, str]:
        found = region_of_name(name)
        if found is None:
            from django.core.files.storage import default_storage

            return default_storage, name
        return storage_for(found.code), name.split("/", 1)[1]

    def _save(self, name, content):
        storage, rest = self._split(name)
        saved = storage.save(rest, content)
        found = region_of_name(name)
        return f"{found.code}/{saved}" if found else saved

    def _open(self, name, mode="rb"):
        storage, rest = self._split(name)
        return storage.open(rest, mode)

    def delete(self, name):
        storage, rest = self._split(name)
        storage.delete(rest)

    def exists(self, name):
        storage, rest = self._split(name)
        return storage.exists(rest)

    def size(self, name):
        storage, rest = self._split(name)
        return storage.size(rest)

    def path(self, name):
        storage, rest = self._split(name)
        return storage.path(rest)

    def listdir(self, path):
        storage, rest = self._split(path)
        return storage.listdir(rest)

    def get_modified_time(self, name):
        storage, rest = self._split(name)
        return storage.get_modified_time(rest)

    def get_available_name(self, name, max_length=None):
        storage, rest = self._split(name)
        available = storage.get_available_name(rest, max_length=max_length)
        found = region_of_name(name)
        return f"{found.code}/{available}" if found else available

    def url(self, name):  # uploads are never served from a URL
        raise NotImplementedError("region files are not served from a URL")


region_storage = RegionStorage()


def _region_path(instance, kind: str, filename: str) -> str:
    from django.utils import timezone

    version = getattr(instance, "version", instance)  # a file of a version, or the version
    jurisdiction = version.product.origin_jurisdiction
    return f"{region_for(jurisdiction).code}/{kind}/{timezone.now():%Y/%m}/{filename}"


def sample_upload_to(instance, filename: str) -> str:
    """``<region>/samples/<yyyy>/<mm>/<file>``: a version's sample, in its origin's region."""
    return _region_path(instance, "samples", filename)


def dataset_upload_to(instance, filename: str) -> str:
    """``<region>/datasets/<yyyy>/<mm>/<file>``: the processed dataset, in its region."""
    return _region_path(instance, "datasets", filename)


def parquet_upload_to(instance, filename: str) -> str:
    """``<region>/parquet/<yyyy>/<mm>/<file>``: the dataset prepared for queries."""
    return _region_path(instance, "parquet", filename)


def release_upload_to(instance, filename: str) -> str:
    """``<region>/releases/<yyyy>/<mm>/<file>``: a report or extract computed once."""
    return _region_path(instance, "releases", filename)
