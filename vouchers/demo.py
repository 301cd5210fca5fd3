"""Demo aid for Panggungharjo: a few beneficiaries, BLT Dana Desa 2026, month 1 issued.

Called by ``seed_demo`` after the villages, sellers and products exist. Idempotent: a
second run finds what the first created (beneficiaries by NIK, the programme by name, the
month by the issuance's unique month) and credits nobody twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from catalog.models import Category
from villages.demo import DEMO_DOMAIN
from villages.models import Market, Village
from vouchers import nik
from vouchers.enums import ExpiryRule, ProgrammeScope, ProgrammeStatus
from vouchers.models import Beneficiary, Issuance, Programme
from vouchers.services.issuance import run_issuance
from vouchers.services.registry import luhn_check_digit

VILLAGE_SLUG = "panggungharjo"
MARKET_SLUG = "pasar-desa-bantul"
PROGRAMME_NAME = "BLT Dana Desa 2026"
AMOUNT_PER_MONTH = 300_000
MONTHS = 8
DEMO_PIN = "246810"  # printed in seed_demo's output, like the demo password
RESIDENT_EMAIL = f"warga.{VILLAGE_SLUG}@{DEMO_DOMAIN}"

# (NIK, name, address). Made-up numbers in Bantul's area code (34.02); the first household
# is the demo resident's when that account exists.
HOUSEHOLDS = (
    ("3402151507800001", "Sutrisno", "Dusun Glondong RT 03"),
    ("3402154403850002", "Suminah", "Dusun Kweni RT 01"),
    ("3402151208700003", "Wagiman", "Dusun Pelemsewu RT 05"),
    ("3402155901900004", "Tumini", "Dusun Sawit RT 02"),
    ("3402150306750005", "Paijo", "Dusun Ngireng-ireng RT 04"),
)


@dataclass
class VouchersDemo:
    beneficiaries: int = 0
    credited: int = 0
    programme: Programme | None = None
    card_numbers: list[str] = field(default_factory=list)


def _card_number(index: int) -> str:
    payload = f"340215{index:09d}"
    return payload + luhn_check_digit(payload)


def seed_vouchers_demo() -> VouchersDemo:
    """Create what is missing of the demo aid; returns what there is."""
    summary = VouchersDemo()
    village = Village.objects.filter(slug=VILLAGE_SLUG).first()
    market = Market.objects.filter(slug=MARKET_SLUG).first()
    if village is None or market is None:
        return summary
    resident = User.objects.filter(email=RESIDENT_EMAIL).first()
    pin_hash = make_password(DEMO_PIN)
    with transaction.atomic():
        for index, (number, name, address) in enumerate(HOUSEHOLDS, start=1):
            beneficiary = Beneficiary.objects.filter(
                village=village, nik_hash=nik.nik_hash(number)
            ).first()
            if beneficiary is None:
                linked = resident if index == 1 else None
                beneficiary = Beneficiary.objects.create(
                    village=village,
                    nik_encrypted=nik.encrypt(number),
                    nik_hash=nik.nik_hash(number),
                    nik_masked=nik.mask(number),
                    name=(linked.name or name) if linked else name,
                    phone=(linked.phone or "") if linked else "",
                    address=address,
                    user=linked,
                    card_number=_card_number(index),
                    pin_hash=pin_hash,
                )
            elif index == 1 and resident is not None and beneficiary.user_id is None:
                beneficiary.user = resident  # the accounts were created by a later run
                beneficiary.save(update_fields=["user", "updated_at"])
            summary.beneficiaries += 1
            summary.card_numbers.append(beneficiary.card_number)
        programme, created = Programme.objects.get_or_create(
            village=village,
            name=PROGRAMME_NAME,
            defaults={
                "amount_per_month": AMOUNT_PER_MONTH,
                "first_month": timezone.localdate().replace(day=1),
                "months": MONTHS,
                "scope": ProgrammeScope.MARKET,
                "market": market,
                "expiry_rule": ExpiryRule.PROGRAMME_END,
                "status": ProgrammeStatus.ACTIVE,
            },
        )
        if created:
            programme.allowed_categories.set(Category.objects.filter(is_staple=True))
        issuance, _created = Issuance.objects.get_or_create(
            programme=programme,
            month=1,
            defaults={
                "amount_each": programme.amount_per_month,
                "total": Beneficiary.objects.filter(village=village, is_active=True).count(),
            },
        )
    # The batch the official's button sends, run here; a second run posts nothing.
    summary.credited = run_issuance(issuance_id=issuance.pk)
    summary.programme = programme
    return summary
