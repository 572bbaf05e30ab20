"""Answers that cannot be differenced: the attacks that broke the exact engine, the privacy
budgets (per licence, per product), refunds, concurrent debits and the noise itself.

Expected values are worked out here from the declarations, not read from the code: a sum of
values clamped to [0, B] with one row per privacy unit changes by at most B when one unit
changes, so an ε-differentially-private Laplace release of it needs a scale of at least B/ε,
and a Laplace(b) variable lies within ±b·ln(20) of its centre 95% of the time.
"""

import math
import statistics
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from licensing import services
from licensing.models import Licence, PrivacyReservation, QueryAnswer, UsageRecord
from licensing.privacy import plan, release
from licensing.query import parse_query
from licensing.regional import RegionTimeout
from marketplace.demo.catalogue import product_specs
from marketplace.demo.files import dataset_path, sample_path
from tests.conftest import bearer
from tests.factories import (
    OrganizationFactory,
    grant_licence,
    licensed_query,
    listed_product,
)
from tests.licensing.test_licensing_api import token_for

pytestmark = pytest.mark.django_db

PURPOSE = "market-research"


def demo_spec(slug: str) -> dict:
    return next(spec for spec in product_specs() if spec["slug"] == slug)


def mall_traffic(**overrides):
    """The demo product the attack was run on: its schema, its data, its privacy
    declaration (or ``privacy=`` for the exact engine it had before)."""
    spec = demo_spec("kl-mall-foot-traffic")
    provider = OrganizationFactory(jurisdiction="MY", legal_name="Bukit Bintang Malls")
    offer = {
        "territories": ["CN", "MY"],
        "queries_per_month": 5000,
        "dp_epsilon_budget": "20",
        "dp_epsilon_per_query": "0.5",
        **overrides.pop("offer", {}),
    }
    return listed_product(
        provider,
        title=spec["title"],
        schema={"fields": spec["schema"]},
        privacy=overrides.pop("privacy", spec["privacy"]),
        data_categories=overrides.pop("data_categories", ["non_personal"]),
        dataset=dataset_path(spec["slug"]).read_bytes(),
        sample=sample_path(spec["slug"]).read_bytes(),
        offer=offer,
        **overrides,
    )


def hours(low: int, high: int) -> dict:
    """The two queries of the attack: PAV's Monday entrance traffic over an hour range."""
    return {
        "aggregates": [{"fn": "sum", "column": "visitors"}, {"fn": "count"}],
        "filters": [
            {"column": "mall_code", "op": "eq", "value": "PAV"},
            {"column": "zone", "op": "eq", "value": "entrance"},
            {"column": "weekday", "op": "eq", "value": "Mon"},
            {"column": "hour", "op": "between", "value": [low, high]},
        ],
    }


def ask(licence, user, query, kind="query"):
    return licensed_query(licence, user, query, kind=kind)


# The row the attack recovered: PAV, entrance, Monday, 10:00 — 194 visitors (the demo CSV).
HOUR_10_VISITORS = 194


def test_the_differencing_attack_recovers_the_row_from_exact_aggregates():
    """The attack as it was reported, against the exact engine (kept only for non-personal
    products whose provider chooses it): two allowed answers, one row."""
    product = mall_traffic(privacy={"mode": "exact", "exact_acknowledged": True})
    licence, user = grant_licence(product, purpose=PURPOSE)
    wide = ask(licence, user, hours(0, 23))
    narrow = ask(licence, user, hours(11, 23))
    assert wide["rows"][0][0] - narrow["rows"][0][0] == HOUR_10_VISITORS
    assert wide["groups_suppressed"] == narrow["groups_suppressed"] == 0


