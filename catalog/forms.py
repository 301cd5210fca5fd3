"""Forms of the seller and BUMDes dashboard. They parse input; services decide the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from catalog import csv_io
from catalog.enums import ProductKind, StockMovementKind
from catalog.models import Category
from core.uploads import validate_image_upload

MAX_PHOTOS_PER_UPLOAD = 6
IMAGE_TYPES = "image/jpeg,image/png,image/webp"


class RupiahField(forms.CharField):
    """A price in whole rupiah above zero; accepts ``12500``, ``12.500`` and ``Rp12.500``."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    default_error_messages = {
        "invalid": _("Enter the price in whole rupiah above zero, e.g. 12500 or Rp12.500."),
    }

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]  # an int, not str
        text = super().to_python(value)
        if not text:
            return None
        price = csv_io.parse_rupiah(text)
        if price is None or not 0 < price <= csv_io.MAX_PRICE:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return price


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several pictures in one file input; each is checked like a single upload."""

    default_validators = [validate_image_upload]

    def __init__(self, *args: Any, max_files: int = MAX_PHOTOS_PER_UPLOAD, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": IMAGE_TYPES}))
        self.max_files = max_files
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > self.max_files:
            raise ValidationError(
                _("Choose at most %(count)s pictures at a time.") % {"count": self.max_files},
                code="too_many_files",
            )
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


def _category_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.select_related("parent").order_by("position", "name"),
        empty_label="—",
    )


class ProductForm(forms.Form):
    """The fields a seller edits; ``initial_stock`` and ``photos`` only when adding."""

    name = forms.CharField(label=_("Name"), max_length=150)
    category = _category_field()
    kind = forms.ChoiceField(
        label=_("Kind"), choices=ProductKind.choices, initial=ProductKind.GOODS
    )
    price = RupiahField(label=_("Price (rupiah)"), help_text=_("For example 12500 or Rp12.500."))
    unit = forms.CharField(
        label=_("Unit"), max_length=20, initial="pcs", help_text=_("kg, liter, butir, pcs, paket…")
    )
    weight_grams = forms.IntegerField(
        label=_("Weight (grams)"), min_value=0, required=False, help_text=_("Goods only.")
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    capacity = forms.IntegerField(
        label=_("Capacity (persons)"), min_value=1, required=False, help_text=_("Tours only.")
    )
    tour_date = forms.DateField(
        label=_("Tour date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Tours only."),
    )
    meeting_point = forms.CharField(
        label=_("Meeting point"), max_length=200, required=False, help_text=_("Tours only.")
    )
    is_active = forms.BooleanField(label=_("Shown in the market"), required=False, initial=True)
    is_flagship = forms.BooleanField(label=_("Flagship product (produk unggulan)"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == ProductKind.TOUR:
            if not data.get("capacity"):
                self.add_error("capacity", _("A tour package needs a capacity in persons."))
            if not data.get("tour_date"):
                self.add_error("tour_date", _("A tour package needs a date."))
        return data


class ProductCreateForm(ProductForm):
    initial_stock = forms.IntegerField(
        label=_("Stock now"), min_value=0, initial=0, required=False, help_text=_("Goods only.")
    )
    photos = MultipleImageField(
        label=_("Pictures"),
        required=False,
        help_text=_("JPEG, PNG or WebP; you can choose several."),
    )

    field_order = [
        "name",
        "category",
        "kind",
        "price",
        "unit",
        "initial_stock",
        "weight_grams",
        "photos",
    ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") != ProductKind.GOODS and data.get("initial_stock"):
            self.add_error("initial_stock", _("Only goods have stock."))
        data["initial_stock"] = data.get("initial_stock") or 0
        return data


class PhotoUploadForm(forms.Form):
    photos = MultipleImageField(label=_("Add pictures"))


class PhotoRemoveForm(forms.Form):
    photo = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class StockChangeForm(forms.Form):
    """A restock (goods came in) or a correction (a count found the stock was wrong).

    ``token`` is issued with the form and accepted once, so a form sent twice (a double tap
    on a slow connection, the back button) changes the stock once.
    """

    kind = forms.ChoiceField(
        label=_("What happened"),
        choices=[
            (StockMovementKind.RESTOCK, _("Restock: goods came in")),
            (StockMovementKind.CORRECTION, _("Correction: the count was wrong")),
        ],
        initial=StockMovementKind.RESTOCK,
        widget=forms.RadioSelect,
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        help_text=_("How many came in; for a correction, a minus sign takes stock out (-3)."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        quantity = data.get("quantity")
        if quantity == 0:
            self.add_error("quantity", _("Enter a quantity other than zero."))
        elif (
            quantity is not None and quantity < 0 and data.get("kind") == StockMovementKind.RESTOCK
        ):
            self.add_error("quantity", _("A restock adds stock: enter a number above zero."))
        return data


class ProductFilterForm(forms.Form):
    """The list's search and filters, read from the query string."""

    ACTIVE_CHOICES = [("", _("All")), ("1", _("Shown")), ("0", _("Hidden"))]

    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by("position", "name"),
        required=False,
        to_field_name="slug",
        empty_label=_("All categories"),
    )
    active = forms.ChoiceField(label=_("Status"), choices=ACTIVE_CHOICES, required=False)
    low_stock = forms.BooleanField(label=_("Low stock only"), required=False)

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for the list selector; empty when the query string is bad."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": data["q"].strip(),
            "category": data["category"],
            "active": {"1": True, "0": False}.get(data["active"]),
            "low_stock": True if data["low_stock"] else None,
        }


class ProductImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > csv_io.MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(megabytes)s MB; split it into smaller files.")
                % {"megabytes": csv_io.MAX_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload
