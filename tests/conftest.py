"""Shared fixtures: service detection (PostgreSQL, Redis), a real Celery worker, API clients."""

import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
ROOT = Path(__file__).resolve().parent.parent


def _missing(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} — REQUIRE_SERVICES=1 makes this mandatory", pytrace=False)
    pytest.skip(reason)


def pytest_sessionstart(session):
    if REQUIRE_SERVICES:
        if connection.vendor != "postgresql":
            raise pytest.UsageError(
                "REQUIRE_SERVICES=1 but the suite is not running on PostgreSQL "
                "(is PostgreSQL answering on 127.0.0.1:5432?)"
            )
        if not TEST_REDIS_URL:
            raise pytest.UsageError(
                "REQUIRE_SERVICES=1 but TEST_REDIS_URL is unset (is Redis answering on 6379?)"
            )


@pytest.fixture(autouse=True)
def _service_markers(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("needs PostgreSQL: set DATABASE_URL=postgres://... (make test does)")
    if request.node.get_closest_marker("redis") and not TEST_REDIS_URL:
        _missing("needs Redis: set TEST_REDIS_URL=redis://127.0.0.1:6379/15 (make test does)")


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    use_media(settings, tmp_path / "media")


def use_media(settings, media_root: Path) -> None:
    """Uploads (and the development data regions under them) in ``media_root``: what a
    worker started with the same ``media_root`` reads (``service_env``)."""
    settings.MEDIA_ROOT = media_root
    settings.DATA_REGIONS = region_roots(Path(media_root) / "regions")


def region_roots(base: Path) -> dict:
    """The development regions (cn, my, sg) with their roots under ``base``, and queues of
    their own (named after ``base``, so that a worker started for the same media root
    listens where this process sends, and no other test's leftovers are on them)."""
    tag = hashlib.sha1(str(base).encode()).hexdigest()[:8]  # noqa: S324 - a name, not security
    return {
        code: {
            "jurisdictions": jurisdictions,
            "root": str(base / code),
            "queue": f"data.{code}.{tag}",
        }
        for code, jurisdictions in (("cn", ["CN"]), ("my", ["MY"]), ("sg", ["SG", "*"]))
    }


def region_queues(media_root: Path) -> list[str]:
    return [spec["queue"] for spec in region_roots(Path(media_root) / "regions").values()]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Production hashing is deliberately slow; tests only need it to be a real hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def reference_data(django_db_blocker):
    """Re-creates what migrations seed (taxonomy, purposes, pipeline, rule sets, groups).

    Transactional tests empty every table when they finish, data migrations included; a
    test that runs after one of them and needs that data asks for this fixture.
    """
    import importlib

    from django.apps import apps

    from accounts.roles import sync_staff_groups

    seeding_migrations = [
        "catalogue.migrations.0002_taxonomy_and_search_index",
        "catalogue.migrations.0009_translated_taxonomy_names",
        "compliance.migrations.0002_default_pipeline",
        "compliance.migrations.0005_technical_stage_checks_privacy",
        # The rule-set migrations, each with its frozen data; a new version adds one here.
        "compliance.rules.migrations.0002_seed_rule_sets",
        "compliance.rules.migrations.0003_rule_sets_2026",
    ]
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        for module in seeding_migrations:
            importlib.import_module(module).seed(apps, editor)
    with django_db_blocker.unblock():
        sync_staff_groups()


@pytest.fixture
def api_client():
    return APIClient()


def bearer(client: APIClient, raw_token: str) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_token}")
    return client


def service_env(*, broker_url: str, media_root: Path, extra_env: dict | None = None) -> dict:
    """The environment of a worker or beat process reading the tests' database."""
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        CELERY_BROKER_URL=broker_url,
        CELERY_RESULT_BACKEND=broker_url if broker_url.startswith("redis") else "",
        CELERY_TASK_ALWAYS_EAGER="0",
        MEDIA_ROOT=str(media_root),
        DATA_REGIONS=json.dumps(region_roots(Path(media_root) / "regions")),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra_env or {})
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    return env


def start_worker(
    queue: str,
    *,
    media_root: Path,
    extra_env: dict | None = None,
    broker_url: str | None = None,
    pool: str = "solo",
    include: tuple[str, ...] = (),
    queues: list[str] | None = None,
):
    """Starts `celery -A marketplace worker` on Redis (or ``broker_url``), reading the tests'
    database. ``pool="prefork"`` (one child) is what a deployment runs: time limits are
    enforced only there. The worker leads its own process group, so a test can kill it
    whole (parent and children). ``queues`` replaces the queues it serves (a region's
    worker serves only its region's)."""
    env = service_env(
        broker_url=broker_url or TEST_REDIS_URL,
        media_root=media_root,
        extra_env={"CELERY_TASK_DEFAULT_QUEUE": queue, **(extra_env or {})},
    )
    (ROOT / ".pytest_cache").mkdir(exist_ok=True)
    log = open(ROOT / f".pytest_cache/worker-{queue}.log", "a")  # noqa: SIM115
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "marketplace",
        "worker",
        f"--pool={pool}",
        "--loglevel=INFO",
        "-Q",
        # Like a development worker, it serves every data region too, unless told its queues.
        ",".join(queues if queues is not None else [queue, *region_queues(media_root)]),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if pool == "prefork":
        command += ["--concurrency=1"]
    for module in include:
        command += ["-I", module]
    command += ["-n", f"{queue}-{uuid.uuid4().hex[:4]}@%h"]
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    proc.log_path = log.name
    proc.log_file = log
    return proc


