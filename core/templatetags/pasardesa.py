from django import template

from core.money import format_rupiah

register = template.Library()


@register.filter(name="rupiah")
def rupiah(amount: int | None) -> str:
    return "" if amount is None else format_rupiah(int(amount))
