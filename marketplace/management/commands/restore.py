"""Load a backup archive into an empty database and an empty MEDIA_ROOT."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kernel.backup import BackupError, backup_restore
from kernel.ledger.selectors import ledger_first_problem


class Command(BaseCommand):
    help = (
        "Checks every hash in a backup archive, then loads its database into the (empty) "
        "database DATABASE_URL names and its files into the (empty) MEDIA_ROOT, and verifies "
        "the audit ledger."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="A .tar.gz written by `manage.py backup`.")

    def handle(self, *args, archive, **options):
        if not archive.is_file():
            raise CommandError(f"No such archive: {archive}")
        try:
            manifest = backup_restore(archive_path=archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        problem = ledger_first_problem()
        if problem is not None:
            raise CommandError(
                f"Restored, but the audit ledger is broken at #{problem.seq}: {problem.reason}"
            )
        files = sum(1 for e in manifest["files"] if e["name"].startswith("media/"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['created_at']}: the database and {files} "
                f"uploaded files; audit ledger intact up to #"
                f"{manifest['ledger_head'].get('last_seq', 0)}."
            )
        )