def wait_for_worker(proc, app, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Celery worker exited early; see {proc.log_path}")
        replies = app.control.ping(timeout=1.0) or []
        if any(str(proc.args[-1]).split("@")[0] in name for r in replies for name in r):
            return
    proc.kill()
    raise RuntimeError(f"Celery worker did not answer within {timeout} s; see {proc.log_path}")


def stop_worker(proc) -> None:
    """Stops a worker (or beat) and every process of its group."""
    if proc.poll() is None:
        proc.terminate()
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)
    kill_group(proc)
    proc.log_file.close()


def kill_group(proc) -> None:
    """SIGKILL to the whole process group (a worker's parent and its pool children)."""
    import signal

    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


@contextmanager
def redis_broker(app, queue: str):
    """The Celery app sends to Redis (on `queue`) inside the block, in-process outside it."""
    keys = ("broker_url", "result_backend", "task_always_eager", "task_default_queue")
    previous = {k: app.conf.get(k) for k in keys}
    use_broker(
        app,
        broker_url=TEST_REDIS_URL,
        result_backend=TEST_REDIS_URL,
        task_always_eager=False,
        task_default_queue=queue,
    )
    try:
        yield app
    finally:
        use_broker(app, **previous)


@pytest.fixture(scope="session")
def _celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    if not TEST_REDIS_URL:
        _missing("needs Redis for a real Celery worker (TEST_REDIS_URL)")
    from marketplace.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    media_root = tmp_path_factory.mktemp("worker-media")
    proc = None
    try:
        with redis_broker(app, queue):
            app.connection_for_write().ensure_connection(max_retries=3)
            proc = start_worker(queue, media_root=media_root)
            wait_for_worker(proc, app)
        yield {"proc": proc, "queue": queue, "app": app, "media_root": media_root}
    finally:
        if proc is not None:
            stop_worker(proc)


@pytest.fixture
def celery_worker_proc(_celery_worker_process):
    """A real `celery -A marketplace worker` on Redis, on a queue of its own; during the
    test the app sends its tasks there instead of running them in-process.

    The worker reads the same (test) database as the tests, so tests that use it must
    commit their data (`transactional_db`), run on PostgreSQL, and keep their uploads in
    `media_root`.
    """
    info = _celery_worker_process
    with redis_broker(info["app"], info["queue"]):
        yield info


def use_broker(app, **conf) -> None:
    """Points the Celery app at another broker: the connection and producer pools and the
    result backend cached for the old one (the in-process "memory://" broker) go with it."""
    app.close()
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
    if hasattr(app._local, "backend"):
        del app._local.backend
    app.conf.update(conf)


def token_for(org, **kwargs):
    """A new member of ``org`` and a raw API token acting for it."""
    from accounts.services import api_token_create
    from tests.factories import member_of

    user = member_of(org)
    _t, raw = api_token_create(user=user, organization=org, name="integration", **kwargs)
    return user, raw


@pytest.fixture
def licensed():
    """A listed product, a buyer holding a live licence for it, and the buyer's API client."""
    from django.utils import timezone

    from licensing import services
    from licensing.models import Licence, LicenceRequest
    from tests.factories import OrganizationFactory, listed_product

    provider = OrganizationFactory(jurisdiction="MY", legal_name="Bukit Bintang Malls")
    product = listed_product(provider)
    buyer = OrganizationFactory(jurisdiction="CN", is_provider=False, legal_name="Lumina Robotics")
    _buyer_user, raw = token_for(buyer, processing_jurisdiction="CN")
    client = bearer(APIClient(), raw)
    offer = product.offers.get()
    terms = client.get(f"/api/v1/offers/{offer.pk}/terms/").json()
    created = client.post(
        "/api/v1/licence-requests/",
        {
            "offer": offer.pk,
            "purpose": "market-research",
            "processing_jurisdiction": "CN",
            "intended_start": timezone.localdate().isoformat(),
            "accepted_terms_hash": terms["terms_hash"],
        },
        format="json",
    ).json()
    services.licence_request_decide(
        request=LicenceRequest.objects.get(pk=created["id"]),
        user=provider.memberships.first().user,
        approve=True,
    )
    licence = Licence.objects.get(request_id=created["id"])
    return {
        "provider": provider,
        "product": product,
        "buyer": buyer,
        "licence": licence,
        "client": client,
    }
