"""My account, and allauth's pages dressed in our layout and words."""

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, SellerFactory, UserFactory
from tests.pages.html import read_page
from villages.enums import Role

STRONG_PASSWORD = "Sawah-Hijau-2026"


def uses_our_layout(page) -> bool:
    return (
        '<link rel="stylesheet" href="/static/css/app.css">' in page.html
        and '<a class="brand" href="/">pasardesa</a>' in page.html
    )


@pytest.mark.django_db
def test_sign_up_page_is_indonesian_with_allauth_field_names(client):
    page = read_page(client.get(reverse("account_signup")))

    assert '<html lang="id">' in page.html
    assert uses_our_layout(page)
    assert page.headings["h1"] == ["Daftar"]
    form = page.form_posting_to(reverse("account_signup"))
    assert form.attrs["method"] == "post"
    assert form.names() == {
        "csrfmiddlewaretoken",
        "name",
        "phone",
        "email",
        "password1",
        "password2",
    }
    for label in (
        "Nama lengkap",
        "Nomor HP",
        "E-mail (opsional)",
        "Kata sandi",
        "Kata sandi (lagi)",
    ):
        assert f">{label}</label>" in page.html
    assert 'type="tel"' in page.html


@pytest.mark.django_db
def test_sign_in_page_is_indonesian_with_allauth_field_names(client):
    page = read_page(client.get(reverse("account_login")))

    assert '<html lang="id">' in page.html
    assert uses_our_layout(page)
    assert page.headings["h1"] == ["Masuk"]
    form = page.form_posting_to(reverse("account_login"))
    assert {"csrfmiddlewaretoken", "login", "password"} <= form.names()
    assert ">Nomor HP atau email</label>" in page.html
    assert ">Kata sandi</label>" in page.html
    assert f'<a href="{reverse("account_reset_password")}">Lupa kata sandi?</a>' in page.html


@pytest.mark.django_db
def test_a_wrong_password_is_explained_in_indonesian(client):
    UserFactory(phone="+6281234567890")

    response = client.post(
        reverse("account_login"), {"login": "081234567890", "password": "bukan-sandinya"}
    )

    assert response.status_code == 200
    assert "Nomor HP atau kata sandi yang Anda masukkan salah." in read_page(response).text()


@pytest.mark.django_db
def test_phone_verification_page_asks_for_the_code_in_indonesian(
    client, text_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "name": "Siti Aminah",
                "phone": "0812 3456 7890",
                "password1": STRONG_PASSWORD,
                "password2": STRONG_PASSWORD,
            },
            follow=True,
        )

    page = read_page(response)
    assert response.redirect_chain[-1][0] == reverse("account_verify_phone")
    assert uses_our_layout(page)
    assert page.headings["h1"] == ["Masukkan kode yang kami kirim ke HP Anda"]
    form = page.form_posting_to(reverse("account_verify_phone"), having="code")
    assert form.attrs["method"] == "post"
    assert ">Kode</label>" in page.html
    assert "Kami sudah mengirim kode ke" in page.text()
    assert len(text_outbox) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("account_reset_password", "Reset Kata Sandi"),
        ("account_reset_password_done", "Reset Kata Sandi"),
    ],
)
def test_password_reset_pages_use_our_layout(client, url_name, heading):
    page = read_page(client.get(reverse(url_name)))

    assert uses_our_layout(page)
    assert page.headings["h1"] == [heading]


@pytest.mark.django_db
def test_a_broken_reset_link_gets_a_page_in_our_layout(client):
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "salah"})

    page = read_page(client.get(url, follow=True))

    assert uses_our_layout(page)
    assert page.headings["h1"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "field_names"),
    [
        ("account_change_password", {"oldpassword", "password1", "password2"}),
        ("account_email", {"email"}),
        ("account_change_phone", {"phone"}),
        ("account_logout", set()),
    ],
)
def test_account_management_pages_use_our_layout(client, url_name, field_names):
    client.force_login(UserFactory())

    page = read_page(client.get(reverse(url_name)))

    assert uses_our_layout(page)
    assert f'href="{reverse("accounts:my_account")}"' in page.html
    assert any(field_names <= form.names() for form in page.forms if form.attrs.get("action"))


@pytest.mark.django_db
def test_my_account_shows_who_i_am_and_my_roles_per_village(client, two_villages):
    home, other = two_villages["home"], two_villages["other"]
    person = UserFactory(
        name="Budi Santoso", phone="+6281311112222", phone_verified=True, email="budi@contoh.id"
    )
    seller = SellerFactory(village=home, name="Warung Budi")
    MembershipFactory(user=person, village=home, role=Role.RESIDENT)
    MembershipFactory(user=person, village=home, role=Role.SELLER_STAFF, seller=seller)
    MembershipFactory(user=person, village=other, role=Role.BUMDES_ADMIN)
    client.force_login(person)

    page = read_page(client.get(reverse("accounts:my_account")))

    profile = page.element_text("profile")
    assert "Nama Budi Santoso" in profile
    assert "Nomor HP +6281311112222 terverifikasi" in profile
    assert "E-mail budi@contoh.id" in profile
    # Seller staff also get a link to their seller's products (its words are checked in
    # tests/catalog/test_dashboard.py).
    assert page.element_text("village-panggungharjo").startswith(
        "Panggungharjo Warga Staf penjual · Warung Budi Halaman desa"
    )
    dashboard = reverse(
        "dashboard:product_list",
        kwargs={"village_slug": "panggungharjo", "seller_slug": seller.slug},
    )
    assert f'href="{dashboard}"' in page.html
    assert page.element_text("village-sriharjo") == (
        "Sriharjo Admin BUMDes Halaman desa Kelola desa"
    )
    assert f'href="{reverse("villages:manage", kwargs={"village_slug": "sriharjo"})}"' in page.html
    assert f'href="{reverse("villages:manage", kwargs={"village_slug": "panggungharjo"})}"' not in (
        page.html
    )
    assert f'href="{reverse("account_change_password")}"' in page.html
    assert len(page.forms_posting_to(reverse("account_logout"))) == 2  # header and page


@pytest.mark.django_db
def test_my_account_says_when_the_phone_is_not_verified(client):
    client.force_login(UserFactory(phone="+6281311112222", phone_verified=False))

    page = read_page(client.get(reverse("accounts:my_account")))

    assert "Nomor HP +6281311112222 belum terverifikasi Verifikasi sekarang" in (
        page.element_text("profile")
    )


@pytest.mark.django_db
def test_my_account_without_a_village_explains_how_to_get_a_role(client):
    client.force_login(UserFactory(phone=None, phone_verified=False))

    page = read_page(client.get(reverse("accounts:my_account")))

    assert "Anda belum punya peran di desa mana pun." in page.text()
    assert "Tambahkan nomor HP" in page.element_text("profile")


@pytest.mark.django_db
def test_my_account_needs_sign_in(client):
    response = client.get(reverse("accounts:my_account"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.django_db
def test_phone_page_offers_a_new_code_for_an_unverified_number(
    client, text_outbox, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(phone="+6281355554444", phone_verified=False))

    page = read_page(client.get(reverse("account_change_phone")))

    assert page.headings["h1"] == ["Ganti nomor HP"]
    assert "Nomor ini belum terverifikasi." in page.text()
    resend = page.form_posting_to(reverse("account_change_phone"), having="action")
    assert resend.attrs["id"] in page.form_targets
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_change_phone"), {"action": "verify"})
    assert response.status_code == 302
    assert response.url == reverse("account_verify_phone")
    assert [phone for phone, _text in text_outbox] == ["+6281355554444"]
