"""Real infrastructure that a test can break: a Redis server of the test's own (so it can
be stopped and started again), prefork workers and beat reading the test database.

Timings measured here (recovery after a broker outage, redelivery after a worker dies) are
appended to .pytest_cache/reliability.json for the record; tests assert only the bounds the
README promises, never a speed.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import (
    ROOT,
    TEST_REDIS_URL,
    _missing,
    service_env,
    start_worker,
    stop_worker,
    use_broker,
    wait_for_worker,
)

TIMINGS = ROOT / ".pytest_cache" / "reliability.json"
RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A redis-server on a port of its own, that keeps nothing on disk (like the machine's)."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            _missing("needs redis-server to start a broker the test can stop")
        self.proc = subprocess.Popen(  # noqa: S603
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not answers(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def own_redis(tmp_path):
    if not TEST_REDIS_URL:
        _missing("needs Redis and real workers (TEST_REDIS_URL)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def rabbitmq_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            return True
    except OSError:
        return False


def start_beat(*, broker_url: str, queue: str, media_root: Path, workdir: Path, extra_env=None):
    """`celery -A marketplace beat` with its schedule file in ``workdir``."""
    env = service_env(
        broker_url=broker_url,
        media_root=media_root,
        extra_env={"CELERY_TASK_DEFAULT_QUEUE": queue, **(extra_env or {})},
    )
    log = open(ROOT / f".pytest_cache/beat-{queue}.log", "a")  # noqa: SIM115
    proc = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "marketplace",
            "beat",
            "--loglevel=INFO",
            "--schedule",
            str(workdir / "beat-schedule"),
            "--pidfile",
            str(workdir / "beat.pid"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    proc.log_path = log.name
    proc.log_file = log
    return proc


@contextmanager
def pointed_at(app, broker_url: str, queue: str):
    """The test process (the "web process") sends its work to ``broker_url``/``queue``."""
    keys = ("broker_url", "result_backend", "task_always_eager", "task_default_queue")
    previous = {k: app.conf.get(k) for k in keys}
    use_broker(
        app,
        broker_url=broker_url,
        result_backend=broker_url if broker_url.startswith("redis") else None,
        task_always_eager=False,
        task_default_queue=queue,
    )
    try:
        yield app
    finally:
        use_broker(app, **previous)


@contextmanager
def real_services(
    *,
    broker_url: str,
    media_root: Path,
    workdir: Path,
    beat: bool = True,
    worker_env: dict | None = None,
    include: tuple[str, ...] = (),
):
    """A prefork worker (and beat) on ``broker_url``, and this process pointed at it."""
    from marketplace.celery import app

    queue = f"rel-{uuid.uuid4().hex[:8]}"
    procs = {}
    with pointed_at(app, broker_url, queue):
        try:
            procs["worker"] = start_worker(
                queue,
                media_root=media_root,
                broker_url=broker_url,
                pool="prefork",
                extra_env=worker_env,
                include=include,
            )
            wait_for_worker(procs["worker"], app)
            if beat:
                procs["beat"] = start_beat(
                    broker_url=broker_url,
                    queue=queue,
                    media_root=media_root,
                    workdir=workdir,
                    extra_env=worker_env,
                )
            procs["queue"] = queue
            procs["app"] = app
            yield procs
        finally:
            for name in ("beat", "worker"):
                if name in procs:
                    stop_worker(procs[name])


def wait_until(predicate, *, timeout: float, what: str) -> float:
    """Waits for ``predicate``; returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def record_timing(name: str, seconds: float, **detail) -> None:
    TIMINGS.parent.mkdir(exist_ok=True)
    entries = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    entries[name] = {"seconds": round(seconds, 1), **detail}
    TIMINGS.write_text(json.dumps(entries, indent=2))
