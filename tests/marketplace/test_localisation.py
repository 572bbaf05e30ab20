"""Dates, names, statuses, notifications and messages in the reader's language.

Expected strings are written out here, not read from the catalogues or the code.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from licensing import services
from licensing.models import Licence
from tests.factories import OrganizationFactory, grant_licence, listed_product, member_of

pytestmark = pytest.mark.django_db

KL = ZoneInfo("Asia/Kuala_Lumpur")
LANGS = {"en": "en", "zh": "zh-hans", "ms": "ms"}


@pytest.fixture
def provider():
    org = OrganizationFactory(jurisdiction="MY", legal_name="KL Footfall Sdn. Bhd.")
    return org, member_of(org)


@pytest.fixture
def held(provider):
    return grant_licence(listed_product(*provider))


def _get(client, url, lang):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=LANGS[lang])
    assert response.status_code in (200, 403), response.status_code
    return response.content.decode()


@pytest.mark.parametrize(
    ("lang", "expected_date", "expected_datetime"),
    [
        ("en", "From 2 Dec 2026", "2 Dec 2026, 09:30"),
        ("zh", "自 2026年12月2日 起", "2026年12月2日 09:30"),
        ("ms", "Dari 2 Dis 2026", "2 Dis 2026, 09:30"),
    ],
)
def test_dates_are_unambiguous_in_each_language(
    client, held, lang, expected_date, expected_datetime
):
    licence, user = held
    granted = datetime(2026, 12, 2, 9, 30, tzinfo=KL)
    Licence.objects.filter(pk=licence.pk).update(starts_at=granted, granted_at=granted)
    client.force_login(user)
    page = _get(client, reverse("licensing:licence_detail", args=[licence.pk]), lang)
    assert expected_date in page  # the term's start (DATE_FORMAT)
    assert expected_datetime in page  # when it was granted (DATETIME_FORMAT)
    assert "12/02/2026" not in page and "02/12/2026" not in page and "Dec. 2, 2026" not in page


def test_datetimes_are_24_hour(client, held):
    licence, user = held
    granted = datetime(2026, 12, 2, 14, 5, tzinfo=KL)
    Licence.objects.filter(pk=licence.pk).update(granted_at=granted)
    client.force_login(user)
    page = _get(client, reverse("licensing:licence_detail", args=[licence.pk]), "en")
    assert "2 Dec 2026, 14:05" in page
    page = _get(client, reverse("licensing:licence_detail", args=[licence.pk]), "zh")
    assert "2026年12月2日 14:05" in page


def test_category_purpose_status_and_data_category_names_are_translated(client, held):
    licence, user = held
    client.force_login(user)
    product_url = reverse("catalogue:product", args=[licence.product.slug])
    zh = _get(client, product_url, "zh")
    assert "零售与消费" in zh and "Retail &amp; consumer" not in zh
    assert "市场研究" in zh  # the offer's permitted purpose
    assert "非个人数据" in zh and "non_personal" not in zh
    ms = _get(client, product_url, "ms")
    assert "Runcit &amp; pengguna" in ms and "Penyelidikan pasaran" in ms
    licence_url = reverse("licensing:licence_detail", args=[licence.pk])
    assert "有效" in _get(client, licence_url, "zh")  # status "Active"
    assert "Penyelidikan pasaran" in _get(client, licence_url, "ms")
    # The catalogue's category facet too.
    assert "零售与消费" in _get(client, reverse("catalogue:list"), "zh")


def test_a_request_shows_the_purpose_name_not_its_code(client, held):
    licence, user = held
    client.force_login(user)
    page = _get(client, reverse("licensing:my_licences"), "en")
    assert "<td>Market research</td>" in page and "<td>market-research</td>" not in page


def test_notifications_are_read_in_the_readers_language(client, held, provider):
    # The licence request told the provider (in every language, whoever was reading).
    org, owner = provider
    buyer = held[0].buyer.legal_name
    client.force_login(owner)
    zh = _get(client, reverse("catalogue:dashboard"), "zh")
    assert f"来自 {buyer} 的许可申请" in zh
    assert "在 中国内地 处理数据，用途：市场研究。" in zh
    ms = _get(client, reverse("catalogue:dashboard"), "ms")
    assert f"Permohonan lesen daripada {buyer}" in ms and "bagi: Penyelidikan pasaran." in ms
    en = _get(client, reverse("catalogue:dashboard"), "en")
    assert f"Licence request from {buyer}" in en
    assert "to process in China (mainland) for: Market research." in en


def test_history_shows_events_in_words(client, provider):
    org, owner = provider
    product = listed_product(org, owner)
    client.force_login(owner)
    url = reverse("catalogue:manage", args=[product.slug])
    en = _get(client, url, "en")
    assert "Version submitted for review" in en and "catalogue.version.submitted" not in en
    assert "Versi diserahkan untuk semakan" in _get(client, url, "ms")
    assert "版本已提交审核" in _get(client, url, "zh")


def test_query_panel_errors_and_refusals_are_translated(client, held, provider):
    licence, user = held
    client.force_login(user)
    url = reverse("licensing:try_query", args=[licence.pk])
    data = {"purpose": "market-research", "jurisdiction": "CN", "fn": "sum"}
    zh = client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "请选择要计算求和的列。" in zh and "aggregates[0]" not in zh
    ms = client.post(url, data, HTTP_ACCEPT_LANGUAGE="ms").content.decode()
    assert "Pilih lajur untuk mengira jumlah." in ms
    services.licence_revoke(licence=licence, actor=provider[1], reason="Breach.")
    refused = _get(client, url, "zh")
    assert "您的许可已被撤销" in refused and "联系 KL Footfall Sdn. Bhd." in refused
    assert "Lesen anda telah dibatalkan" in _get(client, url, "ms")


def test_free_reads_free_in_each_language(client, provider):
    product = listed_product(*provider, offer={"price": "0", "currency": "USD"})
    url = reverse("catalogue:product", args=[product.slug])
    assert "免费" in _get(client, url, "zh")
    assert "Percuma" in _get(client, url, "ms")
