from django import template

from accounts.phone import mask_phone, whatsapp_url
from core.money import format_rupiah

register = template.Library()


@register.filter(name="rupiah")
def rupiah(amount: int | None) -> str:
    return "" if amount is None else format_rupiah(int(amount))


@register.filter(name="masked_phone")
def masked_phone(phone: str | None) -> str:
    """``+6281234567890`` → ``+62812••••7890``; empty for a person without a phone."""
    return mask_phone(phone) if phone else ""


@register.filter(name="whatsapp_link")
def whatsapp_link(phone: str | None, text: str = "") -> str:
    """A ``https://wa.me/<digits>`` click-to-chat link, or empty without a number."""
    return whatsapp_url(phone, str(text)) if phone else ""
