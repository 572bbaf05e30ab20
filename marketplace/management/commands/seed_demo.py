from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import seed_accounts
from accounts.models import User
from marketplace.catalogue.demo import seed_products


class Command(BaseCommand):
    help = (
        "Loads the demo organisations, people, products and licences. Idempotent: running it "
        "again changes nothing. Refuses to run when DEBUG is off (it sets known passwords)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Refusing to seed demo accounts with known passwords while DEBUG is off."
            )
        password = settings.DEMO_PASSWORD
        logins = seed_accounts(password)
        exchange_admin = User.objects.filter(email="admin@exchange.example").first()
        products = seed_products(exchange_admin=exchange_admin)
        if products:
            self.stdout.write(f"Listed {len(products)} demo data products.")
        self.stdout.write(self.style.SUCCESS("Demo data is loaded.\n"))
        self.stdout.write(f"Every demo login uses the password: {password}\n")
        width = max(len(email) for email, _ in logins)
        for email, what in logins:
            self.stdout.write(f"  {email.ljust(width)}  {what}")
