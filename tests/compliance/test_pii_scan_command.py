"""`manage.py pii_scan FILE.csv`: the technical stage's personal-data scan from the shell."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from marketplace.management.commands import pii_scan as command_module


def cn_resident_id(first17: str = "44030519880808123") -> str:
    """GB 11643: weights 2^(17-i) mod 11 over the first 17 digits, check '10X98765432'[sum % 11]."""
    total = sum(int(digit) * (2 ** (17 - i) % 11) for i, digit in enumerate(first17))
    return first17 + "10X98765432"[total % 11]


def sg_nric(digits: str = "1234567", prefix: str = "S") -> str:
    total = sum(int(d) * w for d, w in zip(digits, (2, 7, 6, 5, 4, 3, 2), strict=True))
    return prefix + digits + "JZIHGFEDCBA"[total % 11]


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


CN_ID = cn_resident_id()
SG_ID = sg_nric()
EMAIL = "siti.aminah@example.com"
CARD = "4111 1111 1111 1111"


def write_csv(path, rows) -> str:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return str(path)


@pytest.fixture
def sample(tmp_path) -> str:
    return write_csv(
        tmp_path / "customers.csv",
        [
            ["district", "identifier", "contact", "visits"],
            ["Bukit Bintang", CN_ID, "", "12"],
            ["KLCC", SG_ID, "", "7"],
            ["Mid Valley", "", EMAIL, "3"],
            ["Bangsar", "", CARD, "9"],
            ["Cheras", "", "", "4"],
        ],
    )


def run(*args) -> str:
    out = io.StringIO()
    call_command("pii_scan", *args, stdout=out)
    return out.getvalue()


def test_the_vectors_are_valid():
    assert SG_ID == "S1234567D"
    assert luhn_valid(CARD.replace(" ", ""))
    assert len(CN_ID) == 18


def test_json_findings_with_rows_kinds_and_masks(sample):
    document = json.loads(run(sample, "--json"))
    findings = [(f["row"], f["column"], f["kind"]) for f in document["findings"]]
    assert findings == [
        (1, "identifier", "cn_resident_id"),
        (2, "identifier", "sg_nric"),
        (3, "contact", "email"),
        (4, "contact", "bank_card"),
    ]
    assert document["rows_scanned"] == 5
    assert document["counts_by_kind"] == {
        "cn_resident_id": 1,
        "my_nric": 0,
        "sg_nric": 1,
        "phone": 0,
        "email": 1,
        "bank_card": 1,
    }
    masked = {f["kind"]: f["masked"] for f in document["findings"]}
    assert masked["cn_resident_id"] == "44" + "*" * 15 + CN_ID[-1]
    assert masked["sg_nric"] == "S*******D"
    assert masked["email"] == "s***@example.com"
    assert masked["bank_card"] == "************1111"
    raw_text = json.dumps(document)
    for raw in (CN_ID, SG_ID, EMAIL, CARD, CARD.replace(" ", ""), "siti.aminah"):
        assert raw not in raw_text


def test_readable_table(sample):
    text = run(sample)
    assert "5 data rows scanned, 4 findings" in text
    assert "Row" in text and "Masked value" in text
    assert "S*******D" in text and "cn_resident_id" in text
    assert "bank_card 1" in text
    assert CN_ID not in text and EMAIL not in text


def test_max_findings_lists_fewer_but_counts_all(sample):
    document = json.loads(run(sample, "--json", "--max-findings", "1"))
    assert len(document["findings"]) == 1 and document["truncated"] is True
    assert sum(document["counts_by_kind"].values()) == 4
    assert "3 more findings not listed" in run(sample, "--max-findings", "1")


def test_a_clean_file_has_no_findings(tmp_path):
    path = write_csv(tmp_path / "clean.csv", [["hour", "visitors"], ["9", "120"], ["10", "98"]])
    document = json.loads(run(path, "--json"))
    assert document["findings"] == [] and document["rows_scanned"] == 2


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(CommandError) as caught:
        run(str(tmp_path / "nowhere.csv"), "--json")
    assert caught.value.returncode == 2
    assert "nowhere.csv" in str(caught.value)


def test_bad_csv_names_the_line(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text(f"district,contact\nKLCC,{EMAIL}\nBangsar,a,b\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        run(str(path), "--json")
    assert caught.value.returncode == 2
    assert "line 3" in str(caught.value)
    assert "expected 2 fields" in str(caught.value)


def test_undecodable_bytes_name_the_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"district,contact\nKLCC,x\nJohor Bahru,caf\xe9\n")
    with pytest.raises(CommandError) as caught:
        run(str(path))
    assert "line 3" in str(caught.value) and caught.value.returncode == 2


def test_the_file_is_streamed_not_read_whole(sample, monkeypatch):
    seen = {}
    real_scan = command_module.scan_csv

    def spy(stream, **kwargs):
        seen["stream"] = stream
        return real_scan(stream, **kwargs)

    monkeypatch.setattr(command_module, "scan_csv", spy)
    run(sample, "--json")
    assert hasattr(seen["stream"], "read") and not isinstance(seen["stream"], bytes | str)
    assert seen["stream"].closed  # opened by the command, closed once scanned
