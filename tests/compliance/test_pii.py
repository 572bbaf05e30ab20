"""The personal-data scanner and the streaming CSV reader (pure: no database, no Django).

Test vectors are generated here with independent implementations of each checksum, plus a
few published examples (GB 11643's own example ID, GovTech's M-series FIN vector).
"""

import io
import json
import time
import tracemalloc
from datetime import date, timedelta

import pytest

from compliance.checks.pii import (
    KINDS,
    PiiFinding,
    card_network,
    find_phones,
    is_bank_card,
    is_cn_resident_id,
    is_email,
    is_my_nric,
    is_phone_column,
    is_sg_nric,
    mask,
    scan_cell,
    scan_csv,
    scan_rows,
)
from kernel.tabular.csvstream import CsvFormatError, iter_csv

# --- vector builders (deliberately not reusing the module's helpers) -----------------------


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def cn_check(first17: str) -> str:
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


def cn_id(area: str = "110105", born: str = "19491231", seq: int = 2, *, card_safe=True) -> str:
    """A resident ID with a correct check character; with card_safe, one that is not also a
    Luhn-valid digit run (so any finding can only come from the resident-ID detector)."""
    for n in range(seq, seq + 100):
        first17 = f"{area}{born}{n % 1000:03d}"
        value = first17 + cn_check(first17)
        if not card_safe or not (value.isdigit() and luhn_ok(value)):
            return value
    raise AssertionError("no vector")


def cn_bad_check(value: str) -> str:
    """Same ID with a wrong check character (and not a Luhn-valid digit run either)."""
    for char in "0123456789X":
        candidate = value[:17] + char
        if char != value[17] and not (candidate.isdigit() and luhn_ok(candidate)):
            return candidate
    raise AssertionError("no vector")


def mykad(born: str = "800101", place: str = "14", serial: str = "5678", dashes=True) -> str:
    return f"{born}-{place}-{serial}" if dashes else f"{born}{place}{serial}"


SG_WEIGHTS = (2, 7, 6, 5, 4, 3, 2)


def sg_nric(prefix: str, digits: str) -> str:
    total = sum(int(d) * w for d, w in zip(digits, SG_WEIGHTS, strict=True))
    total += {"T": 4, "G": 4, "M": 3}.get(prefix, 0)
    r = total % 11
    if prefix in "ST":
        letter = "JZIHGFEDCBA"[r]
    elif prefix in "FG":
        letter = "XWUTRQPNMLK"[r]
    else:  # ICA's M-series steps: P = 11 - r, letter number P of KLJNPQRTUWX
        letter = "KLJNPQRTUWX"[(11 - r) - 1]
    return f"{prefix}{digits}{letter}"


def card(prefix: str, length: int) -> str:
    body = prefix + "7" * (length - len(prefix) - 1)
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def grouped(digits: str, sep: str = " ") -> str:
    return sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))


def only(text: str, **kwargs) -> list[str]:
    """The kinds found in one cell, in text order."""
    return [kind for kind, _ in scan_cell(text, **kwargs)]


VALID_ID = cn_id("440305", "19850615", 123)


# --- China resident ID ---------------------------------------------------------------------


def test_cn_published_example_is_found_and_masked():
    # The worked example of GB 11643-1999 itself.
    assert cn_check("11010519491231002") == "X"
    assert scan_cell("11010519491231002X") == [("cn_resident_id", "11***************X")]


@pytest.mark.parametrize(
    "area", ["110105", "440305", "650102", "710000", "810000", "820000", "830000"]
)
def test_cn_valid_ids_for_province_prefixes_are_found(area):
    value = cn_id(area, "19850615", 123)
    assert is_cn_resident_id(value)
    [(kind, masked)] = scan_cell(value)
    assert kind == "cn_resident_id"
    assert masked == value[:2] + "*" * 15 + value[17]
    assert value not in masked


