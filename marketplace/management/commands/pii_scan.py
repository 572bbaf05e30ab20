"""Scan one CSV file for personal data, as the technical review stage does.

    python manage.py pii_scan sample.csv --json

Streams the file (one row in memory at a time) through the PII scanner and prints the
findings: row (1 = the first data row after the header), column, kind and the masked value;
the raw value is never printed. Exit code 0 whether or not anything is found; 2 when the file
cannot be read or is not well-formed CSV (the message names the line).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from compliance.checks.pii import KINDS, PiiScanResult, scan_csv
from kernel.tabular.csvstream import DEFAULT_ENCODING, CsvFormatError

USAGE_ERROR = 2


class Command(BaseCommand):
    help = (
        "Scans a CSV file for personal data (China resident IDs, MyKad and Singapore NRIC/FIN "
        "numbers, phone numbers, e-mail addresses, bank cards) and prints masked findings."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the CSV file (the first line is the header).")
        parser.add_argument("--json", action="store_true", help="Print one JSON document.")
        parser.add_argument(
            "--encoding", default=DEFAULT_ENCODING, help="Text encoding (default: %(default)s)."
        )
        parser.add_argument(
            "--max-findings",
            type=int,
            default=None,
            metavar="N",
            help="List at most N findings (all are still counted).",
        )

    def handle(self, *args, **options):
        path = options["file"]
        limit = options["max_findings"]
        if limit is not None and limit < 0:
            raise CommandError("--max-findings must not be negative", returncode=USAGE_ERROR)
        try:
            with open(path, "rb") as handle:
                result = scan_csv(handle, encoding=options["encoding"], max_findings=limit)
        except CsvFormatError as exc:
            raise CommandError(f"{path}: {exc}", returncode=USAGE_ERROR) from None
        except OSError as exc:
            raise CommandError(
                f"{path}: cannot read the file: {exc.strerror or exc}", returncode=USAGE_ERROR
            ) from None
        if options["json"]:
            document = {"file": path, **result.to_dict()}
            self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(table(path, result))


def table(path: str, result: PiiScanResult) -> str:
    lines = [f"{path}: {result.rows_scanned} data rows scanned, {result.total} findings"]
    if result.findings:
        header = ("Row", "Column", "Kind", "Masked value")
        rows = [(str(f.row), f.column, f.kind, f.masked) for f in result.findings]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines.append("")
        lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        lines.append("  ".join("-" * w for w in widths))
        lines.extend("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)
        if result.truncated:
            lines.append(f"... {result.total - len(result.findings)} more findings not listed")
    lines.append("")
    lines.append(
        "By kind: " + ", ".join(f"{kind} {result.counts_by_kind.get(kind, 0)}" for kind in KINDS)
    )
    return "\n".join(lines)
