"""A schema suggested from a CSV file (pure: no Django).

The provider's wizard uploads the sample first; this reads it once, as the validator does,
and proposes for each column a type, whether it looks like an identifier, and a suggested
name when the header is not a valid schema name. The provider confirms or edits the
suggestion; nothing here is stored.

Types: a column is the narrowest type every non-empty cell parses as, in the order
boolean (only words such as true/false/yes/no: a column of 0 and 1 stays an integer),
integer, number, date (YYYY-MM-DD), then string. An empty column is a string.

Identifier candidates: a column whose name says so (``id``, ``*_id``, ``code``, ``uuid``,
``email``, ``phone``, ``nric`` …), or a string column whose values are all
distinct over at least ``MIN_ROWS_FOR_DISTINCT`` rows. The personal-data scan (in
compliance) adds its own hints on top.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import IO

from kernel.tabular.csvstream import CsvFormatError, iter_csv
from kernel.tabular.schema import (
    FALSE_WORDS,
    MAX_FIELDS,
    NAME_RE,
    TRUE_WORDS,
    CsvValidationError,
    parse_cell,
)

# Types from the narrowest to the widest; each column keeps those every cell parses as.
TYPE_ORDER = ("boolean", "integer", "number", "date", "string")
MIN_ROWS_FOR_DISTINCT = 5
_ID_NAME = re.compile(
    r"(^|_)(id|uuid|guid|code|key|email|e_mail|phone|mobile|nric|ic|passport|account)(_|$)"
)
_BOOLEAN_WORDS = (TRUE_WORDS | FALSE_WORDS) - {"0", "1"}
# Only calendar dates written YYYY-MM-DD are proposed as dates (Python also reads ISO week
# dates such as 2026-W40, which a spreadsheet or the query engine would not).
_PLAIN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class ColumnSuggestion:
    header: str  # as written in the file
    name: str  # the schema name: the header if valid, else a suggestion
    type: str
    identifier: bool
    reasons: list[str] = field(default_factory=list)  # why it is an identifier candidate
    examples: list[str] = field(default_factory=list)  # a few distinct values (first rows)
    empty: int = 0  # cells left empty

    @property
    def name_is_valid(self) -> bool:
        return self.name == self.header


@dataclass
class SchemaSuggestion:
    columns: list[ColumnSuggestion]
    rows: int
    header: list[str]
    preview: list[list[str]]  # the first rows, for the personal-data hints and the page

    def schema(self) -> dict:
        """The suggestion as a schema document (validate_schema's input shape)."""
        return {
            "fields": [
                {
                    "name": c.name,
                    "type": c.type,
                    "identifier": c.identifier,
                    "description": "",
                    "unit": "",
                }
                for c in self.columns
            ]
        }


def suggest_name(header: str) -> str:
    """A valid schema name close to a header: "Mall ID" → "mall_id", "2024" → "c_2024"."""
    name = re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")
    if not name:
        name = "column"
    if not name[0].isalpha():
        name = "c_" + name
    return name[:63]


def _narrowest(candidates: list[str], cell: str) -> list[str]:
    kept = []
    for ftype in candidates:
        if ftype == "boolean":
            if cell.strip().lower() in _BOOLEAN_WORDS:
                kept.append(ftype)
            continue
        if ftype == "date" and not _PLAIN_DATE.fullmatch(cell.strip()):
            continue
        try:
            parse_cell(ftype, cell)
        except ValueError:
            continue
        kept.append(ftype)
    return kept


def infer_schema(stream: IO[bytes], *, max_rows: int | None = None, preview_rows: int = 20):
    """Reads the file once and returns a SchemaSuggestion.

    Raises CsvValidationError naming the line for a file that is not well-formed CSV, has
    no data rows, more columns than a schema may have, or more rows than ``max_rows``.
    """
    try:
        header, rows = iter_csv(stream)
        header = [h.strip() for h in header]
        if len(header) > MAX_FIELDS:
            raise CsvValidationError(f"the file has more than {MAX_FIELDS} columns", line=1)
        blank = [i + 1 for i, h in enumerate(header) if not h]
        if blank:
            raise CsvValidationError(
                "column " + ", ".join(map(str, blank)) + " has no name in the header", line=1
            )
        candidates = [list(TYPE_ORDER) for _ in header]
        distinct: list[set[str] | None] = [set() for _ in header]
        examples: list[list[str]] = [[] for _ in header]
        empty = [0] * len(header)
        preview: list[list[str]] = []
        count = 0
        for row in rows:
            count += 1
            if max_rows is not None and count > max_rows:
                raise CsvValidationError(
                    f"the file has more than {max_rows} data rows (the limit)", line=rows.line
                )
            if len(preview) < preview_rows:
                preview.append(row)
            for i, cell in enumerate(row):
                if not cell.strip():
                    empty[i] += 1
                    continue
                if len(candidates[i]) > 1:
                    candidates[i] = _narrowest(candidates[i], cell)
                seen = distinct[i]
                if seen is not None:
                    if cell in seen:
                        distinct[i] = None  # a repeated value: not unique
                    else:
                        seen.add(cell)
                if len(examples[i]) < 3 and cell not in examples[i]:
                    examples[i].append(cell[:40])
    except CsvFormatError as exc:
        raise CsvValidationError(exc.message, line=exc.line) from None
    if count == 0:
        raise CsvValidationError("the file has a header but no data rows")

    columns = []
    # Valid headers keep their names; suggestions (and repeated headers) avoid them.
    used: set[str] = set()
    names: list[str | None] = []
    for head in header:
        valid = NAME_RE.match(head) and head not in used
        names.append(head if valid else None)
        if valid:
            used.add(head)
    for i, head in enumerate(header):
        filled = count - empty[i]
        ftype = candidates[i][0] if filled else "string"
        name = names[i]
        if name is None:
            base = name = suggest_name(head)
            n = 2
            while name in used:
                name = f"{base[:60]}_{n}"
                n += 1
            used.add(name)
        reasons = []
        if _ID_NAME.search(suggest_name(head)):
            reasons.append("name")
        unique = distinct[i] is not None and empty[i] == 0 and count >= MIN_ROWS_FOR_DISTINCT
        if unique and ftype == "string":  # distinct counts or amounts identify nothing
            reasons.append("unique")
        columns.append(
            ColumnSuggestion(
                header=head,
                name=name,
                type=ftype,
                identifier=bool(reasons),
                reasons=reasons,
                examples=examples[i],
                empty=empty[i],
            )
        )
    return SchemaSuggestion(columns=columns, rows=count, header=header, preview=preview)
