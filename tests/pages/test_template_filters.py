"""Template filters that shape numbers for display."""

from django.template import Context, Template


def render(source: str, **context) -> str:
    return Template("{% load pasardesa %}" + source).render(Context(context))


def test_masked_phone_keeps_enough_to_recognise_the_number():
    assert render("{{ phone|masked_phone }}", phone="+6281234567890") == "+62812••••7890"


def test_masked_phone_of_a_person_without_a_phone_is_empty():
    assert render("{{ phone|masked_phone|default:'—' }}", phone=None) == "—"


def test_whatsapp_link_drops_the_plus_sign():
    assert render("{{ phone|whatsapp_link }}", phone="+6281234567890") == (
        "https://wa.me/6281234567890"
    )


def test_rupiah_groups_thousands_with_dots():
    assert render("{{ amount|rupiah }}", amount=12500) == "Rp12.500"
