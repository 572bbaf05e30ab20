"""Catalogue reads from a read replica (`DATABASE_REPLICA_URL`), everything else from the
primary.

A replica lags its primary by a moment, so only reads that tolerate that go there: the
public catalogue's browse and search (HTML, API and DCAT), which a face marks with
`catalogue_reads()`. Inside a transaction every read stays on the primary (a service reads,
locks and writes the same rows), and so does every read of a page not marked: a provider
who has just edited a product sees it on its own page at once.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
# The apps a catalogue page reads: products, versions, offers, categories (catalogue) and
# their providers (accounts).
REPLICA_APPS = frozenset({"catalogue", "accounts"})

_catalogue_reads: ContextVar[bool] = ContextVar("catalogue_reads", default=False)


@contextmanager
def catalogue_reads() -> Iterator[None]:
    """Reads inside this block may come from the replica (when one is configured)."""
    token = _catalogue_reads.set(True)
    try:
        yield
    finally:
        _catalogue_reads.reset(token)


def reads_from_replica(view):
    """A view (function or viewset action) whose catalogue reads may come from the replica."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        with catalogue_reads():
            return view(*args, **kwargs)

    return wrapped


def replica_configured() -> bool:
    return bool(getattr(settings, "DATABASE_REPLICA_URL", "")) and REPLICA in settings.DATABASES


class CatalogueReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _catalogue_reads.get()
            and model._meta.app_label in REPLICA_APPS
            and replica_configured()
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: an object read from either may point at one
        # read from the other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary's schema by replication, never by `migrate`.
        return db == DEFAULT_DB_ALIAS