def test_cn_lowercase_x_is_accepted():
    assert scan_cell("11010519491231002x") == [("cn_resident_id", "11***************X")]


def test_cn_recent_area_code_with_old_birth_date_is_found():
    # 110118 (Miyun District) only exists since 2015; someone born in 1950 who registers
    # there carries it. python-stdnum rejects this real number, which is why the module
    # checks only the province prefix.
    from stdnum.cn import ric

    value = cn_id("110118", "19500704", 31)
    assert not ric.is_valid(value)
    assert is_cn_resident_id(value)
    assert only(value) == ["cn_resident_id"]


@pytest.mark.parametrize(
    "value",
    [
        cn_bad_check(cn_id("110105", "19491231", 2)),
        cn_bad_check(cn_id("440305", "19850615", 123)),
        cn_id("110105", "19490231", 2),  # 31 February
        cn_id("110105", "19491301", 2),  # month 13
        cn_id("110105", "18991231", 2),  # before 1900
        cn_id("110105", (date.today() + timedelta(days=2)).strftime("%Y%m%d"), 2),  # future
        cn_id("100105", "19850615", 2),  # province 10 does not exist
        cn_id("200105", "19850615", 2),
        cn_id("990105", "19850615", 2),
        cn_id("840105", "19850615", 2),
        "11010519491231002",  # 17 digits
        "11010519491231002X1",  # glued to more characters
        "A11010519491231002X",
    ],
)
def test_cn_look_alikes_are_not_findings(value):
    assert scan_cell(value) == []
    assert not is_cn_resident_id(value)


def test_cn_id_that_is_also_luhn_valid_is_reported_as_resident_id_only():
    value = next(
        v
        for seq in range(1000)
        if (v := cn_id("440305", "19850615", seq, card_safe=False)).isdigit() and luhn_ok(v)
    )
    assert only(value) == ["cn_resident_id"]
    assert only(f"id {value} end") == ["cn_resident_id"]


# --- Malaysian MyKad -----------------------------------------------------------------------

MY_PLACE_CODES = {
    *(f"{n:02d}" for n in range(1, 17)),
    *(f"{n:02d}" for n in range(21, 60)),
    *(f"{n:02d}" for n in range(60, 69)),
    "71", "72",
    *(f"{n:02d}" for n in range(74, 80)),
    *(f"{n:02d}" for n in range(82, 94)),
    "98", "99",
}  # fmt: skip


def test_my_place_codes_are_exactly_the_jpn_list():
    accepted = {f"{n:02d}" for n in range(100) if is_my_nric(mykad(place=f"{n:02d}"))}
    assert accepted == MY_PLACE_CODES


@pytest.mark.parametrize("dashes", [True, False])
@pytest.mark.parametrize(
    ("born", "place"),
    [("800101", "14"), ("050315", "01"), ("000229", "10"), ("991231", "59"), ("720704", "99")],
)
def test_my_valid_mykad_is_found(born, place, dashes):
    value = mykad(born, place, "1237", dashes=dashes)
    [(kind, masked)] = scan_cell(value)
    assert kind == "my_nric"
    assert masked == "******-**-***7"
    assert value not in masked


@pytest.mark.parametrize(
    "value",
    [
        mykad("801301", "14"),  # month 13
        mykad("800230", "14"),  # 30 February
        mykad("800100", "14"),  # day 0
        mykad("010229", "14"),  # 29 February in neither 1901 nor 2001
        *(mykad("800101", code) for code in ("00", "17", "20", "69", "70", "73", "80", "81")),
        *(mykad("800101", code) for code in ("94", "97")),
        mykad("800101", "17", dashes=False),
        "800101-145678",  # one dash only
        "800101-14-567",  # too short
        "1800101-14-5678",  # longer digit run
    ],
)
def test_my_look_alikes_are_not_findings(value):
    assert scan_cell(value) == []


