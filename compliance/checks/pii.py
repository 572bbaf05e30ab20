"""Personal-data scanner for sample rows of a submitted product version (pure: no Django).

Kinds reported (``KINDS``): ``cn_resident_id``, ``my_nric``, ``sg_nric``, ``phone``,
``email``, ``bank_card``. A value is a finding only if it passes the kind's checksum or
structural validation; a look-alike that fails it is not reported. The raw value is never
returned or stored: every finding carries only ``mask(kind, value)``.

Validators, and why they are written here
-----------------------------------------
China resident ID (GB 11643): 17 digits + check character ``"10X98765432"[Σ dᵢ·wᵢ mod 11]``
with ``wᵢ = 2^(17−i) mod 11``; birth date YYYYMMDD must be a real date, year ≥ 1900 and not
in the future; the first two digits must be a province-level code (11–15, 21–23, 31–37,
41–46, 50–54, 61–65, 71, 81, 82, and 83 for Hong Kong/Macau/Taiwan residence permits). A
lowercase ``x`` is accepted. ``stdnum.cn.ric`` is *not* used: it also looks the full
six-digit area code up in a dated county list and rejects a number whose county did not
exist in the birth year. The area code records where the number was issued, which can be
long after birth (e.g. 110118 Miyun District dates from 2015 and is carried by people born
in the 1950s), so that check rejects real numbers; its list also lacks prefix 83. Only the
province prefix is checked here. First-generation 15-digit IDs (no check digit) are not
detected: without a checksum they cannot be told apart from ordinary numbers.

Malaysian MyKad: ``YYMMDD-PB-###G``, written with both dashes or none. The date must be
real as 19YY-MM-DD or 20YY-MM-DD, whichever is not in the future. The place-of-birth code
``PB`` is checked against python-stdnum's copy of the JPN list (``stdnum.my.nric``'s
birth-place database: 01–16, 21–59, 60–68, 71, 72, 74–79, 82–93, 98, 99), read once into a
set. ``stdnum.my.nric.is_valid`` itself applies the same rules but costs ~30 µs a call, too
slow for numeric columns full of 12-digit values. There is no check digit.

Singapore NRIC/FIN: prefix S/T/F/G/M, 7 digits, check letter. ``s = Σ dᵢ·(2,7,6,5,4,3,2)``
plus 4 for T/G and 3 for M, ``r = s mod 11``; S/T take ``"JZIHGFEDCBA"[r]``, F/G take
``"XWUTRQPNMLK"[r]``. M (issued from 2022) follows ICA's published steps: ``P = 11 − r``,
letter = ``"KLJNPQRTUWX"[P − 1]``, i.e. index ``10 − r``. That is GovTech's reference
implementation (opengovsg/FormSG PR #2930, with its test vector ``M1234567K``). Note that
indexing ``"XWUTRQPNMLK"`` at ``10 − r`` (an earlier reading) is wrong, and several
third-party libraries index ``"KLJNPQRTUWX"`` at ``r``; neither matches ICA's letters.
Case-insensitive.

Bank cards: 13–19 digits, contiguous or in groups of 3–6 split by one kind of separator
(single spaces or single dashes), Luhn-valid (``stdnum.luhn``), and a number a card network
issues: its issuer range (IIN prefix) and its length together (``CARD_NETWORKS``):

=============  ====================================  ==============
network        issuer range                          lengths
=============  ====================================  ==============
Visa           4                                     13, 16, 19
Mastercard     51–55, 2221–2720                      16
UnionPay       62                                    16–19
Amex           34, 37                                15
JCB            3528–3589                             16–19
Discover       6011, 644–649, 65                     16–19
Diners Club    300–305, 36, 38                       14–19
=============  ====================================  ==============

The ranges are the networks' issuer ranges as the maintained Faker library carries them
(``faker.providers.credit_card`` and, for UnionPay, its ``zh_CN`` provider; the tests check
this table against the numbers it generates), widened to every length each network issues;
for JCB, whose range Faker writes as ``35``, the assigned 3528–3589. Maestro (50, 56–69,
12–19 digits) is left out: its ranges cover most numbers that begin with 5 or 6 and would
bring back the false positives the table exists to avoid. An 18-digit order number starting
with 4 or 5 is therefore not a card, however it passes Luhn. A digit run that is a valid
China resident ID is reported as ``cn_resident_id`` only.

E-mail: candidates found by a regex that accepts internationalised addresses (a local part
and a domain in any script, ``张伟@例子.中国``, with ``.`` or the ideographic full stop ``。``
between labels), confirmed with ``email_validator.validate_email(...,
check_deliverability=False)``, which applies RFC 6531 and IDNA 2008 to them. In text written
without spaces (Chinese) the local part may take in the words before it; the address is
still found, and its mask shows only its first character and the domain.

Phone numbers and the rule against numeric false positives
----------------------------------------------------------
Candidates come from ``phonenumbers.PhoneNumberMatcher`` with leniency VALID for regions
CN, MY and SG (a ``+``-prefixed number of any country is found from every region), and must
pass ``is_valid_number``. Plain numbers in numeric columns are common, so a match counts
only if its raw text is one of:

1. international: starts with ``+`` or ``00`` (an international dialling prefix);
2. written with separators (space, dash, parentheses, or two or more dots) and its digits
   are exactly the national dialling form (trunk ``0`` included where the region uses it) or
   country code + national number, and it is not a thousands-grouped amount
   (``61 234 567``);
3. digits only, and either it starts with ``0`` (a stored integer never keeps a leading
   zero: ``0123456789``, ``01012345678``), or it is a mobile number of at least 10 digits in
   national form or country code + number (``13812345678``, ``60123456789``,
   ``6591234567``). An 8-digit Singapore number written as bare digits (``91234567``) is not
   reported because any 8-digit count would qualify;
4. anything valid under 2 or 3 in a column whose header names a phone column (``phone``,
   ``tel``, ``mobile``, ``msisdn``, ``hp``, ``手机``, ``电话`` …): there bare digits count too.

A phone match overlapping a span already claimed by another kind (an ID, a card, an e-mail)
is dropped. Known trade-off: an 11-digit integer in 13000000000–19999999999 that is a valid
CN mobile number (e.g. a byte count) is reported, as the exchange would rather review a false
positive than miss the commonest form of Chinese personal data.

Cells
-----
Cells that are a plain decimal (``3.14159``) are never scanned; a whole-number float
(``13812345678.0``, as pandas writes integer columns with gaps) is read as its integer.
Digit runs are only taken whole: a match may not touch an ASCII letter or digit on either
side, nor continue a decimal (``0.110105…``). Full-width characters (``１３８``, ``＠``) are
NFKC-normalised first. ``scan_rows`` first runs one cheap regex over each row
(``_CANDIDATE``) and looks closer only at the cells it points to, plus every non-empty cell
of a phone column.

Masking (``mask``)
------------------
- ``cn_resident_id``: first 2 (province) + ``*`` + check character, same length:
  ``11***************X``.
- ``my_nric``: ``******-**-***N``, keeping the last digit.
- ``sg_nric``: prefix and check letter: ``S*******D``.
- ``phone``: country code and last 2 digits: ``+60 *******89``.
- ``email``: first character of the local part + ``***@`` + domain: ``j***@example.com``.
- ``bank_card``: last 4 digits, one ``*`` per other digit: ``************1111``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, NamedTuple

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberType
from stdnum import luhn

from kernel.tabular.csvstream import DEFAULT_ENCODING, iter_csv

CN_RESIDENT_ID = "cn_resident_id"
MY_NRIC = "my_nric"
SG_NRIC = "sg_nric"
PHONE = "phone"
EMAIL = "email"
BANK_CARD = "bank_card"
KINDS = (CN_RESIDENT_ID, MY_NRIC, SG_NRIC, PHONE, EMAIL, BANK_CARD)

__all__ = [
    "KINDS",
    "PiiFinding",
    "PiiMatch",
    "PiiScanResult",
    "CARD_NETWORKS",
    "card_network",
    "cn_resident_id_check_char",
    "find_bank_cards",
    "find_cn_resident_ids",
    "find_emails",
    "find_my_nrics",
    "find_phones",
    "find_pii",
    "find_sg_nrics",
    "is_bank_card",
    "is_cn_resident_id",
    "is_email",
    "is_my_nric",
    "is_phone_column",
    "is_sg_nric",
    "mask",
    "scan_cell",
    "scan_csv",
    "scan_rows",
    "sg_nric_check_letter",
]


class PiiMatch(NamedTuple):
    """One detected value inside a cell: where it is and its mask, never the value itself."""

    kind: str
    start: int
    end: int
    masked: str


@dataclass(frozen=True)
class PiiFinding:
    row: int  # 1 = first data row after the header
    column: str  # header name
    kind: str
    masked: str


@dataclass(frozen=True)
class PiiScanResult:
    findings: list[PiiFinding]  # at most max_findings, in file order
    truncated: bool  # True when findings were left out of ``findings``
    counts_by_kind: dict[str, int]  # every kind, all findings counted even when truncated
    rows_scanned: int
    columns: list[str]
    counts_by_column: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts_by_kind.values())

    @property
    def has_personal_data(self) -> bool:
        return self.total > 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (masked values only) for storing as a check's evidence."""
        return {
            "findings": [
                {"row": f.row, "column": f.column, "kind": f.kind, "masked": f.masked}
                for f in self.findings
            ],
            "truncated": self.truncated,
            "counts_by_kind": dict(self.counts_by_kind),
            "counts_by_column": dict(self.counts_by_column),
            "rows_scanned": self.rows_scanned,
            "columns": list(self.columns),
        }


