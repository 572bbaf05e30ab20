"""Project-level pages: the landing page and the health probes."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from marketplace.health import broker_problem, database_problem


def home(request):
    return render(request, "home.html")


@never_cache
@require_GET
def healthz(request):
    """Liveness: the process answers. Touches nothing else."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """Readiness: the database and the broker answer; 503 naming the part that does not."""
    checks = {}
    failing = []
    db = database_problem()
    checks["database"] = {"ok": db is None, **({"error": db} if db else {})}
    if db:
        failing.append("database")
    broker = broker_problem()
    checks["broker"] = {
        "ok": broker is None,
        "mode": "worker" if settings.CELERY_BROKER_URL else "in-process (no broker configured)",
        **({"error": broker} if broker else {}),
    }
    if broker:
        failing.append("broker")
    body = {"status": "ok" if not failing else "unavailable", "failing": failing, "checks": checks}
    return JsonResponse(body, status=503 if failing else 200)
