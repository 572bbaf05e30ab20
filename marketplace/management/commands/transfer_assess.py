"""Assess one cross-border transfer from the command line.

    echo '{"origin": "CN", "destination": "MY", "data_categories": ["personal"],
           "subjects_ytd": 150000, "sensitive_subjects_ytd": 0, "important_data": false,
           "exporter_ciio": false, "recipient_type": "company"}' \
      | python manage.py transfer_assess --json

Reads ONE JSON object of input facts (docs/domain.md, "The assessment's vocabulary") on
stdin, runs the published rule sets through the engine, records the answer as a pre-check
with no user, and prints it.
Exit code 0 with an answer (whatever the decision), 2 for unreadable JSON or invalid facts.
"""

import json
import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from compliance.rules import services
from compliance.rules.exceptions import InvalidFacts
from compliance.rules.models import TransferAssessment
from kernel.exceptions import DomainError

USAGE_ERROR = 2


class Command(BaseCommand):
    help = (
        "Reads one JSON object of transfer facts on stdin and prints the transfer assessment "
        "(decision, mechanisms_any_of, obligations, rules, explanation)."
    )
    # call_command(..., stdin=io.StringIO(...)) for tests and scripts.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", help="Print the answer as one JSON document."
        )
        parser.add_argument(
            "--on",
            metavar="YYYY-MM-DD",
            help="Take the rules in force on this date instead of today (what-if).",
        )

    def handle(self, *args, **options):
        on = self._date(options.get("on"))
        stream = options.get("stdin") or sys.stdin
        text = stream.read()
        if not text.strip():
            raise CommandError(
                "no input: pipe one JSON object of transfer facts on stdin", returncode=USAGE_ERROR
            )
        try:
            facts = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"stdin is not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}",
                returncode=USAGE_ERROR,
            ) from None
        try:
            record = services.transfer_assess(
                facts=facts, on=on, context=TransferAssessment.Context.PRE_CHECK
            )
        except InvalidFacts as exc:
            details = "; ".join(f"{name}: {message}" for name, message in exc.errors.items())
            raise CommandError(f"invalid facts: {details}", returncode=USAGE_ERROR) from None
        except DomainError as exc:
            raise CommandError(exc.message, returncode=USAGE_ERROR) from None
        if options["json"]:
            self.stdout.write(json.dumps(answer(record), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(summary(record))

    @staticmethod
    def _date(value: str | None) -> date | None:
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(
                f"--on must be a date as YYYY-MM-DD, got {value!r}", returncode=USAGE_ERROR
            ) from None


def answer(record: TransferAssessment) -> dict:
    """The recorded answer in the API's field names."""
    return {
        "id": record.pk,
        "decision": record.decision,
        "mechanisms_any_of": record.mechanisms_any_of,
        "obligations": record.obligations,
        "rules": record.rules,
        "explanation": record.explanation,
        "facts": record.facts,
        "rule_set_versions": record.rule_set_versions,
        "assessed_on": record.assessed_on.isoformat(),
    }


def summary(record: TransferAssessment) -> str:
    lines = [
        f"Transfer {record.origin} -> {record.destination}, rules in force on "
        f"{record.assessed_on.isoformat()} ({', '.join(record.rule_set_versions) or 'none'})",
        f"Decision:    {record.decision}",
        f"Mechanisms:  {' | '.join(record.mechanisms_any_of) or '-'}"
        + ("  (any one of)" if len(record.mechanisms_any_of) > 1 else ""),
        f"Obligations: {', '.join(record.obligations) or '-'}",
        "Rules fired:",
    ]
    for rule in record.rules:
        version = f" {rule['version']}" if rule.get("version") else ""
        source = rule.get("source") or {}
        cited = source.get("citation", "")
        if source.get("url"):
            cited += f" <{source['url']}>"
        lines.append(f"  - {rule['code']} [{rule['rule_set']}{version}]")
        lines.append(f"      {cited}")
    lines.extend(["", record.explanation, f"(recorded as assessment #{record.pk})"])
    return "\n".join(lines)
