from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from catalog.demo import seed_catalog_demo
from orders.demo import seed_orders_demo
from settlement.demo import seed_settlement_demo
from villages.demo import seed_demo
from vouchers.demo import DEMO_PIN, seed_vouchers_demo


class Command(BaseCommand):
    help = "Load the demo market (idempotent). Demo accounts only with DEBUG or --with-accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--with-accounts",
            action="store_true",
            help="Create the demo accounts even when DEBUG is off.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with_accounts = settings.DEBUG or options["with_accounts"]
        summary = seed_demo(with_accounts=with_accounts)
        self.stdout.write(
            f"Demo market ready: {summary.villages} villages, {summary.sellers} sellers."
        )
        created = seed_catalog_demo()
        self.stdout.write(f"Demo products: {created} new.")
        aid = seed_vouchers_demo()
        self.stdout.write(
            f"Demo aid: {aid.beneficiaries} beneficiaries, cards {', '.join(aid.card_numbers)}"
            f" (the first is warga.panggungharjo's), PIN {DEMO_PIN}."
        )
        orders = seed_orders_demo()
        self.stdout.write(f"Demo orders: {orders.orders} ({orders.created} new).")
        settled = seed_settlement_demo()
        if settled.day is not None:
            self.stdout.write(f"Demo settlement: {settled.day} closed, {settled.payouts} payouts.")
        if not summary.accounts:
            self.stdout.write("No demo accounts (DEBUG is off; pass --with-accounts).")
            return
        self.stdout.write(f"Demo accounts, all with password {settings.PASARDESA_DEMO_PASSWORD}:")
        for email, role, village in summary.accounts:
            self.stdout.write(f"  {email:<44} {role:<18} {village}")
