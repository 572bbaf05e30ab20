"""`manage.py seed_demo`: the demo, from the data files in ``marketplace/demo/data/``."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from marketplace.demo.accounts import seed_accounts
from marketplace.demo.catalogue import seed_products
from marketplace.demo.licensing import seed_licensing
from marketplace.demo.reviews import seed_reviews


class Command(BaseCommand):
    help = (
        "Loads the demo organisations, people, products and licences from the data files in "
        "marketplace/demo/data/. Idempotent: running it again changes nothing. Refuses to run "
        "when DEBUG is off (it sets known passwords)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Refusing to seed demo accounts with known passwords while DEBUG is off."
            )
        password = settings.DEMO_PASSWORD
        logins = seed_accounts(password)
        # The demo's notification e-mails would flood the console: they are not sent.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            created = seed_products()
            states = seed_reviews(created) if created else {}
            licensing = seed_licensing()
        if created:
            summary = ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in states.items())
            self.stdout.write(f"Created {len(created)} demo data products: {summary}.")
        if licensing:
            summary = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in licensing.items())
            self.stdout.write(f"Licence requests: {summary}.")
        self.stdout.write(self.style.SUCCESS("Demo data is loaded.\n"))
        self.stdout.write(f"Every demo login uses the password: {password}\n")
        width = max(len(email) for email, _ in logins)
        for email, what in logins:
            self.stdout.write(f"  {email.ljust(width)}  {what}")