# Boundaries shared by the digit-based detectors: not inside a longer alphanumeric token and
# not the fractional or integer part of a decimal number (commas separate list items here;
# decimal commas are not used in CN, MY or SG).
_LEFT = r"(?<![0-9A-Za-z])(?<![0-9]\.)"
_RIGHT = r"(?![0-9A-Za-z])(?!\.[0-9])"
_DIGITS_ONLY = re.compile(r"[0-9]+")
_NON_DIGITS = re.compile(r"[^0-9]+")
_DECIMAL = re.compile(r"[+-]?[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?")
# An integer column written out as floats (pandas does this when a column has gaps).
_WHOLE_FLOAT = re.compile(r"([0-9]+)\.0+")
# Cheap gate over a row's cells joined by "\x1f": text with none of these cannot hold any
# kind — no "@", no "+digit", no 7-digit run, no dashed MyKad, no two 3-digit groups side by
# side (how cards and national phone numbers are written), no dotted phone number. Full-width
# forms are included because cells are NFKC-normalised only once they pass; a single decimal
# point is not a separator, so measurements like 1234.5678 do not pass. The leading
# lookahead lets the regex engine skip every other character quickly (~5x faster on text),
# and no branch can match across "\x1f", so each match lies inside one cell.
_CELL_SEPARATOR = "\x1f"
_D = "[0-9０-９]"
_CANDIDATE = re.compile(
    r"(?=[@＠﹫+＋﹢0-9０-９])"
    r"(?:[@＠﹫]"
    rf"|[+＋﹢][ \t\u3000]*[(（]?{_D}"
    rf"|{_D}{{3}}(?:{_D}{{4}}"  # 7 digits in a row
    rf"|{_D}{{3}}[-－]{_D}{{2}}[-－]"  # YYMMDD-PB-
    rf"|[ ()（）－\u3000-]{{1,2}}{_D}{{3}}"  # 3 digits, separator, 3 digits
    rf"|[.．]{_D}{{3,4}}[.．]{_D}{{3,4}}))"  # 012.345.6789
)


