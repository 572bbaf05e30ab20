"""Search across English, Malay and Chinese: synonyms, Chinese segmentation, relevance.

The page tests run on the configured database (SQLite by default, PostgreSQL in CI, where
they go through the stored search vector); the last test is PostgreSQL's alone.
"""

import pytest

from catalogue import search
from catalogue.models import DataProduct
from tests.factories import OrganizationFactory, listed_product, member_of

pytestmark = pytest.mark.django_db

URL = "/catalogue/"


@pytest.fixture
def catalogue():
    org = OrganizationFactory(jurisdiction="MY", legal_name="Selat Analytics Sdn. Bhd.")
    actor = member_of(org)
    listed_product(
        org,
        actor,
        title="KL mall foot traffic by hour",
        summary="Hourly counts at three Kuala Lumpur malls.",
        tags=["foot traffic", "malls"],
        description="Door sensors at each entrance.",
    )
    listed_product(
        org,
        actor,
        title="Statistik pelawat kedai runcit Johor",
        summary="Kiraan pelawat harian di kedai runcit.",
        tags=["runcit"],
        description="Data daripada pengira pintu.",
    )
    listed_product(
        org,
        actor,
        title="Penang port dwell times",
        summary="Container dwell at Penang's terminals.",
        tags=["shipping"],
        description="Median hours alongside, by terminal.",
    )
    cn = OrganizationFactory(jurisdiction="CN", legal_name="深圳华强数据有限公司")
    listed_product(
        cn,
        member_of(cn),
        title="深圳电子出口价格指数",
        summary="华强北电子产品出口价格的月度指数。",
        tags=["电子"],
        description="覆盖智能手机与零部件的出口报价。",
    )


def _titles(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return [p.title for p in response.context["page"].object_list]


def test_footfall_finds_foot_traffic_in_english_and_malay(client, catalogue):
    assert sorted(_titles(client, q="footfall")) == [
        "KL mall foot traffic by hour",
        "Statistik pelawat kedai runcit Johor",
    ]


def test_malay_words_find_their_products(client, catalogue):
    assert _titles(client, q="kedai pelawat") == ["Statistik pelawat kedai runcit Johor"]
    # A Malay word finds the English-described product too.
    assert "KL mall foot traffic by hour" in _titles(client, q="pelawat")
    assert _titles(client, q="pelabuhan") == ["Penang port dwell times"]
    assert _titles(client, q="pusat membeli-belah") == ["KL mall foot traffic by hour"]


def test_chinese_words_are_segmented_and_translated(client, catalogue):
    assert _titles(client, q="电子出口") == ["深圳电子出口价格指数"]
    # A word of the description only (PostgreSQL: only the segmented vector has it).
    assert _titles(client, q="智能手机") == ["深圳电子出口价格指数"]
    # Chinese words find English and Malay products through the vocabulary.
    assert sorted(_titles(client, q="客流")) == [
        "KL mall foot traffic by hour",
        "Statistik pelawat kedai runcit Johor",
    ]
    assert _titles(client, q="港口") == ["Penang port dwell times"]


def test_web_search_syntax_still_works(client, catalogue):
    assert _titles(client, q="footfall -johor") == ["KL mall foot traffic by hour"]
    assert sorted(_titles(client, q="penang or 电子")) == [
        "Penang port dwell times",
        "深圳电子出口价格指数",
    ]
    assert _titles(client, q='"dwell times"') == ["Penang port dwell times"]
    assert _titles(client, q="ports") == ["Penang port dwell times"]
    assert _titles(client, q="!!!") == []


def test_typed_words_sort_by_relevance_not_newest(client, catalogue):
    org = OrganizationFactory()
    # Newer, and mentions the word only in its description.
    listed_product(
        org,
        member_of(org),
        title="Johor retail basket index",
        summary="Monthly basket prices.",
        tags=["retail"],
        description="Compiled with visitor counts from mall operators.",
    )
    # The search form submits the sort menu's default ("") with the words.
    response = client.get(URL, {"q": "mall", "sort": ""})
    assert response.context["query"].sort == "relevance"
    titles = [p.title for p in response.context["page"].object_list]
    assert titles == ["KL mall foot traffic by hour", "Johor retail basket index"]
    assert '<option value="" selected>Relevance</option>' in response.content.decode()
    # Without words the default is the newest first.
    browse = client.get(URL)
    assert '<option value="" selected>Newest</option>' in browse.content.decode()
    assert _titles(client)[0] == "Johor retail basket index"


def test_the_query_parser_widens_words_to_synonyms():
    parsed = search.parse("kuala lumpur footfall")
    first, second = parsed.clauses[0]
    assert ("吉隆坡",) in first.alternatives and ("kuala", "lumpur") in first.alternatives
    assert ("foot", "traffic") in second.alternatives and ("pelawat",) in second.alternatives
    assert search.tsquery(search.parse("-container port")).startswith("(!('container') & (")
    assert search.document_text("深圳电子出口价格指数") == "深圳 电子 出口 价格 指数 价格指数"
    # Quotes cannot break out of a lexeme.
    assert search.tsquery(search.parse("o'neil")) == "('o' & 'neil':*)"


@pytest.mark.postgres
def test_the_stored_vector_holds_segmented_chinese():
    from django.db import connection

    org = OrganizationFactory(jurisdiction="CN")
    product = listed_product(org, member_of(org), title="深圳电子出口价格指数", summary="指数")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text FROM catalogue_dataproduct WHERE id = %s", [product.pk]
        )
        vector = cursor.fetchone()[0]
    for word in ("'深圳'", "'电子'", "'出口'", "'价格指数'"):
        assert word in vector
    assert DataProduct.objects.filter(search_vector="电子").exists()
