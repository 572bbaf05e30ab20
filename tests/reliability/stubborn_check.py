"""Loaded only by a test worker (`celery worker -I tests.reliability.stubborn_check`): a check
that ignores its soft time limit, as code stuck in a C extension would, so that only the
hard limit can stop it."""

import contextlib
import time

from celery.exceptions import SoftTimeLimitExceeded

from compliance.checks.context import info
from compliance.checks.registry import CHECKS

STUBBORN = "test.stubborn"


def stubborn(ctx):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(SoftTimeLimitExceeded):
            time.sleep(0.05)
    return [info("stubborn.done", "finished after a minute")]


CHECKS[STUBBORN] = stubborn
