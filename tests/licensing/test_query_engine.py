"""The query engine (DuckDB over the version's Parquet file, in its data region): aggregates
only, small groups suppressed, identifiers never grouped, values always parameters."""

import csv  # noqa: E402,I001 - kept with the helpers below
import io  # noqa: E402
import json
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from catalogue import services as catalogue_services
from catalogue.models import ProductVersion
from licensing.query import (
    DEFAULT_LIMIT,
    Aggregate,
    Query,
    QueryError,
    parse_query,
)
from licensing.regional import dataset_prepare, region_answer
from tests.factories import (
    OrganizationFactory,
    csv_upload,
    draft_product,
    member_of,
)

pytestmark = pytest.mark.django_db

SHOP_SCHEMA = {
    "fields": [
        {"name": "shop_id", "type": "string", "identifier": True, "description": "Shop code"},
        {"name": "district", "type": "string", "description": "KL district"},
        {"name": "opened", "type": "date", "description": "Opening date"},
        {"name": "open_late", "type": "boolean", "description": "Open after 22:00"},
        {"name": "visitors", "type": "integer", "description": "Visitors per day"},
        {"name": "spend", "type": "number", "description": "Mean spend", "unit": "MYR"},
    ]
}
# Cheras has 12 shops but only 5 declare a spend: below k=10 values, its spend cells are null.
GROUP_SIZES = {"Bukit Bintang": 25, "Cheras": 12, "KLCC": 10, "Mid Valley": 9}
TOTAL_ROWS = sum(GROUP_SIZES.values())


def shop_rows() -> list[dict]:
    rows = []
    i = 0
    for district, size in GROUP_SIZES.items():
        for j in range(size):
            spend = None if district == "Cheras" and j >= 5 else Decimal(1000 + i * 37 % 400) / 40
            rows.append(
                {
                    "shop_id": f"S{i:04d}",
                    "district": district,
                    "opened": date(2024, 1, 1) + timedelta(days=30 * (i % 4)),
                    "open_late": i % 3 == 0,
                    "visitors": 50 + (i * 13) % 200,
                    "spend": spend,
                }
            )
            i += 1
    return rows


