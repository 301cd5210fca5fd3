"""The market home, a village's public page and its management page."""

import pytest
from django.urls import reverse

from tests.factories import (
    BumdesFactory,
    MarketFactory,
    SellerFactory,
    UserFactory,
    VillageFactory,
    member,
)
from tests.pages.html import read_page
from villages.enums import Role
from villages.models import MarketVillage

# the market, its villages with seller counts, their flagship products, the categories,
# the other markets
HOME_QUERIES = 5
# the village with its BUMDes, its markets, its active sellers, its products, their photos
VILLAGE_QUERIES = 5


def village_url(village):
    return reverse("villages:village", kwargs={"village_slug": village.slug})


def manage_url(village):
    return reverse("villages:manage", kwargs={"village_slug": village.slug})


@pytest.mark.django_db
def test_market_home_lists_each_village_with_its_number_of_active_sellers(client, two_villages):
    home = two_villages["home"]
    SellerFactory.create_batch(2, village=home)
    SellerFactory(village=home, is_active=False)
    VillageFactory(name="Desa Luar", slug="desa-luar")  # in no market

    page = read_page(client.get(reverse("villages:home")))

    assert page.headings["h1"] == ["Pasar Desa Bantul"]
    assert page.element_text("village-panggungharjo") == (
        "Panggungharjo Kec. Sewon, Kab. Bantul 3 penjual"
    )
    assert page.element_text("village-sriharjo") == "Sriharjo Kec. Sewon, Kab. Bantul 1 penjual"
    assert f'href="{village_url(home)}"' in page.html
    assert "Desa Luar" not in page.text()


@pytest.mark.django_db
def test_market_home_costs_the_same_queries_with_more_villages_and_sellers(
    client, two_villages, django_assert_max_num_queries
):
    with django_assert_max_num_queries(HOME_QUERIES):
        client.get(reverse("villages:home"))
    for _ in range(4):
        village = VillageFactory()
        MarketVillage.objects.create(market=two_villages["market"], village=village)
        SellerFactory.create_batch(3, village=village)
    MarketFactory(villages=[VillageFactory()])

    with django_assert_max_num_queries(HOME_QUERIES):
        response = client.get(reverse("villages:home"))

    page = read_page(response)
    assert page.text().count("3 penjual") == 4
    assert "6 desa berdagang di pasar ini." in page.text()


@pytest.mark.django_db
def test_other_markets_are_linked_from_the_market_home(client, two_villages):
    MarketFactory(name="Pasar Bersama Janti", slug="janti", villages=[VillageFactory()])

    page = read_page(client.get(reverse("villages:home")))

    assert "Pasar lain" in page.headings["h2"]
    assert f'href="{reverse("villages:market", kwargs={"market_slug": "janti"})}"' in page.html
    assert "Pasar Bersama Janti 1 desa" in page.text()


@pytest.mark.django_db
def test_market_home_without_any_market_says_so(client):
    response = client.get(reverse("villages:home"))

    assert response.status_code == 200
    assert read_page(response).headings["h1"] == ["Belum ada pasar"]


@pytest.mark.django_db
def test_unknown_market_and_village_are_not_found(client, two_villages):
    assert (
        client.get(reverse("villages:market", kwargs={"market_slug": "tidak-ada"})).status_code
        == 404
    )
    assert (
        client.get(reverse("villages:village", kwargs={"village_slug": "tidak-ada"})).status_code
        == 404
    )


@pytest.mark.django_db
def test_village_page_shows_active_sellers_with_whatsapp_and_hides_inactive_ones(
    client, two_villages
):
    home = two_villages["home"]
    BumdesFactory(village=home, name="BUMDes Panggung Lestari", legal_name="BUM Desa Panggung")
    SellerFactory(
        village=home, name="Warung Bu Sri", slug="warung-bu-sri", whatsapp="+6281299998888"
    )
    SellerFactory(village=home, name="Toko Tutup", slug="toko-tutup", is_active=False)

    page = read_page(client.get(village_url(home)))

    assert page.headings["h1"] == ["Desa Panggungharjo"]
    assert "BUMDes Panggung Lestari (BUM Desa Panggung)" in page.text()
    assert "Pasar Desa Bantul" in page.text()
    assert "34.02.15.2001" in page.text()
    assert page.element_text("seller-warung-bu-sri") == (
        "Warung Bu Sri UMKM (usaha kecil) Chat lewat WhatsApp"
    )
    assert 'href="https://wa.me/6281299998888"' in page.html
    assert "Toko Tutup" not in page.text()
    assert manage_url(home) not in page.html


@pytest.mark.django_db
def test_village_page_without_a_bumdes_or_sellers(client, django_assert_max_num_queries):
    village = VillageFactory(name="Sepi", slug="sepi")

    with django_assert_max_num_queries(VILLAGE_QUERIES):
        response = client.get(village_url(village))

    text = read_page(response).text()
    assert "Belum ada BUMDes yang terdaftar" in text
    assert "Belum ikut pasar mana pun" in text
    assert "Desa ini belum punya penjual." in text


