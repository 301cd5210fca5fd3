"""A history of aid, sales, settlement and profit sharing in two villages of one market,
made through the real services, for the transparency tests."""

import datetime

from django.utils import timezone

from settlement.models import Payout, PayoutStatus
from settlement.services import clearing, payouts, posting, profit
from tests.factories import BumdesFactory
from tests.settlement.helpers import cash_sale
from tests.vouchers.counter_world import PIN, stocked
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory
from villages.enums import Role
from vouchers.services import counter, expiry, issuance

PHONE = "+6281234500{:03d}"


class History:
    """``two_villages`` with a BUMDes each and a stocked seller each; ``round()`` adds one
    more round of aid: new programmes, beneficiaries, issuance, counter sales, a cash sale,
    the sales posted, expiry, a settlement batch, a payout paid, a cost and a profit close.
    """

    def __init__(self, two_villages, monkeypatch):
        self.world = two_villages
        self.monkeypatch = monkeypatch
        self.market = two_villages["market"]
        self.villages = {"home": two_villages["home"], "other": two_villages["other"]}
        self.people = {
            key: {str(role): person for role, person in people.items()}
            for key, people in two_villages["people"].items()
        }
        self.bumdes = {key: BumdesFactory(village=v) for key, v in self.villages.items()}
        self.sellers = {
            key: self.people[key][Role.SELLER_STAFF].memberships.get().seller
            for key in self.villages
        }
        self.rice = {
            "home": stocked(
                self.sellers["home"], name="Beras", slug="beras", price=14_000, quantity=500
            ),
            "other": stocked(
                self.sellers["other"], name="Beras", slug="beras", price=12_000, quantity=500
            ),
        }
        self.beneficiaries = []
        self.programmes = []
        self.rounds = 0

    def _beneficiary(self, key):
        n = len(self.beneficiaries) + 1
        beneficiary = BeneficiaryFactory(
            village=self.villages[key],
            name=f"Siti Rahayu Nomor{n}",
            phone=PHONE.format(n),
            address=f"Dusun Rahasia {n}",
        )
        self.beneficiaries.append(beneficiary)
        return beneficiary

    def _issue(self, key):
        programme = ProgrammeFactory(
            village=self.villages[key], market=self.market, name=f"BLT {key} {self.rounds}"
        )
        self.programmes.append(programme)
        started = issuance.start_issuance(
            acting_user=self.people[key][Role.VILLAGE_OFFICIAL], programme_id=programme.pk, month=1
        )
        issuance.run_issuance(issuance_id=started.pk)
        return programme

    def _buy(self, beneficiary, at, quantity):
        return counter.charge_at_counter(
            acting_user=self.people[at][Role.SELLER_STAFF],
            seller_id=self.sellers[at].pk,
            card_number=beneficiary.card_number,
            pin=PIN,
            lines=[(self.rice[at].pk, quantity)],
            idempotency_key=f"sale-{beneficiary.pk}-{at}-{quantity}",
        )

    def round(self):
        self.rounds += 1
        r = self.rounds
        home_a, home_b = self._beneficiary("home"), self._beneficiary("home")
        other_a = self._beneficiary("other")
        self._beneficiary("other")
        home_programme = self._issue("home")
        self._issue("other")
        # Spent in the beneficiary's own village, in the other village, and the other way.
        self._buy(home_a, "home", 2)  # 28.000 at home
        self._buy(home_a, "other", 1)  # 12.000 in the other village
        self._buy(other_a, "home", 3)  # 42.000 in the home village
        self._buy(home_b, "home", 1)  # 14.000 at home
        cash_sale(self.people["home"], price=20_000, quantity=1, key=f"cash-{r}")
        posting.sweep()
        # What the home village's programme of this round still holds expires.
        expiry.expire_programme_month(programme=home_programme, month=1)
        today = timezone.localdate()
        day = today - datetime.timedelta(days=r - 1)
        batch, _created = clearing.close_period(
            market_id=self.market.pk, period_start=day, period_end=day
        )
        pending = Payout.objects.filter(
            batch=batch, status=PayoutStatus.PENDING, village=self.villages["home"]
        ).first()
        if pending is not None:
            payouts.mark_payout_paid(
                acting_user=self.people["home"][Role.BUMDES_ADMIN],
                village_id=pending.village_id,
                payout_id=pending.pk,
                bank_reference=f"BRI-{r}",
            )
        # Each round closes the month of the next BUMDes (a period is closed once).
        key = ("home", "other")[(r - 1) % 2]
        bumdes = self.bumdes[key]
        profit.record_cost(
            acting_user=self.people[key][Role.BUMDES_ADMIN],
            bumdes_id=bumdes.pk,
            amount=1_001,
            description="Listrik kios",
            spent_on=today,
            idempotency_key=f"cost-{r}",
        )
        later = timezone.now() + datetime.timedelta(days=1)
        with self.monkeypatch.context() as patch:
            patch.setattr(timezone, "now", lambda: later)
            profit.close_profit_period(bumdes_id=bumdes.pk, period_start=today, period_end=today)
        return self
