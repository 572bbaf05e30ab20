"""Reviewer queues in the admin: who sees which queue, decisions through the case page,
claim/assign actions, and list pages whose query count does not grow with the queue."""

import pytest
from django.urls import reverse

from compliance.models import StageReview
from compliance.services import cases
from tests.factories import OrganizationFactory, add_offer, draft_product, member_of, reviewer

pytestmark = pytest.mark.django_db
QUEUES = {
    "legal": "admin:compliance_legalqueue_changelist",
    "technical": "admin:compliance_technicalqueue_changelist",
    "compliance": "admin:compliance_compliancequeue_changelist",
}


def open_case(capture):
    org = OrganizationFactory(jurisdiction="MY")
    owner = member_of(org)
    product = draft_product(org, owner)
    add_offer(product, owner, territories=["MY"])
    with capture(execute=True):
        return cases.review_submit(version=product.versions.get(), actor=owner)


@pytest.mark.parametrize("role", ["legal", "technical", "compliance"])
def test_each_reviewer_sees_only_their_queue(client, role, django_capture_on_commit_callbacks):
    open_case(django_capture_on_commit_callbacks)
    client.force_login(reviewer(f"{role}_reviewer"))
    for stage, url in QUEUES.items():
        response = client.get(reverse(url))
        assert response.status_code == (200 if stage == role else 403), (role, stage)
    index = client.get(reverse("admin:index")).content.decode()
    assert f"{role.title()} review queue" in index or f"{role} review queue" in index.lower()


def test_exchange_admin_sees_every_queue(client):
    client.force_login(reviewer("exchange_admin"))
    for url in QUEUES.values():
        assert client.get(reverse(url)).status_code == 200


def test_the_legal_queue_lists_the_waiting_case_with_its_columns(
    client, django_capture_on_commit_callbacks
):
    case = open_case(django_capture_on_commit_callbacks)
    client.force_login(reviewer("legal_reviewer"))
    page = client.get(reverse(QUEUES["legal"])).content.decode()
    assert case.product.title in page and case.product.provider.legal_name in page
    assert "Awaiting decision" in page


def test_overdue_stages_are_highlighted_and_filterable(client, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    case = open_case(django_capture_on_commit_callbacks)
    StageReview.objects.filter(case=case, stage="legal").update(
        due_at=timezone.now() - timedelta(days=2)
    )
    client.force_login(reviewer("legal_reviewer"))
    page = client.get(reverse(QUEUES["legal"]), {"overdue": "yes"}).content.decode()
    assert "overdue" in page and case.product.title in page
    page = client.get(reverse(QUEUES["legal"]), {"overdue": "no"}).content.decode()
    assert case.product.title not in page


def test_queue_query_count_does_not_grow(
    client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client.force_login(reviewer("legal_reviewer"))
    for _ in range(2):
        open_case(django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse(QUEUES["legal"])).status_code == 200
    for _ in range(8):
        open_case(django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse(QUEUES["legal"])).content.decode()
    assert page.count("Awaiting decision") >= 10


def test_deciding_on_the_case_page_calls_the_service(client, django_capture_on_commit_callbacks):
    case = open_case(django_capture_on_commit_callbacks)
    legal = case.stages.get(stage="legal")
    user = reviewer("legal_reviewer")
    client.force_login(user)
    change = reverse("admin:compliance_legalqueue_change", args=[legal.pk])
    page = client.get(change).content.decode()
    assert "Findings" in page and "legal.declarations" in page and "Approve" in page
    decide = reverse("admin:compliance_legalqueue_decide", args=[legal.pk])
    response = client.post(decide, {"decision": "changes_requested", "comment": ""}, follow=True)
    assert "Say what must change" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(decide, {"decision": "approved"}, follow=True)
    assert "Decision recorded" in response.content.decode()
    legal.refresh_from_db()
    assert legal.status == "approved" and legal.decided_by == user
    again = client.post(decide, {"decision": "rejected", "comment": "late"}, follow=True)
    assert "Already decided" in again.content.decode()
    # Status is never an editable field.
    assert client.post(change, {"status": "rejected"}).status_code in (302, 403, 405, 200)
    legal.refresh_from_db()
    assert legal.status == "approved"


def test_a_technical_reviewer_cannot_decide_through_the_legal_queue(
    client, django_capture_on_commit_callbacks
):
    case = open_case(django_capture_on_commit_callbacks)
    legal = case.stages.get(stage="legal")
    client.force_login(reviewer("technical_reviewer"))
    response = client.post(
        reverse("admin:compliance_legalqueue_decide", args=[legal.pk]), {"decision": "approved"}
    )
    assert response.status_code == 404
    legal.refresh_from_db()
    assert legal.status == "awaiting_decision"


def test_claim_and_assign_actions(client, django_capture_on_commit_callbacks):
    case = open_case(django_capture_on_commit_callbacks)
    legal = case.stages.get(stage="legal")
    me = reviewer("legal_reviewer")
    client.force_login(me)
    client.post(reverse(QUEUES["legal"]), {"action": "claim", "_selected_action": [legal.pk]})
    legal.refresh_from_db()
    assert legal.assignee == me
    colleague = reviewer("legal_reviewer")
    client.force_login(reviewer("exchange_admin"))
    client.post(
        reverse(QUEUES["legal"]),
        {"action": "assign", "assignee": colleague.pk, "_selected_action": [legal.pk]},
    )
    legal.refresh_from_db()
    assert legal.assignee == colleague
    page = client.get(reverse(QUEUES["legal"]), {"who": "unassigned"}).content.decode()
    assert case.product.title not in page


def test_comments_reach_the_provider(client, django_capture_on_commit_callbacks):
    case = open_case(django_capture_on_commit_callbacks)
    legal = case.stages.get(stage="legal")
    client.force_login(reviewer("legal_reviewer"))
    client.post(
        reverse("admin:compliance_legalqueue_comment", args=[legal.pk]),
        {"body": "Please attach the data licence.", "visible_to_provider": "on"},
    )
    client.post(
        reverse("admin:compliance_legalqueue_comment", args=[legal.pk]),
        {"body": "Internal: check the registry."},
    )
    owner = case.product.provider.memberships.first().user
    client.force_login(owner)
    page = client.get(reverse("catalogue:manage", args=[case.product.slug])).content.decode()
    assert "Please attach the data licence." in page
    assert "Internal: check the registry." not in page
    dashboard = client.get(reverse("catalogue:dashboard")).content.decode()
    assert "A reviewer commented" in dashboard
