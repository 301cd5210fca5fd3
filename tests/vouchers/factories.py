"""Beneficiaries, programmes and wallets for tests. Money only through the ledger."""

import datetime
import itertools

import factory
from django.contrib.auth.hashers import make_password

from catalog.models import Category
from ledger import services as ledger
from ledger.enums import TransferKind
from tests.factories import VillageFactory, category
from vouchers import accounts, nik
from vouchers.enums import ProgrammeScope, ProgrammeStatus
from vouchers.models import Beneficiary, Programme

_niks = itertools.count(1)


def next_nik(region="3402"):
    return f"{region}{next(_niks):012d}"


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary
        exclude = ["nik", "pin"]

    village = factory.SubFactory(VillageFactory)
    nik = factory.LazyFunction(next_nik)
    pin = "246810"
    nik_encrypted = factory.LazyAttribute(lambda o: nik.encrypt(o.nik))
    nik_hash = factory.LazyAttribute(lambda o: nik.nik_hash(o.nik))
    nik_masked = factory.LazyAttribute(lambda o: nik.mask(o.nik))
    name = factory.Sequence(lambda n: f"Penerima {n}")
    card_number = factory.Sequence(lambda n: f"9{n:015d}")
    pin_hash = factory.LazyAttribute(lambda o: make_password(o.pin) if o.pin else "")


class ProgrammeFactory(factory.django.DjangoModelFactory):
    """An active programme of Rp300.000 a month for 8 months, starting this month, for every
    staple category, spendable in the given market (or the village only without one)."""

    class Meta:
        model = Programme
        skip_postgeneration_save = True

    village = factory.SubFactory(VillageFactory)
    name = "BLT Dana Desa"
    amount_per_month = 300_000
    first_month = factory.LazyFunction(lambda: datetime.date.today().replace(day=1))
    months = 8
    scope = factory.LazyAttribute(
        lambda o: ProgrammeScope.MARKET if o.market else ProgrammeScope.VILLAGE
    )
    market = None
    status = ProgrammeStatus.ACTIVE

    @factory.post_generation
    def allowed_categories(self, create, extracted, **kwargs):
        if not create:
            return
        categories = extracted
        if categories is None:
            category("beras")  # seeds the category tree again after a transactional flush
            categories = Category.objects.filter(is_staple=True)
        self.allowed_categories.set(categories)


def credit(beneficiary, programme, amount, key=None):
    """Put ``amount`` in the beneficiary's wallet as an issuance would; returns the wallet."""
    wallet = accounts.wallet_for(beneficiary, programme)
    ledger.move(
        key=key or f"test-credit:{wallet.pk}:{next(_niks)}",
        kind=TransferKind.ISSUE,
        source=accounts.programme_fund(programme),
        destination=accounts.wallet_account(wallet),
        amount=amount,
        village_id=programme.village_id,
    )
    return wallet
