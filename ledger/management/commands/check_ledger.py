"""Re-check the whole ledger: exit 1 and list every imbalance found."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ledger.models import Account, Transfer
from ledger.selectors import ledger_problems


class Command(BaseCommand):
    help = "Re-check every transfer and account balance of the ledger against its entries."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = ledger_problems()
        for problem in problems:
            self.stderr.write(f"{problem.what}: {problem.detail}")
        if problems:
            raise CommandError(f"The ledger does not hold: {len(problems)} problem(s) listed.")
        self.stdout.write(
            f"The ledger holds: {Transfer.objects.count()} transfers, "
            f"{Account.objects.count()} accounts, every transfer balances, "
            "every balance equals its entries, all accounts sum to zero."
        )