def _today() -> date:
    return date.today()


def _real_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


# --- China resident identity card (GB 11643) -----------------------------------------------

_CN_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CN_CHECK_CHARS = "10X98765432"
_CN_PROVINCES = frozenset(
    f"{n}"
    for n in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
        83,
    )
)
_CN_SHAPE = re.compile(r"[0-9]{17}[0-9Xx]")
_CN_FIND = re.compile(_LEFT + r"[0-9]{17}[0-9Xx]" + _RIGHT)


def cn_resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _CN_WEIGHTS, strict=True))
    return _CN_CHECK_CHARS[total % 11]


def is_cn_resident_id(value: str) -> bool:
    value = value.strip()
    if not _CN_SHAPE.fullmatch(value) or value[:2] not in _CN_PROVINCES:
        return False
    born = _real_date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    if born is None or born.year < 1900 or born > _today():
        return False
    return cn_resident_id_check_char(value[:17]) == value[17].upper()


def find_cn_resident_ids(text: str) -> list[PiiMatch]:
    return [
        PiiMatch(CN_RESIDENT_ID, m.start(), m.end(), mask(CN_RESIDENT_ID, m.group()))
        for m in _CN_FIND.finditer(text)
        if is_cn_resident_id(m.group())
    ]


# --- Malaysian MyKad -----------------------------------------------------------------------

