"""Every API error is the JSON error shape, with a retry hint when a dependency is down —
never an HTML page."""

import pytest
from django.db import OperationalError
from rest_framework.test import APIRequestFactory

from marketplace.api.errors import exception_handler

pytestmark = pytest.mark.django_db


def test_an_unknown_api_url_is_a_json_404(client):
    answer = client.get("/api/v1/no-such-thing/")
    assert answer.status_code == 404
    assert answer["Content-Type"].startswith("application/json")
    assert answer.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_an_unknown_page_is_still_the_html_404(client):
    answer = client.get("/no-such-page/")
    assert answer.status_code == 404 and answer["Content-Type"].startswith("text/html")


def test_a_database_that_does_not_answer_is_a_503_with_a_retry_hint():
    request = APIRequestFactory().get("/api/v1/products/")
    answer = exception_handler(
        OperationalError("could not connect to server: Connection refused"),
        {"request": request, "view": None},
    )
    assert answer.status_code == 503
    assert answer.data["error"]["code"] == "database_unavailable"
    assert answer.data["error"]["retry_after_seconds"] == 30 and answer["Retry-After"] == "30"
    assert "Connection refused" not in answer.data["error"]["message"]


def test_an_unavailable_dataset_is_a_503_in_the_error_shape(licensed):
    version = licensed["licence"].version
    version.dataset_parquet.storage.delete(version.dataset_parquet.name)
    answer = licensed["client"].post(
        f"/api/v1/products/{licensed['product'].slug}/query",
        {"aggregates": [{"fn": "count"}]},
        format="json",
        HTTP_X_PURPOSE="market-research",
    )
    assert answer.status_code == 503
    assert answer["Content-Type"].startswith("application/json")
    error = answer.json()["error"]
    assert error["code"] == "dataset_unavailable" and answer["Retry-After"] == "30"
    # Nothing is metered for an access that did not happen.
    from licensing.models import UsageRecord

    assert not UsageRecord.objects.exists()
