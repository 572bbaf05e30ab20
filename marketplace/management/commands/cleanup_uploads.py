"""Finish interrupted uploads and remove what crashes left (also run hourly by beat)."""

import json

from django.core.management.base import BaseCommand

from kernel.storage import storage_cleanup


class Command(BaseCommand):
    help = (
        "Moves uploads whose row committed but whose file did not move into place, and deletes "
        "temporary, half-written and unreferenced upload files older than the grace period."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace",
            type=int,
            default=None,
            help="Seconds a file must be old before it is deleted "
            "(default: UPLOAD_CLEANUP_GRACE_SECONDS).",
        )

    def handle(self, *args, grace=None, **options):
        report = storage_cleanup(grace_seconds=grace)
        self.stdout.write(json.dumps(report.as_dict()))