_MY_SHAPE = re.compile(r"([0-9]{6})(-?)([0-9]{2})\2([0-9]{4})")
_MY_FIND = re.compile(_LEFT + _MY_SHAPE.pattern + _RIGHT)


@functools.cache
def _my_place_codes() -> frozenset[str]:
    """Place-of-birth codes in python-stdnum's copy of the JPN list."""
    from stdnum.exceptions import ValidationError
    from stdnum.my import nric

    codes = set()
    for n in range(100):
        code = f"{n:02d}"
        try:
            nric.get_birth_place(f"000101{code}0000")
        except ValidationError:
            continue
        codes.add(code)
    return frozenset(codes)


def _my_birth_date_ok(yymmdd: str) -> bool:
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    today = _today()
    for century in (1900, 2000):
        born = _real_date(century + yy, mm, dd)
        if born is not None and born <= today:
            return True
    return False


def is_my_nric(value: str) -> bool:
    match = _MY_SHAPE.fullmatch(value.strip())
    return bool(match and match.group(3) in _my_place_codes() and _my_birth_date_ok(match.group(1)))


def find_my_nrics(text: str) -> list[PiiMatch]:
    return [
        PiiMatch(MY_NRIC, m.start(), m.end(), mask(MY_NRIC, m.group()))
        for m in _MY_FIND.finditer(text)
        if is_my_nric(m.group())
    ]


# --- Singapore NRIC / FIN ------------------------------------------------------------------

_SG_WEIGHTS = (2, 7, 6, 5, 4, 3, 2)
_SG_SHAPE = re.compile(r"[STFGMstfgm][0-9]{7}[A-Za-z]")
_SG_FIND = re.compile(r"(?<![0-9A-Za-z])" + _SG_SHAPE.pattern + r"(?![0-9A-Za-z])")


def sg_nric_check_letter(prefix: str, digits: str) -> str:
    """The check letter for an NRIC/FIN with this prefix letter and 7 digits."""
    prefix = prefix.upper()
    if prefix not in "STFGM" or len(prefix) != 1:
        raise ValueError(f"unknown NRIC/FIN prefix {prefix!r}")
    total = sum(int(digit) * weight for digit, weight in zip(digits, _SG_WEIGHTS, strict=True))
    total += {"T": 4, "G": 4, "M": 3}.get(prefix, 0)
    remainder = total % 11
    if prefix in "ST":
        return "JZIHGFEDCBA"[remainder]
    if prefix in "FG":
        return "XWUTRQPNMLK"[remainder]
    return "KLJNPQRTUWX"[10 - remainder]  # ICA: P = 11 - r, letter number P


