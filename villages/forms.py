from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.adapter import IndonesianPhoneField
from villages.enums import Role, SellerKind


class SellerForm(forms.Form):
    name = forms.CharField(label=_("Seller name"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=SellerKind.choices, initial=SellerKind.UMKM)
    whatsapp = IndonesianPhoneField(label=_("WhatsApp number"), required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)


class MembershipForm(forms.Form):
    login = forms.CharField(
        label=_("Phone number or email of the person"),
        max_length=254,
        help_text=_("They must have signed up already."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    seller = forms.ChoiceField(label=_("Seller (for seller staff)"), required=False)

    def __init__(self, *args: object, sellers: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        seller_field = self.fields["seller"]
        assert isinstance(seller_field, forms.ChoiceField)  # noqa: S101 -- declared above
        seller_field.choices = [("", "—"), *sellers]