def to_csv(rows: list[dict], schema: dict) -> bytes:
    names = [f["name"] for f in schema["fields"]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        cells = []
        for name in names:
            value = row[name]
            if value is None:
                cells.append("")
            elif isinstance(value, bool):
                cells.append("true" if value else "false")
            elif isinstance(value, date):
                cells.append(value.isoformat())
            else:
                cells.append(str(value))
        writer.writerow(cells)
    return out.getvalue().encode()


@pytest.fixture
def actor():
    return member_of(OrganizationFactory())


def make_version(actor, content: bytes, *, schema: dict | None = None, k: int = 10):
    """A DRAFT version holding our own dataset: the engine does not care about the state."""
    product = draft_product(actor.memberships.get().organization, actor, min_group_size=k)
    version = product.versions.get()
    if schema is not None:  # changing the schema clears the files: upload afterwards
        catalogue_services.version_update(version=version, actor=actor, schema=schema)
    catalogue_services.version_upload_dataset(
        version=version, actor=actor, upload=csv_upload(content, "dataset.csv")
    )
    version.refresh_from_db()
    return version


def make_shops(actor, k: int = 10):
    return make_version(actor, to_csv(shop_rows(), SHOP_SCHEMA), schema=SHOP_SCHEMA, k=k)


@pytest.fixture
def shops(actor):
    return make_shops(actor)


def prepared(version: ProductVersion) -> ProductVersion:
    """The version's dataset prepared in its region (what approval does), once."""
    version.refresh_from_db()
    if version.dataset_state != "ready":
        if version.dataset_state != "queued":
            catalogue_services.version_dataset_queue(version=version, actor=None)
        assert dataset_prepare(version_id=version.pk) == "ready"
        version.refresh_from_db()
    return version


def run_query(version: ProductVersion, spec) -> SimpleNamespace:
    """The engine's exact answer, as the data region gives it (the query is validated
    first: an invalid one never reaches the data)."""
    parsed = spec if isinstance(spec, Query) else parse_query(spec, version.schema or {})
    answer = region_answer(version_id=prepared(version).pk, query=parsed.as_dict())
    if "error" in answer:
        raise QueryError(answer["error"]["message"], path=answer["error"].get("path", ""))
    return SimpleNamespace(**answer, to_dict=lambda: answer)


def count_by_district(result) -> dict:
    return {row[0]: row[1] for row in result.rows}


# --- k-suppression ------------------------------------------------------------------------


def test_a_group_of_k_minus_one_rows_never_appears_and_a_group_of_k_does(shops):
    assert shops.state == ProductVersion.State.DRAFT
    result = run_query(shops, {"group_by": ["district"], "aggregates": [{"fn": "count"}]})

    assert result.columns == ["district", "count"]
    assert count_by_district(result) == {"Bukit Bintang": 25, "Cheras": 12, "KLCC": 10}
    assert "Mid Valley" not in json.dumps(result.to_dict())
    assert result.groups_returned == 3
    assert result.groups_suppressed == 1
    assert result.min_group_size == 10
    # 56 matched minus the visible 47 would reveal the hidden group's 9: not given.
    assert result.rows_matched is None
    assert result.truncated is False


def test_a_query_without_groups_over_fewer_than_k_rows_returns_nothing(shops):
    hidden = run_query(
        shops, {"filters": [{"column": "district", "op": "eq", "value": "Mid Valley"}]}
    )
    assert hidden.rows == []
    assert hidden.groups_suppressed == 1
    assert hidden.groups_returned == 0
    assert hidden.rows_matched is None

    shown = run_query(shops, {"filters": [{"column": "district", "op": "eq", "value": "KLCC"}]})
    assert shown.columns == ["count"]
    assert shown.rows == [[10]]
    assert shown.groups_suppressed == 0
    assert shown.rows_matched == 10


def test_no_matching_row_is_no_group_rather_than_a_suppressed_one(shops):
    result = run_query(shops, {"filters": [{"column": "district", "op": "eq", "value": "Ampang"}]})
    assert (result.rows, result.groups_suppressed, result.rows_matched) == ([], 0, None)


def test_rows_matched_is_given_when_no_small_figure_can_be_derived_from_it(actor):
    version = make_shops(actor, k=13)
    result = run_query(version, {"group_by": ["district"]})
    # Cheras 12, KLCC 10 and Mid Valley 9 are hidden; together they are 31 rows (≥ k).
    assert count_by_district(result) == {"Bukit Bintang": 25}
    assert result.groups_suppressed == 3
    assert result.rows_matched == TOTAL_ROWS

    filtered = run_query(
        version,
        {
            "group_by": ["district"],
            "filters": [{"column": "district", "op": "in", "value": ["Bukit Bintang", "KLCC"]}],
        },
    )
    # 35 matched minus the visible 25 would reveal KLCC's 10 rows (< 13): withheld.
    assert filtered.groups_suppressed == 1
    assert filtered.rows_matched is None


def test_an_aggregate_over_fewer_than_k_values_is_a_null_cell(shops):
    result = run_query(
        shops,
        {
            "group_by": ["district"],
            "aggregates": [
                {"fn": "count"},
                {"fn": "count", "column": "spend"},
                {"fn": "sum", "column": "spend"},
                {"fn": "max", "column": "spend"},
            ],
        },
    )
    by_district = {row[0]: row[1:] for row in result.rows}
    # Cheras: 12 rows (shown) but only 5 spends (< 10): none of its spend figures is published.
    assert by_district["Cheras"] == [12, None, None, None]
    assert by_district["KLCC"][0:2] == [10, 10]
    assert result.cells_suppressed == 3


# --- correct figures ----------------------------------------------------------------------


def test_every_aggregate_matches_python(shops):
    rows = shop_rows()
    result = run_query(
        shops,
        {
            "group_by": ["district"],
            "aggregates": [
                {"fn": "count"},
                {"fn": "sum", "column": "visitors"},
                {"fn": "avg", "column": "visitors"},
                {"fn": "min", "column": "visitors"},
                {"fn": "max", "column": "visitors"},
                {"fn": "sum", "column": "spend"},
                {"fn": "avg", "column": "spend", "as": "mean_spend"},
                {"fn": "min", "column": "opened"},
                {"fn": "max", "column": "opened", "as": "last_opened"},
            ],
        },
    )
    assert result.columns == [
        "district",
        "count",
        "sum_visitors",
        "avg_visitors",
        "min_visitors",
        "max_visitors",
        "sum_spend",
        "mean_spend",
        "min_opened",
        "last_opened",
    ]
    got = {row[0]: row for row in result.rows}
    for district in ("Bukit Bintang", "KLCC"):
        group = [r for r in rows if r["district"] == district]
        visitors = [r["visitors"] for r in group]
        spends = [r["spend"] for r in group]
        opened = [r["opened"] for r in group]
        row = got[district]
        assert row[1] == len(group)
        assert row[2] == sum(visitors) and isinstance(row[2], int)
        assert row[3] == pytest.approx(sum(visitors) / len(visitors))
        assert (row[4], row[5]) == (min(visitors), max(visitors))
        assert row[6] == pytest.approx(float(sum(spends)))
        assert row[7] == pytest.approx(float(sum(spends)) / len(spends))
        assert (row[8], row[9]) == (min(opened).isoformat(), max(opened).isoformat())


def test_without_group_by_the_whole_filtered_set_is_one_group(shops):
    rows = shop_rows()
    result = run_query(
        shops,
        {
            "aggregates": [
                {"fn": "count"},
                {"fn": "count", "column": "spend", "as": "with_spend"},
                {"fn": "sum", "column": "visitors"},
                {"fn": "avg", "column": "spend"},
            ]
        },
    )
    spends = [r["spend"] for r in rows if r["spend"] is not None]
    assert result.columns == ["count", "with_spend", "sum_visitors", "avg_spend"]
    assert result.rows[0][:3] == [TOTAL_ROWS, len(spends), sum(r["visitors"] for r in rows)]
    assert result.rows[0][3] == pytest.approx(float(sum(spends)) / len(spends))
    assert result.rows_matched == TOTAL_ROWS


FILTER_CASES = [
    ([{"column": "district", "op": "eq", "value": "KLCC"}], lambda r: r["district"] == "KLCC"),
    (
        [{"column": "district", "op": "in", "value": ["KLCC", "Mid Valley", "KLCC"]}],
        lambda r: r["district"] in ("KLCC", "Mid Valley"),
    ),
    (
        [{"column": "visitors", "op": "between", "value": [100, 180]}],
        lambda r: 100 <= r["visitors"] <= 180,
    ),
    (
        [{"column": "visitors", "op": "between", "value": ["100", "180"]}],
        lambda r: 100 <= r["visitors"] <= 180,
    ),
    (
        [{"column": "spend", "op": "between", "value": [27.5, 33]}],
        lambda r: r["spend"] is not None and 27.5 <= r["spend"] <= 33,
    ),
    (
        [{"column": "opened", "op": "between", "value": ["2024-01-15", "2024-03-01"]}],
        lambda r: date(2024, 1, 15) <= r["opened"] <= date(2024, 3, 1),
    ),
    (
        [{"column": "opened", "op": "eq", "value": "2024-03-31"}],
        lambda r: r["opened"] == date(2024, 3, 31),
    ),
    (
        [{"column": "opened", "op": "in", "value": ["2024-01-01", "2024-04-30"]}],
        lambda r: r["opened"] in (date(2024, 1, 1), date(2024, 4, 30)),
    ),
    ([{"column": "open_late", "op": "eq", "value": True}], lambda r: r["open_late"]),
    ([{"column": "open_late", "op": "eq", "value": "no"}], lambda r: not r["open_late"]),
    (
        [{"column": "shop_id", "op": "in", "value": ["S0001", "S0030", "S0055"]}],
        lambda r: r["shop_id"] in ("S0001", "S0030", "S0055"),
    ),
    (
        [
            {"column": "district", "op": "in", "value": ["Bukit Bintang", "Cheras"]},
            {"column": "open_late", "op": "eq", "value": False},
            {"column": "visitors", "op": "between", "value": [60, 230]},
        ],
        lambda r: (
            r["district"] in ("Bukit Bintang", "Cheras")
            and not r["open_late"]
            and 60 <= r["visitors"] <= 230
        ),
    ),
]


@pytest.mark.parametrize(("filters", "predicate"), FILTER_CASES)
def test_filters_select_the_rows_python_selects(actor, filters, predicate):
    version = make_shops(actor, k=2)
    expected = [r for r in shop_rows() if predicate(r)]
    assert len(expected) >= 2  # each case is visible at k=2
    result = run_query(
        version,
        {"aggregates": [{"fn": "count"}, {"fn": "sum", "column": "visitors"}], "filters": filters},
    )
    assert result.rows == [[len(expected), sum(r["visitors"] for r in expected)]]


def test_date_and_boolean_group_keys_come_back_as_json_values(actor):
    version = make_shops(actor, k=2)
    rows = shop_rows()
    result = run_query(version, {"group_by": ["open_late", "opened"]})
    expected = {}
    for r in rows:
        key = (r["open_late"], r["opened"].isoformat())
        expected[key] = expected.get(key, 0) + 1
    assert {(row[0], row[1]): row[2] for row in result.rows} == expected
    assert result.rows[0][:2] == [False, "2024-01-01"]  # ordered by the group keys
    json.dumps(result.to_dict())


def test_default_order_is_by_group_keys_and_order_by_and_limit_apply(actor):
    version = make_shops(actor, k=2)
    by_keys = run_query(version, {"group_by": ["district"]})
    assert [row[0] for row in by_keys.rows] == ["Bukit Bintang", "Cheras", "KLCC", "Mid Valley"]

    ordered = run_query(
        version,
        {
            "group_by": ["district"],
            "aggregates": [{"fn": "sum", "column": "visitors"}],
            "order_by": [{"column": "sum_visitors", "direction": "desc"}],
            "limit": 2,
        },
    )
    totals = {}
    for r in shop_rows():
        totals[r["district"]] = totals.get(r["district"], 0) + r["visitors"]
    top_two = sorted(totals.items(), key=lambda item: -item[1])[:2]
    assert ordered.rows == [list(item) for item in top_two]
    assert ordered.truncated is True
    assert ordered.groups_returned == 2


# --- validation ---------------------------------------------------------------------------


def test_an_identifier_column_is_refused_as_a_group_key():
    with pytest.raises(QueryError) as caught:
        parse_query({"group_by": ["shop_id"]}, SHOP_SCHEMA)
    assert caught.value.path == "group_by[0]"
    assert "identifier" in caught.value.message
    with pytest.raises(QueryError) as caught:
        parse_query({"group_by": ["district", "shop_id"]}, SHOP_SCHEMA)
    assert caught.value.path == "group_by[1]"


def test_an_omitted_document_part_takes_its_default():
    query = parse_query({}, SHOP_SCHEMA)
    assert query == Query(
        group_by=(), aggregates=(Aggregate("count", None, "count"),), limit=DEFAULT_LIMIT
    )


def test_filter_values_are_parsed_with_the_column_type():
    query = parse_query(
        {
            "filters": [
                {"column": "opened", "op": "between", "value": ["2024-01-01", "2024-02-01"]},
                {"column": "open_late", "op": "in", "value": ["yes", False]},
                {"column": "visitors", "op": "eq", "value": " 42 "},
                {"column": "spend", "op": "eq", "value": 3},
            ]
        },
        SHOP_SCHEMA,
    )
    assert [f.values for f in query.filters] == [
        (date(2024, 1, 1), date(2024, 2, 1)),
        (True, False),
        (42,),
        (3.0,),
    ]
    json.dumps(query.as_dict())


BAD_QUERIES = [
    ([], "", "JSON object"),
    ("group_by=district", "", "JSON object"),
    ({"groupby": ["district"]}, "groupby", "unknown key"),
    ({"group_by": "district"}, "group_by", "list"),
    ({"group_by": ["nope"]}, "group_by[0]", "unknown column"),
    ({"group_by": [3]}, "group_by[0]", "column name"),
    ({"group_by": ["district", "district"]}, "group_by[1]", "already"),
    (
        {"group_by": ["district", "opened", "open_late", "visitors", "spend", "district"]},
        "group_by",
        "at most 5",
    ),
    ({"aggregates": []}, "aggregates", "at least one"),
    ({"aggregates": [{"fn": "median", "column": "visitors"}]}, "aggregates[0].fn", "one of"),
    ({"aggregates": [{"fn": "sum", "column": "district"}]}, "aggregates[0].column", "string"),
    ({"aggregates": [{"fn": "avg", "column": "opened"}]}, "aggregates[0].column", "date"),
    ({"aggregates": [{"fn": "sum"}]}, "aggregates[0].column", "needs a column"),
    ({"aggregates": [{"fn": "max", "column": "shop_id"}]}, "aggregates[0].column", "identifier"),
    ({"aggregates": [{"fn": "count", "column": "nope"}]}, "aggregates[0].column", "unknown"),
    ({"aggregates": [{"fn": "count"}, {"fn": "count"}]}, "aggregates[1]", "already used"),
    ({"aggregates": [{"fn": "count", "as": "Total"}]}, "aggregates[0].as", "letter"),
    ({"aggregates": [{"fn": "count", "as": "x" * 42}]}, "aggregates[0].as", "41"),
    ({"aggregates": [{"fn": "count", "colour": "red"}]}, "aggregates[0]", "unknown key"),
    ({"aggregates": ["count"]}, "aggregates[0]", "object"),
    (
        {"group_by": ["district"], "aggregates": [{"fn": "count", "as": "district"}]},
        "aggregates[0].as",
        "already used",
    ),
    ({"filters": {"district": "KLCC"}}, "filters", "list"),
    ({"filters": [{"column": "district", "op": "like", "value": "K%"}]}, "filters[0].op", "one of"),
    ({"filters": [{"column": "district", "op": "eq"}]}, "filters[0].value", "required"),
    (
        {"filters": [{"column": "visitors", "op": "between", "value": [10]}]},
        "filters[0].value",
        "two",
    ),
    (
        {"filters": [{"column": "visitors", "op": "between", "value": [20, 10]}]},
        "filters[0].value",
        "low",
    ),
    (
        {"filters": [{"column": "district", "op": "between", "value": ["A", "B"]}]},
        "filters[0].op",
        "between",
    ),
    (
        {"filters": [{"column": "shop_id", "op": "between", "value": ["S1", "S2"]}]},
        "filters[0].op",
        "identifier",
    ),
    (
        {"filters": [{"column": "visitors", "op": "eq", "value": "many"}]},
        "filters[0].value",
        "whole",
    ),
    ({"filters": [{"column": "visitors", "op": "eq", "value": 1.5}]}, "filters[0].value", "whole"),
    (
        {"filters": [{"column": "visitors", "op": "eq", "value": True}]},
        "filters[0].value",
        "integer",
    ),
    (
        {"filters": [{"column": "visitors", "op": "eq", "value": 2**64}]},
        "filters[0].value",
        "range",
    ),
    ({"filters": [{"column": "spend", "op": "eq", "value": "NaN"}]}, "filters[0].value", "finite"),
    ({"filters": [{"column": "spend", "op": "eq", "value": "1e400"}]}, "filters[0].value", "range"),
    (
        {"filters": [{"column": "opened", "op": "eq", "value": "2024-13-01"}]},
        "filters[0].value",
        "date",
    ),
    (
        {"filters": [{"column": "open_late", "op": "eq", "value": "perhaps"}]},
        "filters[0].value",
        "true",
    ),
    ({"filters": [{"column": "district", "op": "eq", "value": 5}]}, "filters[0].value", "string"),
    ({"filters": [{"column": "district", "op": "eq", "value": None}]}, "filters[0].value", "null"),
    ({"filters": [{"column": "district", "op": "eq", "value": "  "}]}, "filters[0].value", "empty"),
    (
        {"filters": [{"column": "district", "op": "eq", "value": ["KLCC"]}]},
        "filters[0].value",
        "single",
    ),
    (
        {"filters": [{"column": "district", "op": "in", "value": []}]},
        "filters[0].value",
        "1 to 100",
    ),
    (
        {"filters": [{"column": "visitors", "op": "in", "value": list(range(101))}]},
        "filters[0].value",
        "1 to 100",
    ),
    (
        {"filters": [{"column": "visitors", "op": "in", "value": [1, "two"]}]},
        "filters[0].value",
        "item 1",
    ),
    (
        {
            "filters": [
                {"column": "district", "op": "eq", "value": "KLCC"},
                {"column": "hour", "op": "eq", "value": 3},
            ]
        },
        "filters[1].column",
        "unknown column",
    ),
    (
        {"filters": [{"column": "district", "op": "eq", "value": "KLCC", "x": 1}]},
        "filters[0]",
        "unknown key",
    ),
    ({"order_by": [{"column": "visitors"}]}, "order_by[0].column", "output name"),
    (
        {"group_by": ["district"], "order_by": [{"column": "district", "direction": "up"}]},
        "order_by[0].direction",
        "asc or desc",
    ),
    (
        {
            "group_by": ["district"],
            "order_by": [{"column": "district"}, {"column": "district", "direction": "desc"}],
        },
        "order_by[1].column",
        "already",
    ),
    ({"limit": 0}, "limit", "1 to 10,000"),
    ({"limit": 10_001}, "limit", "1 to 10,000"),
    ({"limit": "10"}, "limit", "whole number"),
    ({"limit": True}, "limit", "whole number"),
]


@pytest.mark.parametrize(("spec", "path", "fragment"), BAD_QUERIES)
def test_an_invalid_query_names_the_offending_part(spec, path, fragment):
    with pytest.raises(QueryError) as caught:
        parse_query(spec, SHOP_SCHEMA)
    assert caught.value.path == path
    assert fragment in caught.value.message
    assert caught.value.as_dict() == {"message": caught.value.message, "path": path}


def test_an_invalid_query_is_refused_before_the_dataset_is_prepared(shops):
    with pytest.raises(QueryError):
        run_query(shops, {"group_by": ["shop_id"]})
    shops.refresh_from_db()
    assert shops.dataset_state == "absent" and not shops.dataset_parquet


# --- SQL injection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ({"group_by": ["visitors; DROP TABLE x"]}, "group_by[0]"),
        (
            {"aggregates": [{"fn": "sum", "column": "visitors); DROP TABLE x; --"}]},
            "aggregates[0].column",
        ),
        ({"aggregates": [{"fn": "count", "as": 'n" FROM x; --'}]}, "aggregates[0].as"),
        ({"aggregates": [{"fn": "count(*); DROP TABLE x; --"}]}, "aggregates[0].fn"),
        (
            {"filters": [{"column": "1=1 OR district", "op": "eq", "value": "x"}]},
            "filters[0].column",
        ),
        (
            {"filters": [{"column": "district", "op": "= 'x' OR 1=1 --", "value": "x"}]},
            "filters[0].op",
        ),
        ({"order_by": [{"column": "count; DROP TABLE x"}]}, "order_by[0].column"),
        (
            {"order_by": [{"column": "count", "direction": "desc; DROP TABLE x"}]},
            "order_by[0].direction",
        ),
    ],
)
def test_sql_in_a_name_is_refused(shops, spec, path):
    with pytest.raises(QueryError) as caught:
        run_query(shops, spec)
    assert caught.value.path == path


