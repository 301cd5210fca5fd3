import pytest
from django.db import IntegrityError

from core.exceptions import DomainError
from tests.factories import BumdesFactory, SellerFactory, UserFactory
from villages import services
from villages.enums import Role, SellerKind
from villages.exceptions import NotAllowedForVillage, PersonNotFound
from villages.models import Membership, Seller, Village


@pytest.mark.django_db
def test_bumdes_admin_adds_a_seller_with_a_normalised_whatsapp(two_villages):
    home = two_villages["home"]
    admin = two_villages["people"]["home"][Role.BUMDES_ADMIN]

    seller = services.create_seller(
        acting_user=admin, village=home, name="Warung Bu Tini", whatsapp="0812 1111 2222"
    )

    assert seller.village == home
    assert seller.slug == "warung-bu-tini"
    assert seller.whatsapp == "+6281211112222"


@pytest.mark.django_db
def test_second_seller_with_the_same_name_gets_its_own_slug(two_villages):
    home = two_villages["home"]
    admin = two_villages["people"]["home"][Role.BUMDES_ADMIN]
    services.create_seller(acting_user=admin, village=home, name="Warung Bu Tini")
    second = services.create_seller(acting_user=admin, village=home, name="Warung Bu Tini")
    assert second.slug == "warung-bu-tini-2"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.RESIDENT, Role.SELLER_STAFF, Role.VILLAGE_OFFICIAL])
def test_other_roles_cannot_add_sellers(two_villages, role):
    home = two_villages["home"]
    before = Seller.objects.count()
    with pytest.raises(NotAllowedForVillage):
        services.create_seller(
            acting_user=two_villages["people"]["home"][role], village=home, name="X"
        )
    assert Seller.objects.count() == before


@pytest.mark.django_db
def test_a_bumdes_admin_of_another_village_cannot_add_sellers_here(two_villages):
    with pytest.raises(NotAllowedForVillage):
        services.create_seller(
            acting_user=two_villages["people"]["other"][Role.BUMDES_ADMIN],
            village=two_villages["home"],
            name="Penyusup",
        )
    assert not Seller.objects.filter(name="Penyusup").exists()


@pytest.mark.django_db
def test_a_bumdes_unit_needs_the_village_bumdes(two_villages):
    home = two_villages["home"]
    admin = two_villages["people"]["home"][Role.BUMDES_ADMIN]
    with pytest.raises(DomainError):
        services.create_seller(
            acting_user=admin, village=home, name="Unit", kind=SellerKind.BUMDES_UNIT
        )
    bumdes = BumdesFactory(village=home)
    unit = services.create_seller(
        acting_user=admin, village=home, name="Unit", kind=SellerKind.BUMDES_UNIT
    )
    assert unit.bumdes == bumdes


@pytest.mark.django_db
def test_granting_a_role_twice_keeps_one_membership(two_villages):
    home = two_villages["home"]
    admin = two_villages["people"]["home"][Role.BUMDES_ADMIN]
    person = UserFactory()
    first = services.grant_membership(
        acting_user=admin, village=home, user=person, role=Role.RESIDENT
    )
    second = services.grant_membership(
        acting_user=admin, village=home, user=person, role=Role.RESIDENT
    )
    assert first.pk == second.pk
    assert Membership.objects.filter(user=person).count() == 1


@pytest.mark.django_db
def test_bumdes_admin_cannot_appoint_village_officials(two_villages):
    home = two_villages["home"]
    admin = two_villages["people"]["home"][Role.BUMDES_ADMIN]
    with pytest.raises(NotAllowedForVillage):
        services.grant_membership(
            acting_user=admin, village=home, user=UserFactory(), role=Role.VILLAGE_OFFICIAL
        )


@pytest.mark.django_db
def test_seller_staff_must_work_for_a_seller_of_the_same_village(two_villages):
    home, other = two_villages["home"], two_villages["other"]
    admin = two_villages["people"]["home"][Role.BUMDES_ADMIN]
    foreign_seller = SellerFactory(village=other)
    with pytest.raises(DomainError):
        services.grant_membership(
            acting_user=admin,
            village=home,
            user=UserFactory(),
            role=Role.SELLER_STAFF,
            seller=foreign_seller,
        )


@pytest.mark.django_db
def test_find_user_by_any_phone_form_or_email():
    person = UserFactory(phone="+6281299998888", email="tini@contoh.id")
    assert services.find_user_by_login("0812-9999-8888") == person
    assert services.find_user_by_login("TINI@contoh.id") == person
    with pytest.raises(PersonNotFound):
        services.find_user_by_login("0812 0000 0000")


@pytest.mark.django_db
def test_database_refuses_a_malformed_kemendagri_code():
    with pytest.raises(IntegrityError):
        Village.objects.create(
            name="Salah",
            slug="salah",
            code="3402152001",
            kecamatan="-",
            kabupaten="-",
            provinsi="-",
        )


@pytest.mark.django_db
def test_database_refuses_seller_staff_without_a_seller(two_villages):
    with pytest.raises(IntegrityError):
        Membership.objects.create(
            user=UserFactory(), village=two_villages["home"], role=Role.SELLER_STAFF
        )


@pytest.mark.django_db
def test_a_village_has_at_most_one_bumdes_of_its_own(two_villages):
    BumdesFactory(village=two_villages["home"])
    with pytest.raises(IntegrityError):
        BumdesFactory(village=two_villages["home"])