def test_the_differencing_attack_no_longer_recovers_the_row():
    product = mall_traffic()
    licence, user = grant_licence(product, purpose=PURPOSE)
    wide = ask(licence, user, hours(0, 23))
    narrow = ask(licence, user, hours(11, 23))
    assert wide["private"] and narrow["private"]

    # One row adds at most 1000 visitors (the declared bound); ε 0.5 per query, shared by
    # the count and the sum: no ε-DP Laplace release of the sum can use a scale below
    # 1000 / 0.5 = 2000.
    scale = wide["noise"]["sum_scales"]["visitors"]
    assert scale >= 2000
    assert narrow["noise"]["sum_scales"]["visitors"] == scale
    # Each answer's 95% interval is at least 2000·ln 20 ≈ 5991 visitors wide on each side.
    assert wide["intervals_95"][0][0] >= 2000 * math.log(20) * 0.999
    # The difference of the two answers has the noise of both: its standard deviation is
    # 2·scale (two independent Laplace variables, each of variance 2·scale²). To read one
    # row's value to ±194 (its own size) the attacker would need that below about 100.
    difference_sd = math.sqrt(2 * scale**2 + 2 * scale**2)
    assert difference_sd > 40 * HOUR_10_VISITORS
    # Both queries were charged: they are different queries.
    licence.refresh_from_db()
    assert licence.privacy_epsilon_spent == Decimal("1.0")


def test_the_averaging_attack_gets_the_same_answer_twenty_times_for_one_charge():
    product = mall_traffic()
    licence, user = grant_licence(product, purpose=PURPOSE)
    answers = [ask(licence, user, hours(0, 23)) for _ in range(20)]
    assert all(a["rows"] == answers[0]["rows"] for a in answers)
    assert [a["cached"] for a in answers] == [False] + [True] * 19
    assert [a["privacy"]["epsilon_charged"] for a in answers] == ["0.5"] + ["0"] * 19
    # The mean of the twenty answers is the first answer: averaging removes no noise.
    mean = statistics.fmean(a["rows"][0][0] for a in answers)
    assert mean == pytest.approx(answers[0]["rows"][0][0])
    licence.refresh_from_db()
    assert licence.privacy_epsilon_spent == Decimal("0.5")
    # Every repeat is still recorded as an access (metered, in the ledger), at no cost.
    records = UsageRecord.objects.filter(licence=licence).order_by("pk")
    assert [r.cached for r in records] == [False] + [True] * 19
    assert sum(r.epsilon for r in records) == Decimal("0.5")


def test_another_buyer_asking_the_same_query_gets_the_released_answer_at_no_cost():
    product = mall_traffic()
    first, first_user = grant_licence(product, purpose=PURPOSE)
    second, second_user = grant_licence(product, purpose=PURPOSE)
    a = ask(first, first_user, hours(0, 23))
    b = ask(second, second_user, hours(0, 23))
    assert a["rows"] == b["rows"] and b["cached"]
    second.refresh_from_db()
    assert second.privacy_epsilon_spent == 0
    product.listed_version.refresh_from_db()
    assert product.listed_version.privacy_epsilon_spent == Decimal("0.5")


def test_answers_say_what_is_left_of_both_budgets():
    product = mall_traffic(offer={"dp_epsilon_budget": "3", "dp_epsilon_per_query": "1"})
    licence, user = grant_licence(product, purpose=PURPOSE)
    answer = ask(licence, user, hours(0, 23))
    assert answer["privacy"]["licence"] == {
        "epsilon_budget": "3",
        "epsilon_spent": "1",
        "epsilon_remaining": "2",
        "epsilon_per_query": "1",
        "queries_left": 2,
        "renews_at": licence.ends_at.isoformat(),
    }
    assert answer["privacy"]["product"] == {
        "epsilon_cap": "200",
        "epsilon_spent": "1",
        "epsilon_remaining": "199",
    }


