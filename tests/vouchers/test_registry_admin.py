"""The aid admin: platform admins look things up with the NIK masked; BUMDes admins see
no beneficiary, programme or issuance at all."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory
from villages.enums import Role
from vouchers import nik
from vouchers.models import Issuance

pytestmark = pytest.mark.django_db

NIK = "3402150101800001"
KK = "3402150101080001"


@pytest.fixture
def aid(two_villages):
    beneficiary = BeneficiaryFactory(
        village=two_villages["home"], nik=NIK, kk_encrypted=nik.encrypt(KK), name="Sri Wahyuni"
    )
    programme = ProgrammeFactory(village=two_villages["home"], name="BLT Panggungharjo")
    issuance = Issuance.objects.create(programme=programme, month=1, amount_each=300_000)
    return {"beneficiary": beneficiary, "programme": programme, "issuance": issuance}


def test_a_platform_admin_sees_beneficiaries_with_the_nik_masked_only(client, aid):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    beneficiary = aid["beneficiary"]

    listing = client.get(reverse("admin:vouchers_beneficiary_changelist"))
    change = client.get(reverse("admin:vouchers_beneficiary_change", args=[beneficiary.pk]))

    for response in (listing, change):
        assert response.status_code == 200
        html = response.content.decode()
        assert "3402••••••••0001" in html
        assert NIK not in html
        assert KK not in html
        assert beneficiary.nik_encrypted not in html
        assert beneficiary.kk_encrypted not in html
        assert beneficiary.nik_hash not in html
        assert beneficiary.pin_hash not in html
    assert "Sri Wahyuni" in listing.content.decode()


def test_programmes_and_issuances_are_read_only_in_the_admin(client, aid):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    programme, issuance = aid["programme"], aid["issuance"]

    assert client.get(reverse("admin:vouchers_programme_changelist")).status_code == 200
    assert client.get(reverse("admin:vouchers_issuance_changelist")).status_code == 200
    assert client.get(reverse("admin:vouchers_programme_add")).status_code == 403
    assert client.get(reverse("admin:vouchers_issuance_add")).status_code == 403
    client.post(
        reverse("admin:vouchers_programme_change", args=[programme.pk]),
        {"name": "Changed", "amount_per_month": 1},
    )
    programme.refresh_from_db()
    assert programme.name == "BLT Panggungharjo"
    assert programme.amount_per_month == 300_000
    delete = reverse("admin:vouchers_issuance_delete", args=[issuance.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Issuance.objects.filter(pk=issuance.pk).exists()


def test_a_bumdes_admin_sees_no_aid_in_the_admin(client, two_villages, aid):
    client.force_login(two_villages["people"]["home"][Role.BUMDES_ADMIN])

    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert "vouchers" not in index.content.decode()
    for name in ("beneficiary", "programme", "issuance"):
        assert client.get(reverse(f"admin:vouchers_{name}_changelist")).status_code == 403
    change = reverse("admin:vouchers_beneficiary_change", args=[aid["beneficiary"].pk])
    response = client.get(change)
    assert response.status_code in {302, 403}
    assert "Sri Wahyuni" not in response.content.decode()