@pytest.mark.django_db
def test_village_page_queries_do_not_grow_with_sellers(
    client, two_villages, django_assert_max_num_queries
):
    home = two_villages["home"]
    BumdesFactory(village=home)
    SellerFactory.create_batch(15, village=home)

    with django_assert_max_num_queries(VILLAGE_QUERIES):
        response = client.get(village_url(home))

    assert read_page(response).html.count('href="https://wa.me/') == 16


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.BUMDES_ADMIN, Role.VILLAGE_OFFICIAL])
def test_stewards_find_the_management_page_from_the_village_page(client, two_villages, role):
    home = two_villages["home"]
    client.force_login(two_villages["people"]["home"][role])

    page = read_page(client.get(village_url(home)))

    assert f'href="{manage_url(home)}"' in page.html
    assert "Kelola desa ini" in page.text()


@pytest.mark.django_db
def test_management_page_masks_phones_and_posts_both_forms_to_their_urls(client, two_villages):
    home = two_villages["home"]
    admin = two_villages["people"]["home"][Role.BUMDES_ADMIN]
    resident = two_villages["people"]["home"][Role.RESIDENT]
    SellerFactory(village=home, name="Toko Tutup", slug="toko-tutup", is_active=False)
    client.force_login(admin)

    page = read_page(client.get(manage_url(home)))

    assert page.headings["h1"] == ["Kelola Panggungharjo"]
    assert resident.phone not in page.html
    masked = resident.phone[:6] + "••••" + resident.phone[-4:]
    assert f"{resident.name} {masked} Warga —" in page.element_text("members")
    assert "Toko Tutup UMKM (usaha kecil) +6281234500000 Tidak aktif" in page.element_text(
        "sellers"
    )
    seller_form = page.form_posting_to(
        reverse("villages:seller_create", kwargs={"village_slug": home.slug})
    )
    assert seller_form.attrs["method"] == "post"
    assert {"csrfmiddlewaretoken", "name", "kind", "whatsapp", "description"} <= (
        seller_form.names()
    )
    membership_form = page.form_posting_to(
        reverse("villages:membership_create", kwargs={"village_slug": home.slug})
    )
    assert {"csrfmiddlewaretoken", "login", "role", "seller"} <= membership_form.names()


@pytest.mark.django_db
def test_a_village_official_reads_the_management_page_without_the_forms(client, two_villages):
    home = two_villages["home"]
    client.force_login(two_villages["people"]["home"][Role.VILLAGE_OFFICIAL])

    page = read_page(client.get(manage_url(home)))

    assert [
        f.attrs.get("action") for f in page.forms if "kelola" in f.attrs.get("action", "")
    ] == []
    assert "Hanya admin BUMDes yang bisa menambah penjual dan memberi peran." in page.text()


@pytest.mark.django_db
def test_management_page_queries_do_not_grow_with_members(
    client, two_villages, django_assert_max_num_queries
):
    home = two_villages["home"]
    client.force_login(two_villages["people"]["home"][Role.BUMDES_ADMIN])
    with django_assert_max_num_queries(20) as small:
        client.get(manage_url(home))
    for role in (Role.RESIDENT, Role.SELLER_STAFF, Role.RESIDENT):
        member(home, role)

    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(manage_url(home))

    assert response.status_code == 200


@pytest.mark.django_db
def test_a_seller_form_with_errors_shows_them_next_to_the_field(client, two_villages):
    home = two_villages["home"]
    client.force_login(two_villages["people"]["home"][Role.BUMDES_ADMIN])

    response = client.post(
        reverse("villages:seller_create", kwargs={"village_slug": home.slug}),
        {"name": "", "kind": "umkm", "whatsapp": "0812"},
    )

    assert response.status_code == 400
    page = read_page(response)
    assert page.html.count('class="field has-error"') == 2
    assert "Nomor HP tidak valid. Gunakan nomor Indonesia, misalnya 0812 3456 7890." in (
        page.text()
    )


@pytest.mark.django_db
def test_a_refused_role_shows_the_reason_above_the_form(client, two_villages):
    home = two_villages["home"]
    client.force_login(two_villages["people"]["home"][Role.BUMDES_ADMIN])

    response = client.post(
        reverse("villages:membership_create", kwargs={"village_slug": home.slug}),
        {"login": "0819 0000 0000", "role": Role.RESIDENT},
    )

    assert response.status_code == 400
    assert 'class="msg msg-error" role="alert"' in response.content.decode()
    assert "Belum ada yang mendaftar dengan nomor HP atau alamat email itu." in (
        read_page(response).element_text("add-member")
    )


@pytest.mark.django_db
def test_a_granted_role_is_announced_after_the_redirect(client, two_villages):
    home = two_villages["home"]
    client.force_login(two_villages["people"]["home"][Role.BUMDES_ADMIN])
    newcomer = UserFactory(phone="+6281977776666")

    response = client.post(
        reverse("villages:membership_create", kwargs={"village_slug": home.slug}),
        {"login": "0819 7777 6666", "role": Role.RESIDENT},
        follow=True,
    )

    page = read_page(response)
    assert "Peran sudah diberikan." in page.text()
    assert newcomer.name in page.element_text("members")
