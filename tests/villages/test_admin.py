"""The admin: a BUMDes admin sees and edits only their own village's rows."""

import pytest
from django.urls import reverse

from tests.factories import SellerFactory, UserFactory
from villages.enums import Role
from villages.models import Membership, Seller


@pytest.fixture
def bumdes_admin_client(client, two_villages):
    client.force_login(two_villages["people"]["home"][Role.BUMDES_ADMIN])
    return client


@pytest.mark.django_db
def test_bumdes_admin_lists_only_their_sellers(bumdes_admin_client, two_villages):
    mine = SellerFactory(village=two_villages["home"], name="Warung Milik Sendiri")
    theirs = SellerFactory(village=two_villages["other"], name="Warung Desa Lain")

    response = bumdes_admin_client.get(reverse("admin:villages_seller_changelist"))

    assert response.status_code == 200
    assert mine.name in response.content.decode()
    assert theirs.name not in response.content.decode()


@pytest.mark.django_db
def test_bumdes_admin_cannot_open_or_change_another_villages_seller(
    bumdes_admin_client, two_villages
):
    theirs = SellerFactory(village=two_villages["other"], name="Warung Desa Lain")
    url = reverse("admin:villages_seller_change", args=[theirs.pk])

    assert bumdes_admin_client.get(url).status_code == 302  # "does not exist" for them
    bumdes_admin_client.post(url, {"name": "Diubah", "village": theirs.village_id})
    theirs.refresh_from_db()
    assert theirs.name == "Warung Desa Lain"


@pytest.mark.django_db
def test_bumdes_admin_can_only_pick_their_own_village_for_a_seller(
    bumdes_admin_client, two_villages
):
    response = bumdes_admin_client.get(reverse("admin:villages_seller_add"))
    choices = [
        c[0].value for c in response.context["adminform"].form.fields["village"].choices if c[0]
    ]
    assert choices == [two_villages["home"].pk]


@pytest.mark.django_db
def test_bumdes_admin_cannot_move_a_seller_into_another_village(bumdes_admin_client, two_villages):
    mine = SellerFactory(village=two_villages["home"])
    url = reverse("admin:villages_seller_change", args=[mine.pk])
    response = bumdes_admin_client.post(
        url,
        {
            "name": mine.name,
            "slug": mine.slug,
            "kind": mine.kind,
            "village": two_villages["other"].pk,
            "whatsapp": "",
            "phone": "",
            "description": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 200  # the form refuses the choice
    mine.refresh_from_db()
    assert mine.village == two_villages["home"]


@pytest.mark.django_db
def test_bumdes_admin_never_sees_the_user_list(bumdes_admin_client):
    response = bumdes_admin_client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 403


@pytest.mark.django_db
def test_bumdes_admin_grants_a_role_by_phone_number(bumdes_admin_client, two_villages):
    person = UserFactory(phone="+6281277776666")
    response = bumdes_admin_client.post(
        reverse("admin:villages_membership_add"),
        {"login": "0812 7777 6666", "village": two_villages["home"].pk, "role": Role.RESIDENT},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=person, village=two_villages["home"]).exists()


@pytest.mark.django_db
def test_bumdes_admin_cannot_appoint_an_official_in_the_admin(bumdes_admin_client, two_villages):
    person = UserFactory(phone="+6281277776666")
    response = bumdes_admin_client.post(
        reverse("admin:villages_membership_add"),
        {
            "login": "081277776666",
            "village": two_villages["home"].pk,
            "role": Role.VILLAGE_OFFICIAL,
        },
    )
    assert response.status_code == 200  # not a choice offered to them
    assert not Membership.objects.filter(user=person).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.RESIDENT, Role.SELLER_STAFF, Role.VILLAGE_OFFICIAL])
def test_other_roles_are_kept_out_of_the_admin(client, two_villages, role):
    client.force_login(two_villages["people"]["home"][role])
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 403


@pytest.mark.django_db
def test_anonymous_visitors_sign_in_on_the_one_sign_in_page(client):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_platform_admin_sees_every_village(client, two_villages):
    SellerFactory(village=two_villages["other"], name="Warung Desa Lain")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:villages_seller_changelist"))
    assert "Warung Desa Lain" in response.content.decode()
    assert Seller.objects.count() >= 3