def is_sg_nric(value: str) -> bool:
    value = value.strip()
    if not _SG_SHAPE.fullmatch(value):
        return False
    return sg_nric_check_letter(value[0], value[1:8]) == value[8].upper()


def find_sg_nrics(text: str) -> list[PiiMatch]:
    return [
        PiiMatch(SG_NRIC, m.start(), m.end(), mask(SG_NRIC, m.group()))
        for m in _SG_FIND.finditer(text)
        if is_sg_nric(m.group())
    ]


# --- Bank cards ----------------------------------------------------------------------------


class CardNetwork(NamedTuple):
    name: str
    ranges: tuple[tuple[int, int], ...]  # inclusive IIN prefix ranges, equal widths
    lengths: frozenset[int]


# See the module docstring for the table and its source.
CARD_NETWORKS: tuple[CardNetwork, ...] = (
    CardNetwork("Visa", ((4, 4),), frozenset({13, 16, 19})),
    CardNetwork("Mastercard", ((51, 55), (2221, 2720)), frozenset({16})),
    CardNetwork("UnionPay", ((62, 62),), frozenset(range(16, 20))),
    CardNetwork("American Express", ((34, 34), (37, 37)), frozenset({15})),
    CardNetwork("JCB", ((3528, 3589),), frozenset(range(16, 20))),
    CardNetwork("Discover", ((6011, 6011), (644, 649), (65, 65)), frozenset(range(16, 20))),
    CardNetwork("Diners Club", ((300, 305), (36, 36), (38, 38)), frozenset(range(14, 20))),
)

_CARD_SHAPE = r"(?:[0-9]{13,19}|[0-9]{4,6}([ -])[0-9]{3,6}(?:\1[0-9]{3,6}){1,4})"
_CARD_FULL = re.compile(_CARD_SHAPE)
_CARD_FIND = re.compile(_LEFT + _CARD_SHAPE + _RIGHT)


def card_network(digits: str) -> str | None:
    """The network whose issuer range and lengths cover ``digits`` (Luhn is not checked)."""
    size = len(digits)
    for network in CARD_NETWORKS:
        if size not in network.lengths:
            continue
        for low, high in network.ranges:
            if low <= int(digits[: len(str(low))]) <= high:
                return network.name
    return None


def is_bank_card(value: str) -> bool:
    value = value.strip()
    if not _CARD_FULL.fullmatch(value):
        return False
    digits = _NON_DIGITS.sub("", value)
    return card_network(digits) is not None and luhn.is_valid(digits)


def find_bank_cards(text: str) -> list[PiiMatch]:
    return [
        PiiMatch(BANK_CARD, m.start(), m.end(), mask(BANK_CARD, m.group()))
        for m in _CARD_FIND.finditer(text)
        if is_bank_card(m.group())
    ]


# --- E-mail --------------------------------------------------------------------------------

# A local part: letters, marks and digits of any script (``[^\W_]``) and the specials RFC
# 5322 allows. A domain: labels of letters, marks and digits of any script with inner
# hyphens, separated by "." or the ideographic full stop (IDNA maps it to "."). The
# validator decides; this only finds candidates.
_LOCAL_CHAR = r"(?:[^\W_]|[!#$%&'*+/=?^_`{|}~-])"
_LABEL = r"[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?"
_TOP_LABEL = r"[^\W_](?:[^\W_]|-){0,61}[^\W_]"  # two characters at least
_EMAIL_FIND = re.compile(
    rf"(?<!{_LOCAL_CHAR})(?<!\.)"
    rf"{_LOCAL_CHAR}+(?:\.{_LOCAL_CHAR}+)*"
    rf"@(?:{_LABEL}[.。])+{_TOP_LABEL}"
    r"(?![^\W_]|-)"
)


