import pytest
from django.core.management import call_command

from accounts.models import User
from villages.enums import Role
from villages.models import Bumdes, Market, Membership, Seller, Village

VILLAGES = {"panggungharjo", "ngestiharjo", "guwosari", "wirokerten", "sriharjo"}


@pytest.mark.django_db
def test_seed_demo_builds_the_bantul_market_and_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = [
        Village.objects.count(),
        Seller.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
    ]
    call_command("seed_demo")

    assert [
        Village.objects.count(),
        Seller.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
    ] == counts
    market = Market.objects.get(name="Pasar Desa Bantul")
    assert set(market.villages.values_list("slug", flat=True)) == VILLAGES
    assert Bumdes.objects.count() == 5
    assert set(Village.objects.values_list("kabupaten", flat=True)) == {"Bantul"}


@pytest.mark.django_db
def test_demo_accounts_have_predictable_names_and_the_documented_password(settings):
    settings.DEBUG = True
    call_command("seed_demo")

    for village in VILLAGES:
        for prefix, role in [
            ("warga", Role.RESIDENT),
            ("penjual", Role.SELLER_STAFF),
            ("bumdes", Role.BUMDES_ADMIN),
            ("perangkat", Role.VILLAGE_OFFICIAL),
        ]:
            user = User.objects.get(email=f"{prefix}.{village}@demo.pasardesa.id")
            assert user.check_password(settings.PASARDESA_DEMO_PASSWORD)
            assert user.memberships.get().role == role
            assert user.memberships.get().village.slug == village
    assert User.objects.get(email="admin@demo.pasardesa.id").is_staff


@pytest.mark.django_db
def test_no_demo_accounts_without_debug_unless_asked(settings):
    settings.DEBUG = False
    call_command("seed_demo")
    assert not User.objects.exists()
    assert Village.objects.count() == 5

    call_command("seed_demo", "--with-accounts")
    assert User.objects.filter(email__endswith="@demo.pasardesa.id").count() == 21