def test_the_budget_is_spent_after_the_declared_number_of_queries(api_client):
    # ε 2 per licence period at ε 0.5 a query: four different queries, then a 429.
    product = mall_traffic(offer={"dp_epsilon_budget": "2", "dp_epsilon_per_query": "0.5"})
    licence, user = grant_licence(product, purpose=PURPOSE)
    _user, raw = token_for(licence.buyer, processing_jurisdiction="CN")
    client = bearer(api_client, raw)
    url = f"/api/v1/products/{product.slug}/query"
    headers = {"HTTP_X_PURPOSE": PURPOSE, "HTTP_X_PROCESSING_JURISDICTION": "CN"}
    answered = [
        client.post(url, hours(low, 23), format="json", **headers) for low in (0, 11, 12, 13)
    ]
    assert [r.status_code for r in answered] == [200, 200, 200, 200]
    assert [r.json()["privacy"]["licence"]["epsilon_remaining"] for r in answered] == [
        "1.5",
        "1",
        "0.5",
        "0",
    ]
    refused = client.post(url, hours(14, 23), format="json", **headers)
    assert refused.status_code == 429
    body = refused.json()["error"]
    assert body["code"] == "privacy_budget_exhausted"
    assert body["renews_at"] == licence.ends_at.isoformat()
    assert "privacy budget" in body["message"]
    # Distinct from the monthly quota, which is far from used up (5 of 5000).
    assert UsageRecord.objects.filter(licence=licence).count() == 4
    # A query already answered is still answered, at no cost.
    again = client.post(url, hours(0, 23), format="json", **headers)
    assert again.status_code == 200 and again.json()["cached"] is True
    licence.refresh_from_db()
    assert licence.privacy_epsilon_spent == Decimal("2")


def test_the_product_cap_holds_across_two_buyer_organisations():
    # Each licence could spend ε 10, but the product's cap across all licences is ε 1.5.
    product = mall_traffic(
        privacy={**demo_spec("kl-mall-foot-traffic")["privacy"], "epsilon_cap": "1.5"},
        offer={"dp_epsilon_budget": "10", "dp_epsilon_per_query": "0.5"},
    )
    a, a_user = grant_licence(product, purpose=PURPOSE)
    b, b_user = grant_licence(product, purpose=PURPOSE)
    assert a.buyer != b.buyer
    ask(a, a_user, hours(0, 23))
    ask(a, a_user, hours(11, 23))
    ask(b, b_user, hours(12, 23))
    for licence, user in ((b, b_user), (a, a_user)):
        with pytest.raises(services.PrivacyBudgetExhausted) as refused:
            ask(licence, user, hours(13, 23))
        assert refused.value.scope == "product"
        assert refused.value.renews_at is None
    version = product.listed_version
    version.refresh_from_db()
    assert version.privacy_epsilon_spent == Decimal("1.5")
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.privacy_epsilon_spent, b.privacy_epsilon_spent) == (Decimal("1"), Decimal("0.5"))


def test_a_query_that_fails_in_the_region_is_refunded(monkeypatch, api_client):
    product = mall_traffic()
    licence, user = grant_licence(product, purpose=PURPOSE)

    def region_does_not_answer(**kwargs):
        raise RegionTimeout("The data region did not answer in time.")

    monkeypatch.setattr(services, "answer_in_region", region_does_not_answer)
    _user, raw = token_for(licence.buyer, processing_jurisdiction="CN")
    response = bearer(api_client, raw).post(
        f"/api/v1/products/{product.slug}/query",
        hours(0, 23),
        format="json",
        HTTP_X_PURPOSE=PURPOSE,
    )
    assert response.status_code == 504
    assert response["Content-Type"].startswith("application/json")
    licence.refresh_from_db()
    product.listed_version.refresh_from_db()
    assert licence.privacy_epsilon_spent == 0
    assert product.listed_version.privacy_epsilon_spent == 0
    assert not PrivacyReservation.objects.exists()
    assert not UsageRecord.objects.filter(licence=licence).exists()
    assert not QueryAnswer.objects.exists()