def _validated_email(value: str) -> tuple[str, str] | None:
    try:
        info = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return None
    return info.local_part, info.domain


def is_email(value: str) -> bool:
    value = value.strip()
    return bool(_EMAIL_FIND.fullmatch(value)) and _validated_email(value) is not None


def find_emails(text: str) -> list[PiiMatch]:
    if "@" not in text:
        return []
    found = []
    for m in _EMAIL_FIND.finditer(text):
        parts = _validated_email(m.group())
        if parts is not None:
            found.append(PiiMatch(EMAIL, m.start(), m.end(), _mask_email_parts(*parts)))
    return found


# --- Phone numbers -------------------------------------------------------------------------

PHONE_REGIONS = ("CN", "MY", "SG")
_PHONE_GATE = re.compile(r"\+\s*\(?[0-9]|[0-9](?:[ ().-]{0,3}[0-9]){7}")
# Bare digit strings that rule 3 could accept without a leading zero: CN mobile, or
# country code + mobile number for CN, MY and SG. Anything else skips the (slow) matcher.
_BARE_MOBILE = re.compile(r"1[3-9][0-9]{9}|861[3-9][0-9]{9}|601[0-9]{8,9}|65[89][0-9]{7}")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:([ .])[0-9]{3})(?:\1[0-9]{3})*")
_PHONE_PUNCTUATION = frozenset(" -().")
_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
_PHONE_HEADER_TOKENS = frozenset(
    {
        "phone", "phones", "tel", "tel1", "tel2", "telephone", "telefon", "mobile", "mobileno",
        "cell", "cellphone", "msisdn", "whatsapp", "handphone", "hp", "nohp", "notel", "fax",
        "contact", "contactno", "contactnumber",
    }
)  # fmt: skip
_PHONE_HEADER_CJK = ("手机", "手機", "电话", "電話", "联系方式", "聯絡", "联系电话")
_HEADER_SPLIT = re.compile(r"[^a-z0-9]+")


def is_phone_column(header: str) -> bool:
    """Whether a column's name says it holds phone numbers (bare digits then count)."""
    name = header.strip().lower()
    if any(word in name for word in _PHONE_HEADER_CJK):
        return True
    return any(
        token in _PHONE_HEADER_TOKENS
        or token.startswith(("phone", "mobile", "telephone", "handphone"))
        or token.endswith("phone")
        for token in _HEADER_SPLIT.split(name)
    )


def _phone_accepted(raw: str, number: phonenumbers.PhoneNumber, phone_column: bool) -> bool:
    if not phonenumbers.is_valid_number(number):
        return False
    raw = raw.strip()
    if raw.startswith(("+", "00")):
        return True  # rule 1: international form
    digits = _NON_DIGITS.sub("", raw)
    national = _NON_DIGITS.sub("", phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL))
    with_country = f"{number.country_code}{phonenumbers.national_significant_number(number)}"
    if digits not in (national, with_country):
        return False
    punctuation = set(raw) - set("0123456789")
    if punctuation:  # rule 2: written with separators
        if not punctuation <= _PHONE_PUNCTUATION or raw.count(".") == 1:
            return False
        return phone_column or not _THOUSANDS.fullmatch(raw)
    if phone_column or digits.startswith("0"):  # rules 4 and 3
        return True
    return len(digits) >= 10 and phonenumbers.number_type(number) in _MOBILE_TYPES


def find_phones(text: str, *, phone_column: bool = False) -> list[PiiMatch]:
    if not _PHONE_GATE.search(text):
        return []
    stripped = text.strip()
    if (
        not phone_column
        and _DIGITS_ONLY.fullmatch(stripped)
        and not stripped.startswith("0")
        and not _BARE_MOBILE.fullmatch(stripped)
    ):
        return []  # a plain integer that no rule could accept
    found: list[PiiMatch] = []
    for region in PHONE_REGIONS:
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.VALID):
            if _overlaps(m.start, m.end, found):
                continue
            if _phone_accepted(m.raw_string, m.number, phone_column):
                found.append(PiiMatch(PHONE, m.start, m.end, _mask_phone_number(m.number)))
    found.sort(key=lambda match: match.start)
    return found