# --- Singapore NRIC / FIN ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "S1234567D", "T1234567J", "F1234567N", "G1234567X", "M1234567K",  # published vectors
        "S8076606H", "G4549883U",
        *(sg_nric(p, d) for p in "STFGM" for d in ("0000000", "7654321", "2468013", "9999999")),
    ],
)  # fmt: skip
def test_sg_valid_nric_and_fin_of_each_prefix_is_found(value):
    assert is_sg_nric(value)
    assert scan_cell(value) == [("sg_nric", f"{value[0]}*******{value[8]}")]
    assert scan_cell(value.lower()) == [("sg_nric", f"{value[0]}*******{value[8]}")]
    assert only(f"NRIC: {value}.") == ["sg_nric"]


def test_sg_m_series_uses_icas_letters_not_the_fg_table():
    # r = (2*1+7*2+6*3+5*4+4*5+3*6+2*7 + 3) mod 11 = 10 -> P = 1 -> "K"
    assert is_sg_nric("M1234567K")
    assert not is_sg_nric("M1234567X")  # KLJNPQRTUWX indexed at r
    assert not is_sg_nric("M1234567L")


@pytest.mark.parametrize("prefix", list("STFGM"))
def test_sg_wrong_check_letter_is_not_a_finding(prefix):
    good = sg_nric(prefix, "7654321")
    for letter in "ABCDEFGHIJKLMNPQRTUWXZ":
        if letter != good[8]:
            assert scan_cell(good[:8] + letter) == []


@pytest.mark.parametrize("value", ["A1234567D", "S123456D", "S12345678D", "XS1234567D"])
def test_sg_malformed_is_not_a_finding(value):
    assert scan_cell(value) == []


# --- Phone numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("+60 12-345 6789", "+60 *******89"),
        ("+60123456789", "+60 *******89"),
        ("+86 138 1234 5678", "+86 *********78"),
        ("+8613812345678", "+86 *********78"),
        ("+65 9123 4567", "+65 ******67"),
        ("+6561234567", "+65 ******67"),
        ("0086 138 1234 5678", "+86 *********78"),
        ("+44 20 7946 0958", "+44 ********58"),  # international numbers of any country
        ("012-345 6789", "+60 *******89"),
        ("(010) 1234 5678", "+86 ********78"),
        ("9123 4567", "+65 ******67"),
        ("13812345678", "+86 *********78"),  # bare CN mobile
        ("60 12-345 6789", "+60 *******89"),  # country code without "+", with separators
        ("65 9123 4567", "+65 ******67"),
        ("0123456789", "+60 *******89"),  # leading zero: not a stored integer
        ("60123456789", "+60 *******89"),  # country code + mobile
        ("６５９１２３４５６７", "+65 ******67"),  # full-width digits
    ],
)
def test_phone_numbers_are_found_and_masked(text, masked):
    assert scan_cell(text) == [("phone", masked)]


def test_a_phone_number_found_from_several_regions_is_reported_once():
    assert len(find_phones("+60 12-345 6789")) == 1


def test_phone_in_free_text():
    text = "call +86 138 1234 5678 or 012-345 6789 (office)"
    assert scan_cell(text) == [("phone", "+86 *********78"), ("phone", "+60 *******89")]


@pytest.mark.parametrize(
    "text",
    [
        "1234567", "3.14159", "20240131", "1200345678", "1700000000", "1700000000123",
        "12345678901234567890", "61 234 567", "6123.4567", "-42", "2024-01-31",
        "91234567",  # bare 8-digit SG number: indistinguishable from a count
        "+86 138 1234 567",  # too short to be valid
        "+65 1234 5678",  # no SG number starts with 1
        "1012345678",  # CN landline without its trunk 0: a plain integer
        "10 1234 5678",  # ... also when grouped: not how anyone dials it
        "601300881234",  # country code + toll-free number: bare digits count only for mobiles
        "order 91234567 shipped",  # bare 8 digits inside text
    ],
)  # fmt: skip
def test_numeric_measurements_and_invalid_phones_are_not_findings(text):
    assert scan_cell(text) == []


