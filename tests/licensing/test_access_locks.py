"""No lock is held while a query runs in its data region.

The access service debits the quota and privacy budget in a short locked step (licence →
version → ledger head), lets the region answer with no transaction open, then records the
access in a second short step. While the region works, another connection must be able to
lock the licence, the version and the ledger's head at once (NOWAIT): nothing an unrelated
access needs is waiting on this one.
"""

import psycopg
import pytest
from django.db import connection

from licensing import services
from tests.factories import grant_licence, licensed_query, listed_product

QUERY = {"group_by": ["district"], "aggregates": [{"fn": "count"}]}


def _lock_now(sql: str, params) -> str:
    """Takes a row lock from a second connection without waiting: "free" or "held"."""
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432
    ) as other:
        try:
            other.execute(sql + " NOWAIT", params)
            return "free"
        except psycopg.errors.LockNotAvailable:
            return "held"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_licence_version_and_ledger_head_are_free_while_the_region_answers(monkeypatch):
    product = listed_product()
    licence, user = grant_licence(product)
    seen = {}
    real = services.answer_in_region

    def answering(**kwargs):
        seen["in_transaction"] = connection.in_atomic_block
        seen["licence"] = _lock_now(
            "SELECT id FROM licensing_licence WHERE id = %s FOR NO KEY UPDATE", [licence.pk]
        )
        seen["version"] = _lock_now(
            "SELECT id FROM catalogue_productversion WHERE id = %s FOR NO KEY UPDATE",
            [licence.version_id],
        )
        seen["ledger_head"] = _lock_now("SELECT id FROM ledger_ledgerhead FOR UPDATE", [])
        return real(**kwargs)

    monkeypatch.setattr(services, "answer_in_region", answering)
    answer = licensed_query(licence, user, QUERY)
    assert answer["rows"]
    assert seen == {
        "in_transaction": False,
        "licence": "free",
        "version": "free",
        "ledger_head": "free",
    }
