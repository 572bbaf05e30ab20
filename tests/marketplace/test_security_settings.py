"""Production settings: `check --deploy` passes with the README's TLS variables; the
security headers (CSP included) are on every page; rate-limit counters are shared through
Redis whenever one is configured."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The README's "Security" section lists these for a deployment served over HTTPS.
TLS = {
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def _production_env(**extra) -> dict:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(ROOT)),
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "exchange.example",
        "SITE_URL": "https://exchange.example",
    }
    env.update(extra)
    return env


def _check_deploy(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_the_documented_tls_variables():
    proc = _check_deploy(_production_env(**TLS))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "System check identified no issues (0 silenced)." in proc.stdout


def test_check_deploy_names_what_is_missing_without_them():
    proc = _check_deploy(_production_env())
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    assert "security.W004" in output  # HSTS
    assert "security.W008" in output  # the HTTPS redirect


def _cache_in(env: dict) -> dict:
    probe = (
        "import json, django; django.setup(); from django.conf import settings; "
        "c = settings.CACHES['default']; print(json.dumps([c['BACKEND'], c.get('LOCATION')]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_rate_limits_count_in_redis_when_one_is_configured():
    redis = _cache_in(_production_env(REDIS_URL="redis://cache.internal:6379/3"))
    assert redis == ["django_redis.cache.RedisCache", "redis://cache.internal:6379/3"]
    # CACHE_URL wins over REDIS_URL; neither: each process counts on its own.
    named = _cache_in(
        _production_env(
            CACHE_URL="redis://limits.internal:6379/1", REDIS_URL="redis://x.internal:6379/3"
        )
    )
    assert named[1] == "redis://limits.internal:6379/1"
    assert _cache_in(_production_env())[0] == "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.redis
def test_two_processes_share_one_log_in_counter(tmp_path):
    """What N web workers see: a count made in one process is seen by the next."""
    redis_url = os.environ["TEST_REDIS_URL"]
    probe = (
        "import django; django.setup(); from django.core.cache import cache; "
        "from django.test import RequestFactory; from django_ratelimit.core import get_usage; "
        "r = RequestFactory().post('/accounts/login/', {'username': 'mei@example.com'}); "
        f"u = get_usage(r, group='login-{tmp_path.name}', key='post:username', rate='10/m', "
        "method='POST', increment=True); print(u['count'])"
    )
    counts = []
    for _ in range(2):
        proc = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=ROOT,
            env=_production_env(CACHE_URL=redis_url),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        counts.append(int(proc.stdout.strip().splitlines()[-1]))
    assert counts == [1, 2]


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_with_a_fresh_nonce(client):
    first = client.get("/")
    second = client.get("/")
    policy = first["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    # No inline script on the site's pages: only the exchange's own files.
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert first["X-Frame-Options"] == "DENY"
    assert first["X-Content-Type-Options"] == "nosniff"
    assert second["Content-Security-Policy"] == policy


@pytest.mark.django_db
def test_swagger_ui_runs_under_the_policy_with_a_nonce_per_response(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    body = page.content.decode()
    nonce = page["Content-Security-Policy"].split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<style nonce="{nonce}">' in body
    assert "cdn.jsdelivr.net" not in body  # served by the exchange (the sidecar)
    assert "<script>" not in body  # the start-up script is a file of its own
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    again = client.get("/api/docs/")
    assert again["Content-Security-Policy"] != page["Content-Security-Policy"]