def test_bare_digits_count_in_a_column_named_for_phones():
    assert only("91234567", phone_column=True) == ["phone"]
    findings = list(scan_rows(["id", "Mobile No", "count"], [["7", "91234567", "91234567"]]))
    assert findings == [PiiFinding(1, "Mobile No", "phone", "+65 ******67")]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("phone", True), ("PhoneNumber", True), ("tel_no", True), ("mobileNo", True),
        ("联系电话", True), ("手机号", True), ("hp", True),
        ("hotel", False), ("telemetry", False), ("count", False), ("amount", False),
    ],
)  # fmt: skip
def test_phone_column_names(header, expected):
    assert is_phone_column(header) is expected


# --- E-mail --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("jane.doe@example.com", "j***@example.com"),
        ("Contact: Wei.Zhang+data@Mail.Example.CN.", "W***@mail.example.cn"),
        ("邮箱：li_na@company.com.my", "l***@company.com.my"),
    ],
)
def test_emails_are_found_and_masked(text, masked):
    assert scan_cell(text) == [("email", masked)]


@pytest.mark.parametrize(
    "text", ["jane@localhost", "jane@@example.com", "jane@example", "@example.com", "a@b.c"]
)
def test_invalid_emails_are_not_findings(text):
    assert scan_cell(text) == []
    assert not is_email(text)


def test_digits_inside_an_email_are_not_reported_again():
    assert only("13812345678@example.com") == ["email"]


# --- Bank cards ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "5555555555554444",
        "378282246310005", "3782 822463 10005", card("62", 19), grouped(card("62", 19)),
        card("4", 13), card("2221", 16), card("65", 19),
    ],
)  # fmt: skip
def test_luhn_valid_cards_are_found(value):
    assert is_bank_card(value)
    digits = value.replace(" ", "").replace("-", "")
    [(kind, masked)] = scan_cell(value)
    assert kind == "bank_card"
    assert masked == "*" * (len(digits) - 4) + digits[-4:]
    assert value not in masked and digits not in masked


@pytest.mark.parametrize(
    "value",
    [
        "4111111111111112",  # Luhn-invalid
        "4111 1111 1111 1112",
        "5555555555554445",
        card("9", 16), card("1", 16), card("7", 16), card("0", 16),  # implausible IIN
        card("67", 19), card("58", 16),  # Maestro ranges: left out
        card("4", 12), card("4", 20),  # too short / too long
        "4111 1111-1111 1111",  # mixed separators
        "4111  1111 1111 1111",  # double space
        "0." + card("4", 16),  # the fractional part of a number
        f"ratio 0.{card('4', 16)} and {card('5', 16)}.25 in text",
    ],
)  # fmt: skip
def test_card_look_alikes_are_not_findings(value):
    assert scan_cell(value) == []


# --- Cells --------------------------------------------------------------------------------


def test_several_values_in_one_cell_are_each_reported():
    text = f"4111111111111111,5555555555554444; ID {VALID_ID}, NRIC s1234567d"
    assert only(text) == ["bank_card", "bank_card", "cn_resident_id", "sg_nric"]


def test_whole_number_floats_are_read_as_integers():
    assert scan_cell("13812345678.0") == [("phone", "+86 *********78")]
    assert scan_cell("800101145678.0") == [("my_nric", "******-**-***8")]
    assert scan_cell("13812345678.5") == []


def test_phone_column_cells_are_scanned_even_without_a_row_candidate():
    # Two-digit groups match none of the row gate's patterns; the column name makes the
    # scanner look anyway.
    assert list(scan_rows(["note"], [["91 23 45 67"]])) == []
    assert list(scan_rows(["tel"], [["91 23 45 67"]])) == [
        PiiFinding(1, "tel", "phone", "+65 ******67")
    ]


