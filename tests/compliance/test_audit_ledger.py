"""The audit ledger: hash-chained, append-only, and `audit_verify` names the first bad row."""

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from kernel.ledger.models import AuditEvent
from kernel.ledger.selectors import ledger_first_problem
from kernel.ledger.services import audit_record
from tests.factories import OrganizationFactory, UserFactory


def _write(n: int = 5):
    user = UserFactory()
    org = OrganizationFactory()
    for i in range(n):
        audit_record(
            action="test.event",
            actor=user,
            organization=org,
            obj=org,
            before={"i": i},
            after={"i": i + 1, "note": "Kuala Lumpur 吉隆坡"},
        )
    return user, org


def _tamper(sql: str, params=()):
    """What an attacker with database rights could do: triggers off, then the change."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.mark.django_db
def test_events_chain_and_verify():
    _write(5)
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events][-5:] == list(range(events[-1].seq - 4, events[-1].seq + 1))
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "intact" in out.getvalue()


@pytest.mark.django_db
def test_an_edited_event_is_named():
    _write(5)
    target = AuditEvent.objects.order_by("seq")[2]
    _tamper("UPDATE ledger_auditevent SET action = %s WHERE seq = %s", ["test.forged", target.seq])
    problem = ledger_first_problem()
    assert problem.seq == target.seq and "edited" in problem.reason
    with pytest.raises(CommandError, match=f"#{target.seq}"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_a_deleted_event_is_named():
    _write(5)
    target = AuditEvent.objects.order_by("seq")[1]
    _tamper("DELETE FROM ledger_auditevent WHERE seq = %s", [target.seq])
    with pytest.raises(CommandError, match=f"#{target.seq}"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_a_deleted_tail_is_named():
    _write(3)
    last = AuditEvent.objects.order_by("-seq").first()
    _tamper("DELETE FROM ledger_auditevent WHERE seq = %s", [last.seq])
    with pytest.raises(CommandError, match=f"#{last.seq}"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_reordered_events_are_named():
    _write(5)
    a, b = AuditEvent.objects.order_by("seq")[1:3]
    # Swap the two rows' places in the sequence (through a free number, seq is unique).
    _tamper("UPDATE ledger_auditevent SET seq = 999999999 WHERE seq = %s", [a.seq])
    _tamper("UPDATE ledger_auditevent SET seq = %s WHERE seq = %s", [a.seq, b.seq])
    _tamper("UPDATE ledger_auditevent SET seq = %s WHERE seq = 999999999", [b.seq])
    problem = ledger_first_problem()
    assert problem is not None and problem.seq == a.seq


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_update_and_delete():
    _write(1)
    event = AuditEvent.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_the_chain():
    user = UserFactory()
    errors = []

    def append(i):
        try:
            for j in range(5):
                audit_record(action="test.concurrent", actor=user, after={"t": i, "j": j})
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEvent.objects.filter(action="test.concurrent").count() == 20
    assert ledger_first_problem() is None