def test_a_reservation_left_by_a_dead_web_process_is_refunded_by_the_beat_task():
    product = mall_traffic()
    licence, _user = grant_licence(product, purpose=PURPOSE)
    version = product.listed_version
    # What a web process leaves when it dies after the debit and before the answer.
    Licence.objects.filter(pk=licence.pk).update(privacy_epsilon_spent=Decimal("0.5"))
    type(version).objects.filter(pk=version.pk).update(privacy_epsilon_spent=Decimal("0.5"))
    reservation = PrivacyReservation.objects.create(
        licence=licence,
        version=version,
        licence_epsilon=Decimal("0.5"),
        product_epsilon=Decimal("0.5"),
    )
    assert services.privacy_reservations_release_stale() == 0  # still young: may be running
    PrivacyReservation.objects.filter(pk=reservation.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    assert services.privacy_reservations_release_stale() == 1
    licence.refresh_from_db()
    version.refresh_from_db()
    assert licence.privacy_epsilon_spent == 0 and version.privacy_epsilon_spent == 0
    assert not PrivacyReservation.objects.exists()


def test_reports_and_extracts_are_released_once_per_version_and_charged_to_the_product():
    product = mall_traffic()
    a, a_user = grant_licence(product, purpose=PURPOSE)
    b, b_user = grant_licence(product, purpose=PURPOSE)
    report = {
        "group_by": ["district", "zone"],
        "aggregates": [{"fn": "count"}, {"fn": "avg", "column": "visitors"}],
    }
    first = ask(a, a_user, report, kind="report")
    again = ask(a, a_user, report, kind="report")
    other = ask(b, b_user, report, kind="report")
    assert first["rows"] == again["rows"] == other["rows"]
    assert (again["cached"], other["cached"]) == (True, True)
    a.refresh_from_db()
    b.refresh_from_db()
    product.listed_version.refresh_from_db()
    # Downloads cost the licences nothing; the one release is on the product's cap.
    assert a.privacy_epsilon_spent == b.privacy_epsilon_spent == 0
    assert product.listed_version.privacy_epsilon_spent == Decimal("0.5")


def test_personal_data_is_never_answered_exactly():
    from kernel.exceptions import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        mall_traffic(
            privacy={"mode": "exact", "exact_acknowledged": True},
            data_categories=["personal"],
        )
    assert (
        "privacy" in str(refused.value.field or "") or "differential" in str(refused.value).lower()
    )


def test_min_and_max_are_refused_on_a_private_product():
    product = mall_traffic()
    licence, user = grant_licence(product, purpose=PURPOSE)
    from licensing.query import QueryError

    with pytest.raises(QueryError) as refused:
        ask(licence, user, {"aggregates": [{"fn": "max", "column": "visitors"}]})
    assert refused.value.path == "aggregates[0].fn"
    licence.refresh_from_db()
    assert licence.privacy_epsilon_spent == 0


def test_the_licence_policy_carries_the_privacy_budget():
    product = mall_traffic(offer={"dp_epsilon_budget": "7.5", "dp_epsilon_per_query": "0.25"})
    licence, _user = grant_licence(product, purpose=PURPOSE)
    constraints = {c["leftOperand"]: c for c in licence.policy["permission"][0]["constraint"]}
    assert constraints["dx:privacyLoss"]["operator"] == "lteq"
    assert constraints["dx:privacyLoss"]["rightOperand"] == {
        "@value": "7.5",
        "@type": "xsd:decimal",
    }
    assert constraints["dx:privacyLoss"]["unit"] == {"@id": "dx:perLicencePeriod"}
    assert constraints["dx:privacyLossPerQuery"]["rightOperand"]["@value"] == "0.25"
    assert constraints["dx:privacyDelta"]["rightOperand"]["@value"] == "1e-07"
    assert constraints["dx:privacyUnit"]["rightOperand"] == "each row"
    # A group-size constraint belongs to exact products only.
    assert "dx:minimumGroupSize" not in constraints


def test_an_exact_products_policy_keeps_its_group_size_and_has_no_budget():
    product = mall_traffic(privacy={"mode": "exact", "exact_acknowledged": True})
    licence, _user = grant_licence(product, purpose=PURPOSE)
    operands = {c["leftOperand"] for c in licence.policy["permission"][0]["constraint"]}
    assert "dx:minimumGroupSize" in operands
    assert not operands & {"dx:privacyLoss", "dx:privacyLossPerQuery", "dx:privacyDelta"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"dp_epsilon_budget": "0"}, "dp_epsilon_budget"),
        ({"dp_epsilon_per_query": "-1"}, "dp_epsilon_per_query"),
        ({"dp_epsilon_per_query": "nan"}, "dp_epsilon_per_query"),
        ({"dp_delta_per_query": "0.5"}, "dp_delta_per_query"),
        ({"dp_epsilon_budget": "1", "dp_epsilon_per_query": "2"}, "dp_epsilon_budget"),
    ],
)
def test_an_offer_with_an_impossible_budget_is_refused(fields, field):
    from kernel.exceptions import InvalidInput

    product = mall_traffic()
    offer = product.offers.get()
    with pytest.raises(InvalidInput) as refused:
        services_catalogue().offer_update(
            offer=offer, actor=product.provider.memberships.first().user, **fields
        )
    assert refused.value.field == field
    offer.refresh_from_db()
    assert (offer.dp_epsilon_budget, offer.dp_epsilon_per_query) == (
        Decimal("20"),
        Decimal("0.5"),
    )