def test_a_cell_holding_the_row_separator_character_is_still_scanned():
    rows = [["a\x1fb", "x", "jane@example.com"]]
    assert list(scan_rows(["p", "q", "r"], rows)) == [
        PiiFinding(1, "r", "email", "j***@example.com")
    ]


def test_cells_beyond_the_header_are_named_by_position():
    findings = list(scan_rows(["a"], [["1", "jane@example.com"]]))
    assert findings == [PiiFinding(1, "column 2", "email", "j***@example.com")]


# --- Masking -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("cn_resident_id", "11010519491231002X", "11***************X"),
        ("my_nric", "800101-14-5678", "******-**-***8"),
        ("my_nric", "800101145678", "******-**-***8"),
        ("sg_nric", "s1234567d", "S*******D"),
        ("phone", "+60 12-345 6789", "+60 *******89"),
        ("phone", "13812345678", "+86 *********78"),
        ("email", "jane.doe@example.com", "j***@example.com"),
        ("bank_card", "4111 1111 1111 1111", "************1111"),
    ],
)
def test_mask_formats_hide_the_value(kind, value, masked):
    assert mask(kind, value) == masked
    assert value not in masked


def test_mask_rejects_unknown_kinds():
    with pytest.raises(ValueError):
        mask("passport", "E12345678")


# --- Rows and CSV --------------------------------------------------------------------------


def test_scan_rows_numbers_rows_from_the_first_data_row():
    rows = [
        ["1", "n/a", "3.5"],
        ["2", VALID_ID, "4.0"],
        ["3", "none", "jane@example.com +65 9123 4567"],
    ]
    findings = list(scan_rows(["id", "resident id", "notes"], rows))
    assert findings == [
        PiiFinding(2, "resident id", "cn_resident_id", mask("cn_resident_id", VALID_ID)),
        PiiFinding(3, "notes", "email", "j***@example.com"),
        PiiFinding(3, "notes", "phone", "+65 ******67"),
    ]


def test_scan_csv_over_a_binary_stream_with_bom():
    data = (
        "\ufeffid,name,contact,card\r\n"
        f"1,Li Na,{VALID_ID},\r\n"
        '2,"Tan, Ah Kow","S1234567D / +60 12-345 6789",4111 1111 1111 1111\r\n'
        "3,Measured,1234567,3.14159\r\n"
    ).encode()
    stream = io.BytesIO(data)
    result = scan_csv(stream)
    assert result.columns == ["id", "name", "contact", "card"]
    assert result.rows_scanned == 3
    assert [(f.row, f.column, f.kind) for f in result.findings] == [
        (1, "contact", "cn_resident_id"),
        (2, "contact", "sg_nric"),
        (2, "contact", "phone"),
        (2, "card", "bank_card"),
    ]
    assert result.counts_by_kind == {
        "cn_resident_id": 1, "my_nric": 0, "sg_nric": 1, "phone": 1, "email": 0, "bank_card": 1,
    }  # fmt: skip
    assert set(result.counts_by_kind) == set(KINDS)
    assert result.has_personal_data and not result.truncated
    stored = json.dumps(result.to_dict())
    for raw in (VALID_ID, "S1234567D", "12-345 6789", "4111 1111 1111 1111"):
        assert raw not in stored
    assert not stream.closed  # the caller's file stays usable


def test_scan_csv_over_a_text_stream():
    result = scan_csv(io.StringIO("a,b\r\nx,jane@example.com\r\n", newline=""))
    assert result.findings == [PiiFinding(1, "b", "email", "j***@example.com")]


def test_scan_csv_caps_findings_but_counts_everything():
    lines = ["email"] + [f"user{n}@example.com" for n in range(25)]
    result = scan_csv(io.BytesIO("\n".join(lines).encode()), max_findings=10)
    assert len(result.findings) == 10
    assert result.truncated
    assert result.counts_by_kind["email"] == 25
    assert result.total == 25
    assert result.rows_scanned == 25
    assert [f.row for f in result.findings] == list(range(1, 11))