@pytest.mark.parametrize(
    "value", ["' OR 1=1 --", "KLCC' OR '1'='1", "x'); DROP TABLE dx_ds_registry; --", "%s", "100%"]
)
def test_sql_in_a_value_is_only_a_value(actor, value):
    version = make_shops(actor, k=2)
    eq = run_query(version, {"filters": [{"column": "district", "op": "eq", "value": value}]})
    assert (eq.rows, eq.groups_suppressed) == ([], 0)
    listed = run_query(
        version,
        {
            "group_by": ["district"],
            "filters": [{"column": "district", "op": "in", "value": ["KLCC", value]}],
        },
    )
    assert listed.rows == [["KLCC", 10]]
    assert run_query(version, {}).rows == [[TOTAL_ROWS]]


def test_the_result_is_json_serialisable(shops):
    result = run_query(
        shops,
        {
            "group_by": ["district", "open_late"],
            "aggregates": [
                {"fn": "count"},
                {"fn": "avg", "column": "spend"},
                {"fn": "min", "column": "opened"},
            ],
            "filters": [
                {"column": "opened", "op": "between", "value": ["2024-01-01", "2024-12-31"]}
            ],
            "order_by": [{"column": "count", "direction": "desc"}],
            "limit": 50,
        },
    )
    document = json.loads(json.dumps(result.to_dict()))
    assert document["region"] == "my" and document["private"] is False
    assert set(document) == {
        "columns",
        "rows",
        "groups_returned",
        "groups_suppressed",
        "min_group_size",
        "rows_matched",
        "truncated",
        "cells_suppressed",
        "query",
        "private",
        "region",
    }
    assert document["columns"] == ["district", "open_late", "count", "avg_spend", "min_opened"]
    assert all(row[2] >= 10 for row in document["rows"])
    assert document["query"]["filters"][0]["value"] == ["2024-01-01", "2024-12-31"]