# --- Masking -------------------------------------------------------------------------------


def _mask_email_parts(local: str, domain: str) -> str:
    return f"{local[:1]}***@{domain.lower()}"


def _mask_phone_number(number: phonenumbers.PhoneNumber) -> str:
    national = phonenumbers.national_significant_number(number)
    return f"+{number.country_code} {'*' * max(len(national) - 2, 1)}{national[-2:]}"


def _parse_phone(value: str) -> phonenumbers.PhoneNumber | None:
    regions = (None,) if value.strip().startswith("+") else PHONE_REGIONS
    for region in regions:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
    return None


def mask(kind: str, value: str) -> str:
    """The only form of a detected value that leaves this module (see module docstring)."""
    value = value.strip()
    digits = _NON_DIGITS.sub("", value)
    if kind == CN_RESIDENT_ID:
        return value[:2] + "*" * (len(value) - 3) + value[-1:].upper()
    if kind == MY_NRIC:
        return "******-**-***" + digits[-1:]
    if kind == SG_NRIC:
        return value[:1].upper() + "*" * 7 + value[-1:].upper()
    if kind == BANK_CARD:
        return "*" * (len(digits) - 4) + digits[-4:]
    if kind == EMAIL:
        local, _, domain = value.rpartition("@")
        return _mask_email_parts(local, domain)
    if kind == PHONE:
        number = _parse_phone(value)
        if number is not None:
            return _mask_phone_number(number)
        return "*" * max(len(digits) - 2, 1) + digits[-2:]
    raise ValueError(f"unknown personal-data kind {kind!r}")


# --- Scanning ------------------------------------------------------------------------------


def _overlaps(start: int, end: int, claimed: Iterable[PiiMatch]) -> bool:
    return any(start < other.end and other.start < end for other in claimed)


# Order matters: an earlier kind claims its span, so the digits inside an e-mail or a valid
# resident ID are not reported again as a card or a phone number.
_ID_FINDERS = (find_emails, find_cn_resident_ids, find_sg_nrics, find_my_nrics, find_bank_cards)


def find_pii(text: str, *, phone_column: bool = False) -> list[PiiMatch]:
    """Every personal-data value in one cell, in text order, each span reported once."""
    if not text:
        return []
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # full-width digits, ＠, ＋
    if text.isdigit() and text.isascii():
        return _find_in_digits(text, phone_column)
    stripped = text.strip()
    whole = _WHOLE_FLOAT.fullmatch(stripped)
    if whole is not None:  # 13812345678.0 is the integer 13812345678
        return _find_in_digits(whole.group(1), phone_column)
    if not (phone_column or _CANDIDATE.search(text)) or _DECIMAL.fullmatch(stripped):
        return []
    claimed: list[PiiMatch] = []
    for finder in _ID_FINDERS:
        for match in finder(text):
            if not _overlaps(match.start, match.end, claimed):
                claimed.append(match)
    for match in find_phones(text, phone_column=phone_column):
        if not _overlaps(match.start, match.end, claimed):
            claimed.append(match)
    claimed.sort(key=lambda match: match.start)
    return claimed


def _find_in_digits(digits: str, phone_column: bool) -> list[PiiMatch]:
    """``find_pii`` for a cell of bare ASCII digits, the commonest cell in numeric data:
    the same rules, dispatched on length instead of running every finder."""
    size = len(digits)
    if size == 18 and is_cn_resident_id(digits):
        return [PiiMatch(CN_RESIDENT_ID, 0, size, mask(CN_RESIDENT_ID, digits))]
    if size == 12 and is_my_nric(digits):
        return [PiiMatch(MY_NRIC, 0, size, mask(MY_NRIC, digits))]
    if 13 <= size <= 19 and is_bank_card(digits):
        return [PiiMatch(BANK_CARD, 0, size, mask(BANK_CARD, digits))]
    if size >= 8 and (phone_column or digits[0] == "0" or _BARE_MOBILE.fullmatch(digits)):
        return find_phones(digits, phone_column=phone_column)
    return []


