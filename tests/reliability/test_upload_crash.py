"""A web process killed (SIGKILL) while a provider uploads a large dataset: it leaves its
temporary copy of the request behind; the clean-up removes it, and no stored file is left
that no row refers to. The provider's next upload works."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from accounts.services import api_token_create
from catalogue.models import ProductVersion
from kernel.storage import referenced_names, storage_cleanup
from tests.conftest import ROOT, service_env, use_media
from tests.factories import OrganizationFactory, draft_product, member_of
from tests.reliability.conftest import free_port, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
BOUNDARY = "----dxboundary7MA4YWxkTrZu0gW"


def big_csv(megabytes: int) -> bytes:
    row = b"M1,Bukit Bintang,12,480,21.5\n"
    header = b"mall_id,district,hour,visitors,dwell_minutes\n"
    return header + row * (megabytes * 1024 * 1024 // len(row))


def start_server(port: int, media: Path, incoming: Path):
    env = service_env(
        broker_url="",
        media_root=media,
        extra_env={
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "FILE_UPLOAD_TEMP_DIR": str(incoming),
            "DATASET_MAX_BYTES": str(400 * 1024 * 1024),
            "CELERY_BROKER_URL": "",
        },
    )
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def answers():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    wait_until(answers, timeout=30, what="the web server")
    return proc


def send_upload(port: int, path: str, token: str, content: bytes, *, stop_after: float):
    """Sends a multipart upload, stopping after ``stop_after`` of the body (1.0 = all)."""
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="dataset.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    body = head + content + tail
    request = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(request)
    cut = int(len(body) * stop_after)
    for start in range(0, cut, 1 << 20):
        sock.sendall(body[start : min(cut, start + (1 << 20))])
    return sock


def files_under(root: Path) -> set[str]:
    """The stored names of the files under MEDIA_ROOT: a region's file is
    ``regions/<code>/…`` on disk and ``<code>/…`` by name (tests' region_roots)."""
    names = set()
    for p in root.rglob("*"):
        if p.is_file():
            local = p.relative_to(root).as_posix()
            names.add(local.removeprefix("regions/"))
    return names


def test_a_web_process_killed_mid_upload_leaves_nothing_after_the_clean_up(
    reference_data, settings, tmp_path
):
    media = tmp_path / "media"
    incoming = tmp_path / "incoming"
    incoming.mkdir(parents=True)
    use_media(settings, media)
    settings.FILE_UPLOAD_TEMP_DIR = str(incoming)
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    product = draft_product(org, owner)
    _t, token = api_token_create(user=owner, organization=org, name="upload")
    path = f"/api/v1/products/{product.slug}/versions/1/dataset"
    before = files_under(media)
    content = big_csv(60)

    # Killed while the body arrives: its temporary copy stays behind.
    port = free_port()
    server = start_server(port, media, incoming)
    sock = send_upload(port, path, token, content, stop_after=0.6)
    wait_until(
        lambda: any(p.stat().st_size > 1 << 20 for p in incoming.iterdir()),
        timeout=30,
        what="the server to spool the upload",
    )
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)
    sock.close()
    assert any(incoming.iterdir()), "the killed server left no temporary file to clean up"

    # Killed once the whole body has arrived, while the upload is checked and stored.
    port = free_port()
    server = start_server(port, media, incoming)
    sock = send_upload(port, path, token, content, stop_after=1.0)
    time.sleep(1.0)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)
    sock.close()

    version = ProductVersion.objects.get(product=product, number=1)
    assert version.dataset.name in before  # neither upload committed
    report = storage_cleanup(grace_seconds=0)
    assert not any(incoming.iterdir())
    leftovers = files_under(media) - referenced_names()
    assert leftovers == set(), leftovers
    assert report.temporary_deleted >= 1

    # The provider tries again and the upload works.
    port = free_port()
    server = start_server(port, media, incoming)
    try:
        sock = send_upload(port, path, token, big_csv(2), stop_after=1.0)
        answer = sock.recv(200).decode()
        sock.close()
        assert answer.startswith("HTTP/1.1 200"), answer
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    version.refresh_from_db()
    assert version.dataset_bytes > 1024 * 1024
    assert files_under(media) - referenced_names() == set()
