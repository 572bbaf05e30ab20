"""Write one archive of the database and the uploaded files, with a manifest of hashes."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kernel.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Writes the database (pg_dump, or a copy of the SQLite file) and every uploaded file "
        "into one .tar.gz archive with a manifest of SHA-256 hashes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="The archive to write (default: backups/dataexchange-<time>.tar.gz).",
        )

    def handle(self, *args, output=None, **options):
        if output is None:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            output = Path(settings.BASE_DIR) / "backups" / f"dataexchange-{stamp}.tar.gz"
        try:
            summary = backup_create(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {summary.path} ({summary.vendor} database, "
                f"{summary.files} uploaded files, {summary.bytes / 1_048_576:.1f} MB)."
            )
        )