def scan_cell(text: str, *, phone_column: bool = False) -> list[tuple[str, str]]:
    """``[(kind, masked), ...]`` for one cell's text, in text order."""
    return [(match.kind, match.masked) for match in find_pii(text, phone_column=phone_column)]


def scan_rows(header: list[str], rows: Iterable[list[str]]) -> Iterator[PiiFinding]:
    """Findings over data rows (row 1 = first row after the header), lazily, in file order."""
    names = list(header)
    phone_columns = [is_phone_column(name) for name in names]
    phone_indices = tuple(index for index, is_phone in enumerate(phone_columns) if is_phone)
    has_candidate = _CANDIDATE.search
    for row_number, row in enumerate(rows, start=1):
        # Most rows hold no candidate at all: one regex search over the joined row (which
        # allocates nothing when it fails) and, if there are phone columns, a look at them.
        joined = _CELL_SEPARATOR.join(row)
        first = has_candidate(joined)
        if first is None:
            for index in phone_indices:
                if index < len(row) and row[index]:
                    break
            else:
                continue
        for index in _cells_to_scan(joined, row, first, phone_indices):
            if index < len(names):
                column, is_phone = names[index], phone_columns[index]
            else:
                column, is_phone = f"column {index + 1}", False
            for match in find_pii(row[index], phone_column=is_phone):
                yield PiiFinding(row_number, column, match.kind, match.masked)


def _cells_to_scan(
    joined: str, row: list[str], first: re.Match[str] | None, phone_indices: tuple[int, ...]
) -> list[int]:
    """Indices of the non-empty cells holding a candidate, plus the phone-column cells.

    The cell a candidate falls in is the number of separators before it (no candidate can
    span a separator); if a cell contains the separator itself, every cell is scanned.
    """
    indices: list[int] = []
    if joined.count(_CELL_SEPARATOR) != len(row) - 1:
        indices.extend(range(len(row)))
    elif first is not None:
        indices.append(joined.count(_CELL_SEPARATOR, 0, first.start()))
        for hit in _CANDIDATE.finditer(joined, first.end()):
            index = joined.count(_CELL_SEPARATOR, 0, hit.start())
            if index != indices[-1]:
                indices.append(index)
    if phone_indices:
        indices = sorted({*indices, *(index for index in phone_indices if index < len(row))})
    return [index for index in indices if row[index]]


def scan_csv(
    stream: IO[bytes] | IO[str] | Any,
    *,
    encoding: str = DEFAULT_ENCODING,
    max_findings: int | None = None,
) -> PiiScanResult:
    """Scan every row of a CSV stream, one row in memory at a time.

    Raises ``kernel.tabular.csvstream.CsvFormatError`` (naming the line) if the file is
    not well-formed CSV; findings up to that point are not returned.
    """
    header, rows = iter_csv(stream, encoding)
    findings: list[PiiFinding] = []
    by_kind: Counter[str] = Counter()
    by_column: Counter[str] = Counter()
    truncated = False
    for finding in scan_rows(header, rows):
        by_kind[finding.kind] += 1
        by_column[finding.column] += 1
        if max_findings is None or len(findings) < max_findings:
            findings.append(finding)
        else:
            truncated = True
    return PiiScanResult(
        findings=findings,
        truncated=truncated,
        counts_by_kind={kind: by_kind[kind] for kind in KINDS},
        rows_scanned=rows.records,
        columns=list(header),
        counts_by_column=dict(by_column),
    )
