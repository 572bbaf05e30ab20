"""A product version's schema and the CSV files that must match it (pure: no Django models).

Schema shape::

    {"fields": [{"name": "mall_id", "type": "string", "description": "...",
                 "identifier": true, "unit": ""}, ...]}

`identifier` marks a column that identifies a thing or a person (the query service refuses
it as a group key). CSV reading is the streaming reader the automated checks use, so an
upload is held to the same rules the technical review applies later.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from kernel.tabular.csvstream import CsvFormatError, iter_csv

FIELD_TYPES = ("string", "integer", "number", "date", "boolean")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
MAX_FIELDS = 200
TRUE_WORDS = {"true", "1", "yes", "y", "t"}
FALSE_WORDS = {"false", "0", "no", "n", "f"}
# Cells a spreadsheet would run as a formula (CSV injection, OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class SchemaError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def validate_schema(schema: Any) -> dict:
    """Returns the normalised schema or raises SchemaError listing every problem."""
    errors: list[str] = []
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        raise SchemaError(['The schema must be an object with a "fields" list.'])
    fields = schema["fields"]
    if not fields:
        errors.append("The schema needs at least one field.")
    if len(fields) > MAX_FIELDS:
        errors.append(f"At most {MAX_FIELDS} fields.")
    seen: set[str] = set()
    normalised = []
    for i, spec in enumerate(fields, start=1):
        if not isinstance(spec, dict):
            errors.append(f"Field {i} must be an object.")
            continue
        name = str(spec.get("name", "")).strip()
        ftype = str(spec.get("type", "")).strip()
        if not NAME_RE.match(name):
            errors.append(
                f"Field {i}: name “{name}” must start with a letter and use only a–z, 0–9 and _ "
                "(at most 63 characters)."
            )
        elif name in seen:
            errors.append(f"Field {i}: “{name}” appears twice.")
        seen.add(name)
        if ftype not in FIELD_TYPES:
            errors.append(f"Field {i} ({name}): type must be one of {', '.join(FIELD_TYPES)}.")
        unknown = set(spec) - {"name", "type", "description", "identifier", "unit"}
        if unknown:
            errors.append(f"Field {i} ({name}): unknown keys {', '.join(sorted(unknown))}.")
        normalised.append(
            {
                "name": name,
                "type": ftype,
                "description": str(spec.get("description", "")).strip()[:500],
                "identifier": bool(spec.get("identifier", False)),
                "unit": str(spec.get("unit", "")).strip()[:40],
            }
        )
    if errors:
        raise SchemaError(errors)
    return {"fields": normalised}


def parse_cell(ftype: str, text: str) -> Any:
    """The typed value of one cell; raises ValueError with a reason. Empty means missing."""
    value = text.strip()
    if value == "":
        return None
    if ftype == "string":
        return text
    if ftype == "integer":
        if not re.fullmatch(r"[-+]?\d+", value):
            raise ValueError(f"“{value[:40]}” is not a whole number")
        return int(value)
    if ftype == "number":
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"“{value[:40]}” is not a number") from None
        if not number.is_finite():
            raise ValueError(f"“{value[:40]}” is not a finite number")
        return number
    if ftype == "date":
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"“{value[:40]}” is not a date (YYYY-MM-DD)") from None
    if ftype == "boolean":
        lowered = value.lower()
        if lowered in TRUE_WORDS:
            return True
        if lowered in FALSE_WORDS:
            return False
        raise ValueError(f"“{value[:40]}” is not true/false")
    raise ValueError(f"unknown type {ftype}")


@dataclass
class CsvReport:
    rows: int = 0
    header: list[str] = field(default_factory=list)
    preview: list[list[str]] = field(default_factory=list)


class CsvValidationError(ValueError):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(f"Line {line}: {message}" if line else message)
        self.message = message
        self.line = line


def validate_csv(
    stream: IO[bytes],
    schema: dict,
    *,
    max_rows: int | None = None,
    preview_rows: int = 0,
) -> CsvReport:
    """Streams the file once: header equals the schema's field names, every cell parses.

    Raises CsvValidationError naming the line (1 = the header line).
    """
    fields = schema.get("fields") or []
    if not fields:
        raise CsvValidationError("Define the schema before uploading files.")
    expected = [f["name"] for f in fields]
    try:
        header, rows = iter_csv(stream)
        header = [h.strip() for h in header]
        if header != expected:
            missing = [n for n in expected if n not in header]
            extra = [n for n in header if n not in expected]
            detail = []
            if missing:
                detail.append("missing " + ", ".join(missing))
            if extra:
                detail.append("unexpected " + ", ".join(extra[:10]))
            if not detail:
                detail.append("columns are in a different order than the schema")
            raise CsvValidationError(
                "the header does not match the schema (" + "; ".join(detail) + ")", line=1
            )
        report = CsvReport(header=header)
        types = [f["type"] for f in fields]
        for row in rows:
            report.rows += 1
            if max_rows is not None and report.rows > max_rows:
                raise CsvValidationError(
                    f"the file has more than {max_rows} data rows (the limit)", line=rows.line
                )
            for name, ftype, cell in zip(expected, types, row, strict=True):
                try:
                    parse_cell(ftype, cell)
                except ValueError as exc:
                    raise CsvValidationError(f"column {name}: {exc}", line=rows.line) from None
            if len(report.preview) < preview_rows:
                report.preview.append(row)
    except CsvFormatError as exc:
        raise CsvValidationError(exc.message, line=exc.line) from None
    if report.rows == 0:
        raise CsvValidationError("the file has a header but no data rows")
    return report


def neutralise_formula(cell: str) -> str:
    """What a cell is shown as: a leading formula character is escaped with a quote."""
    if cell and cell.startswith(FORMULA_PREFIXES):
        return "'" + cell
    return cell


def neutralise_rows(rows: Iterable[list[str]]) -> list[list[str]]:
    return [[neutralise_formula(c) for c in row] for row in rows]
