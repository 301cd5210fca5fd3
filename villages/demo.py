"""Demo data: the five Bantul villages of the seed story, their BUMDes, sellers and people.

Idempotent: running it again updates the same rows and creates nothing twice. The area
codes follow the Kemendagri format for Kabupaten Bantul (34.02); they are demo values,
not checked against the official register.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import User
from villages.enums import BumdesKind, Role, SellerKind
from villages.models import Bumdes, Market, MarketVillage, Membership, Seller, Village

DEMO_DOMAIN = "demo.pasardesa.id"


@dataclass(frozen=True)
class DemoVillage:
    slug: str
    name: str
    code: str
    kecamatan: str
    description: str
    bumdes: str
    sellers: tuple[tuple[str, str, str], ...]  # (name, kind, description); the first is staffed


VILLAGES = (
    DemoVillage(
        "panggungharjo",
        "Panggungharjo",
        "34.02.14.2003",
        "Sewon",
        "Desa di selatan Kota Yogyakarta yang memulai pasar tertutup pasardesa.",
        "BUMDes Panggung Lestari",
        (
            ("Warung Sembako Bu Sri", SellerKind.UMKM, "Beras, telur, minyak goreng."),
            ("Swadesa", SellerKind.BUMDES_UNIT, "Toko pangan unit usaha BUMDes."),
            ("Kampoeng Mataraman", SellerKind.BUMDES_UNIT, "Makan dan wisata budaya Jawa."),
        ),
    ),
    DemoVillage(
        "ngestiharjo",
        "Ngestiharjo",
        "34.02.15.2004",
        "Kasihan",
        "Desa di barat kota dengan banyak usaha olahan pangan dan kerajinan.",
        "BUMDes Ngestiharjo Makmur",
        (
            ("Tempe Mbak Yuni", SellerKind.UMKM, "Tempe dan tahu segar setiap pagi."),
            ("Batik Ngestiharjo", SellerKind.UMKM, "Batik tulis dan cap."),
        ),
    ),
    DemoVillage(
        "guwosari",
        "Guwosari",
        "34.02.17.2002",
        "Pajangan",
        "Desa perbukitan dengan gula jawa dan wisata alam.",
        "BUMDes Guwosari Mandiri",
        (
            ("Gula Jawa Pak Darmo", SellerKind.UMKM, "Gula jawa dan gula semut."),
            ("Wisata Guwosari", SellerKind.BUMDES_UNIT, "Paket wisata desa."),
        ),
    ),
    DemoVillage(
        "wirokerten",
        "Wirokerten",
        "34.02.13.2007",
        "Banguntapan",
        "Desa di timur kota dengan peternak ayam dan perajin bambu.",
        "BUMDes Wirokerten Sejahtera",
        (
            ("Telur Kampung Wirokerten", SellerKind.UMKM, "Telur ayam kampung."),
            ("Kerajinan Bambu Wiro", SellerKind.UMKM, "Anyaman dan perabot bambu."),
        ),
    ),
    DemoVillage(
        "sriharjo",
        "Sriharjo",
        "34.02.09.2002",
        "Imogiri",
        "Desa di tepi Sungai Oya dengan sawah luas dan wisata sungai.",
        "BUMDes Sriharjo Berdaya",
        (
            ("Beras Sriharjo", SellerKind.UMKM, "Beras petani Sriharjo."),
            ("Jasa Antar Sriharjo", SellerKind.BUMDES_UNIT, "Pitulungan: antar barang."),
        ),
    ),
)

ROLE_PREFIXES = {
    Role.RESIDENT: "warga",
    Role.SELLER_STAFF: "penjual",
    Role.BUMDES_ADMIN: "bumdes",
    Role.VILLAGE_OFFICIAL: "perangkat",
}


@dataclass
class DemoSummary:
    villages: int = 0
    sellers: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (email, role, village)


def _demo_user(
    *, email: str, name: str, phone: str, password_hash: str, staff: bool = False
) -> User:
    user, _created = User.objects.update_or_create(
        username=email.split("@")[0],
        defaults={
            "email": email,
            "name": name,
            "phone": phone,
            "phone_verified": True,
            "is_staff": staff,
            "is_superuser": staff,
        },
    )
    user.password = password_hash
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@transaction.atomic
def seed_demo(*, with_accounts: bool) -> DemoSummary:
    summary = DemoSummary()
    # Hashing is slow on purpose; the demo accounts share one published password, so one
    # hash serves them all.
    password_hash = make_password(settings.PASARDESA_DEMO_PASSWORD)
    market, _created = Market.objects.update_or_create(
        slug="pasar-desa-bantul",
        defaults={
            "name": "Pasar Desa Bantul",
            "description": (
                "Pasar bersama lima desa di Kabupaten Bantul: uang warga berputar di desa."
            ),
        },
    )
    for index, spec in enumerate(VILLAGES, start=1):
        village, _created = Village.objects.update_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "code": spec.code,
                "kecamatan": spec.kecamatan,
                "kabupaten": "Bantul",
                "provinsi": "DI Yogyakarta",
                "description": spec.description,
            },
        )
        MarketVillage.objects.get_or_create(market=market, village=village)
        bumdes, _created = Bumdes.objects.update_or_create(
            village=village,
            defaults={
                "name": spec.bumdes,
                "legal_name": f"Badan Usaha Milik Desa {spec.bumdes.removeprefix('BUMDes ')}",
                "slug": f"bumdes-{spec.slug}",
                "kind": BumdesKind.DESA,
            },
        )
        sellers = []
        for number, (name, kind, description) in enumerate(spec.sellers, start=1):
            seller, _created = Seller.objects.update_or_create(
                village=village,
                slug=name.lower().replace(" ", "-"),
                defaults={
                    "name": name,
                    "kind": kind,
                    "bumdes": bumdes if kind == SellerKind.BUMDES_UNIT else None,
                    "description": description,
                    "whatsapp": f"+6281{index:02d}{number:02d}000{index}{number}",
                },
            )
            sellers.append(seller)
        summary.villages += 1
        summary.sellers += len(sellers)
        if with_accounts:
            for role_number, (role, prefix) in enumerate(ROLE_PREFIXES.items(), start=1):
                email = f"{prefix}.{spec.slug}@{DEMO_DOMAIN}"
                user = _demo_user(
                    password_hash=password_hash,
                    email=email,
                    name=f"{prefix.capitalize()} {spec.name}",
                    phone=f"+62811{index:02d}{role_number:02d}0000",
                )
                Membership.objects.get_or_create(
                    user=user,
                    village=village,
                    role=role,
                    seller=sellers[0] if role == Role.SELLER_STAFF else None,
                )
                summary.accounts.append((email, str(role.label), spec.name))
    if with_accounts:
        email = f"admin@{DEMO_DOMAIN}"
        _demo_user(
            email=email,
            name="Admin pasardesa",
            phone="+6281100000001",
            password_hash=password_hash,
            staff=True,
        )
        summary.accounts.append((email, "Platform admin", "—"))
    return summary