def services_catalogue():
    from catalogue import services as catalogue_services

    return catalogue_services


# --- the noise itself -------------------------------------------------------------------


def test_the_noise_of_many_releases_has_the_declared_scale():
    """2,000 independent releases of one count and one sum (fresh noise each: the release
    function, not the cached service): the noise's mean absolute deviation estimates the
    Laplace scale b (E|X| = b). With 2,000 draws its relative standard error is about 2.2%
    (sd(|X|)/E|X| = 1 for a Laplace variable), so ±10% fails a scale off by a factor of
    1.25 or more and passes the true scale with overwhelming probability."""
    spec = demo_spec("kl-mall-foot-traffic")
    from catalogue.privacy import parse_declaration

    declaration = parse_declaration(spec["privacy"], spec["schema"], ["non_personal"])
    query = parse_query(
        {"aggregates": [{"fn": "count"}, {"fn": "sum", "column": "visitors"}]},
        {"fields": spec["schema"]},
    )
    epsilon = Decimal("0.5")
    p = plan(query, declaration, epsilon=epsilon, delta=1e-7)
    # Independently of the planner: ε 0.5 split between two releases, each ε 0.25; one row
    # changes the count by 1 and the clamped sum by at most 1000.
    assert p.count_scale == pytest.approx(1 / 0.25, rel=0.01)
    assert p.sum_scales["visitors"] == pytest.approx(1000 / 0.25, rel=0.01)
    true_count, true_sum = 250, 91_234.0
    count_noise, sum_noise = [], []
    for _ in range(2000):
        answer = release(p, declaration, query, [(true_count, true_sum)], ["visitors"])
        count, total = answer["rows"][0]
        count_noise.append(count - true_count)
        sum_noise.append(total - true_sum)
    assert statistics.fmean(map(abs, count_noise)) == pytest.approx(4.0, rel=0.10)
    assert statistics.fmean(map(abs, sum_noise)) == pytest.approx(4000.0, rel=0.10)
    # Centred on the true value (mean noise within 4 standard errors of 0).
    assert abs(statistics.fmean(sum_noise)) < 4 * math.sqrt(2) * 4000 / math.sqrt(2000)
    # About 95% of the releases fall inside the interval the answers state.
    inside = sum(abs(n) <= answer["intervals_95"][0][1] for n in sum_noise) / len(sum_noise)
    assert 0.93 <= inside <= 0.97


# --- concurrent debits ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
def test_twenty_concurrent_queries_never_overspend():
    # ε 5 at ε 0.5 a query: exactly ten of twenty different queries may run.
    product = mall_traffic(offer={"dp_epsilon_budget": "5", "dp_epsilon_per_query": "0.5"})
    licence, user = grant_licence(product, purpose=PURPOSE)
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def one(low: int) -> None:
        try:
            start.wait()
            ask(Licence.objects.get(pk=licence.pk), user, hours(low, 23))
            outcome = "answered"
        except services.PrivacyBudgetExhausted:
            outcome = "refused"
        except Exception as exc:  # noqa: BLE001 - recorded and asserted on below
            outcome = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=one, args=(low,)) for low in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["answered"] * 10 + ["refused"] * 10
    licence.refresh_from_db()
    assert licence.privacy_epsilon_spent == Decimal("5")
    assert UsageRecord.objects.filter(licence=licence, epsilon__gt=0).count() == 10
    assert not PrivacyReservation.objects.exists()
    assert connection.vendor == "postgresql"