def test_scan_csv_without_personal_data():
    data = b"sensor,reading,day\nA1,3.14159,20240131\nA2,1234567,20240201\n"
    result = scan_csv(io.BytesIO(data))
    assert result.findings == [] and not result.has_personal_data
    assert result.rows_scanned == 2


def test_scan_csv_in_another_encoding():
    data = f"姓名,证件\n张三,{VALID_ID}\n".encode("gb18030")
    result = scan_csv(io.BytesIO(data), encoding="gb18030")
    assert result.columns == ["姓名", "证件"]
    assert [f.kind for f in result.findings] == ["cn_resident_id"]


class ReadOnlyProxy:
    """Like Django's ``File``: not an ``io`` object, just something with ``read``."""

    def __init__(self, data: bytes) -> None:
        self._file = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)


def test_scan_csv_over_a_duck_typed_binary_file():
    result = scan_csv(ReadOnlyProxy(b"id,mail\n1,jane@example.com\n"))
    assert result.findings == [PiiFinding(1, "mail", "email", "j***@example.com")]


# --- CSV errors name the line --------------------------------------------------------------


def _csv_error(data: bytes, **kwargs) -> CsvFormatError:
    with pytest.raises(CsvFormatError) as caught:
        header, rows = iter_csv(io.BytesIO(data), **kwargs)
        for _ in rows:
            pass
    return caught.value


def test_undecodable_bytes_name_the_line():
    error = _csv_error(b"a,b\n1,2\n3,\xff\xfe\n4,5\n")
    assert error.line == 3
    assert "line 3" in str(error) and "0xFF" in str(error) and "utf-8" in str(error)


def test_undecodable_bytes_deep_in_a_large_file_name_the_right_line():
    data = b"a,b\n" + b"1,2\n" * 50_000 + b"3,caf\xe9\n"
    assert _csv_error(data).line == 50_002


def test_unknown_encoding_is_a_format_error():
    error = _csv_error(b"a\n1\n", encoding="no-such-codec")
    assert "no-such-codec" in str(error)


def test_empty_file_and_empty_header():
    assert _csv_error(b"").line == 1
    assert "empty file" in str(_csv_error(b""))
    assert _csv_error(b"\n1,2\n").line == 1


def test_field_count_mismatch_names_the_line():
    error = _csv_error(b"a,b,c\n1,2,3\n4,5\n6,7,8\n")
    assert error.line == 3
    assert "expected 3 fields" in str(error) and "found 2" in str(error)


def test_line_numbers_count_quoted_line_breaks_and_blank_lines():
    data = b'a,b\n1,"two\nlines"\n\n3,4,5\n'
    assert _csv_error(data).line == 5


def test_nul_byte_names_the_line():
    error = _csv_error(b"a,b\n1,2\n3,4\x005\n")
    assert error.line == 3 and "NUL" in str(error)


def test_utf16_file_is_rejected_as_nul_bytes():
    error = _csv_error("a,b\n1,2\n".encode("utf-16-le"))
    assert error.line == 1


def test_unclosed_quote_names_the_line_where_the_record_starts():
    error = _csv_error(b'a,b\n1,2\n3,"never closed\n4,5\n6,7\n')
    assert error.line == 3
    assert "never closed" in str(error)


def test_overlong_line_is_rejected_without_reading_it_whole():
    error = _csv_error(b"a,b\n1," + b"9" * 5000 + b"\n", max_line_chars=1000)
    assert error.line == 2


def test_rows_report_where_each_record_starts():
    header, rows = iter_csv(io.BytesIO(b'a,b\n1,"x\ny"\n2,z\n'))
    assert header == ["a", "b"]
    starts = [(row, rows.line) for row in rows]
    assert starts == [(["1", "x\ny"], 2), (["2", "z"], 4)]
    assert rows.records == 2


