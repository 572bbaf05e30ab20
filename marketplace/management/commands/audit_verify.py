from django.core.management.base import BaseCommand, CommandError

from kernel.ledger.models import AuditEvent
from kernel.ledger.selectors import ledger_first_problem


class Command(BaseCommand):
    help = "Walks the audit ledger's hash chain and names the first bad sequence number."

    def handle(self, *args, **options):
        problem = ledger_first_problem()
        if problem is not None:
            raise CommandError(f"Audit ledger broken at sequence #{problem.seq}: {problem.reason}")
        count = AuditEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Audit ledger intact: {count} events verified."))
