"""A Celery round trip through a real worker process on Redis."""

import pytest

from marketplace.celery import ping

pytestmark = [pytest.mark.redis]


def test_round_trip_through_a_real_worker(celery_worker_proc):
    import os

    result = ping.delay("hello from the tests")
    answer = result.get(timeout=30)
    assert answer["pong"] == "hello from the tests"
    # It ran in the worker process, not eagerly in ours.
    assert answer["worker_pid"] == celery_worker_proc["proc"].pid
    assert answer["worker_pid"] != os.getpid()