# --- Streaming: memory stays flat ----------------------------------------------------------


class GeneratedCsv(io.RawIOBase):
    """A CSV of ``size`` bytes or a little more, produced on demand and never held whole.

    A block of 1000 rows (~250 bytes each: ten columns, one free-text note, one e-mail
    address and one phone number per block) is built once and then served again and again,
    so the test measures the scanner's allocations rather than the generator's.
    """

    HEADER = b"id,station,region,reading_a,reading_b,day,status,count,note,contact\n"
    NOTE = (
        "Hourly aggregate from the municipal sensor network; values are averaged over "
        "the reporting window and rounded to four decimal places after calibration."
    )

    def __init__(self, size: int) -> None:
        super().__init__()
        self.block = self._block()
        self.blocks = -(-size // len(self.block))
        self._served = 0
        self._view = memoryview(self.HEADER)

    @classmethod
    def _block(cls) -> bytes:
        lines = []
        for n in range(1, 1001):
            contact = {500: "jane@example.com", 1000: "+65 9123 4567"}.get(n, "")
            lines.append(
                f"{n},ST-{n % 97:03d},Region {n % 13},{n * 0.37:.4f},{n % 700 / 7:.4f},"
                f"2024-{n % 12 + 1:02d}-15,{'ok' if n % 5 else 'late'},{n * 37},"
                f'"{cls.NOTE}",{contact}\n'
            )
        return "".join(lines).encode()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self._view:
            if self._served == self.blocks:
                return 0
            self._served += 1
            self._view = memoryview(self.block)
        size = min(len(buffer), len(self._view))
        buffer[:size] = self._view[:size]
        self._view = self._view[size:]
        return size


def test_scan_csv_streams_in_constant_memory():
    scan_csv(io.BytesIO(b"a,b\n+65 9123 4567,jane@example.com\n"))  # load lazy metadata
    source = GeneratedCsv(20 * 1024 * 1024)
    started = time.perf_counter()
    tracemalloc.start()
    try:
        result = scan_csv(source, max_findings=100)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - started
    assert result.rows_scanned == source.blocks * 1000
    assert result.counts_by_kind["email"] == result.counts_by_kind["phone"] == source.blocks
    assert result.total == 2 * source.blocks and result.truncated
    assert peak < 4 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB over {source.blocks} blocks"
    assert elapsed < 60  # ~5 s here under tracemalloc; a generous bound for slow CI machines


# --- Bank cards: issuer ranges and lengths per network --------------------------------------


@pytest.mark.parametrize(
    ("network", "prefix", "length"),
    [
        ("Visa", "4", 13), ("Visa", "4", 16), ("Visa", "4", 19),
        ("Mastercard", "51", 16), ("Mastercard", "55", 16),
        ("Mastercard", "2221", 16), ("Mastercard", "2720", 16),
        ("UnionPay", "62", 16), ("UnionPay", "62", 17), ("UnionPay", "62", 18),
        ("UnionPay", "62", 19),
        ("American Express", "34", 15), ("American Express", "37", 15),
        ("JCB", "3528", 16), ("JCB", "3589", 19),
        ("Discover", "6011", 16), ("Discover", "644", 17), ("Discover", "649", 18),
        ("Discover", "65", 19),
        ("Diners Club", "300", 14), ("Diners Club", "305", 16), ("Diners Club", "36", 14),
        ("Diners Club", "38", 19),
    ],
)  # fmt: skip
def test_each_network_is_recognised_by_range_and_length(network, prefix, length):
    number = card(prefix, length)
    assert card_network(number) == network
    assert is_bank_card(number)
    assert only(number) == ["bank_card"]


@pytest.mark.parametrize(
    ("prefix", "length"),
    [
        ("4", 14), ("4", 15), ("4", 17), ("4", 18),  # Visa issues 13, 16 and 19 digits
        ("51", 15), ("55", 19), ("2220", 16), ("2721", 16),  # Mastercard: 16, 51-55, 2221-2720
        ("34", 16), ("37", 14),  # Amex: 15 only
        ("3527", 16), ("3590", 16), ("3528", 15),  # JCB: 3528-3589, 16-19
        ("6010", 16), ("643", 16), ("650", 15),  # Discover: 6011, 644-649, 65; 16-19
        ("306", 14), ("37", 14), ("39", 16), ("300", 13),  # Diners: 300-305, 36, 38; 14-19
        ("62", 15),  # UnionPay: 16-19
        ("5", 18), ("2", 18), ("3", 18),  # 18-digit order numbers and IDs
    ],
)  # fmt: skip
def test_luhn_valid_numbers_outside_any_network_are_not_cards(prefix, length):
    number = card(prefix, length)
    assert card_network(number) is None
    assert not is_bank_card(number)
    assert "bank_card" not in only(number)


def test_an_18_digit_order_number_that_passes_luhn_is_not_a_card():
    order = card("4", 18)  # Luhn-valid, starts like a Visa, but Visa has no 18-digit cards
    assert luhn_ok(order)
    assert scan_cell(f"order {order} shipped") == []


@pytest.mark.parametrize(
    ("locale", "card_type"),
    [
        ("en_US", "visa13"), ("en_US", "visa16"), ("en_US", "visa19"),
        ("en_US", "mastercard"), ("en_US", "amex"), ("en_US", "discover"),
        ("en_US", "diners"), ("en_US", "jcb16"), ("zh_CN", "unionpay"),
    ],
)  # fmt: skip
def test_the_table_covers_the_numbers_a_maintained_library_issues(locale, card_type):
    """Faker (a maintained library of issuer ranges) generates numbers for each network:
    every one it makes is recognised as a card. Faker writes JCB's range as "35"; JCB's
    assigned range is 3528-3589, so only those are cards (3500-3527 and 3590-3599 are not)."""
    from faker import Faker

    fake = Faker(locale)
    fake.seed_instance(15)
    for _ in range(300):
        number = fake.credit_card_number(card_type=card_type)
        if card_type == "jcb16" and not 3528 <= int(number[:4]) <= 3589:
            assert not is_bank_card(number), number
            continue
        assert is_bank_card(number), (card_type, number)


# --- E-mail: internationalised addresses ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("张伟@例子.中国", "张***@例子.中国"),
        ("联系：张伟@例子.中国", "张***@例子.中国"),
        ("张伟@例子。中国", "张***@例子.中国"),  # ideographic full stop between labels
        ("用户@例子.广告 ", "用户"[:1] + "***@例子.广告"),
        ("siti@kedai-buku.my", "s***@kedai-buku.my"),
        ("θσερ@εχαμπλε.ψομ", "θ***@εχαμπλε.ψομ"),
        ("josé@bücher.de", "j***@bücher.de"),
        ("Ｗｅｉ＠ｅｘａｍｐｌｅ．ｃｎ", "W***@example.cn"),  # full width, NFKC
    ],
)
def test_internationalised_emails_are_found_and_masked(text, masked):
    assert scan_cell(text) == [("email", masked)]
    assert "张伟" not in scan_cell(text)[0][1]


@pytest.mark.parametrize(
    "text", ["张伟@例子", "张伟@@例子.中国", "@例子.中国", "张伟@例子.中", "张伟@-例子.中国"]
)
def test_internationalised_look_alikes_are_not_findings(text):
    assert scan_cell(text) == []


def test_an_idn_email_in_a_csv_is_reported_masked():
    result = scan_csv(io.BytesIO("name,contact\n张伟,张伟@例子.中国\n".encode()))
    assert result.counts_by_kind["email"] == 1
    [finding] = result.findings
    assert (finding.row, finding.column, finding.masked) == (1, "contact", "张***@例子.中国")
