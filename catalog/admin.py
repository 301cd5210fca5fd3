"""Catalog admin. Categories are the platform's; products and stock are scoped by village.

Every write goes through the catalog services: products are created and edited by them,
photos added and removed by them, and stock changes only by adding a stock movement, which
calls ``adjust_stock``. Stock itself is read-only here.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from catalog import services
from catalog.models import Category, Product, ProductPhoto, StockMovement
from core.exceptions import DomainError
from core.money import format_rupiah
from villages.admin_scoping import TenantScopedAdmin

PRODUCT_FIELDS = [
    "seller",
    "name",
    "category",
    "kind",
    "price",
    "unit",
    "description",
    "weight_grams",
    "capacity",
    "tour_date",
    "meeting_point",
    "is_active",
    "is_flagship",
]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """The tree is the platform's to manage; sellers only pick from it."""

    list_display = ["name", "parent", "is_staple", "food_group", "position"]
    list_filter = ["is_staple", "food_group"]
    search_fields = ["name", "slug"]
    list_select_related = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


class ProductAdminForm(forms.ModelForm):
    initial_stock = forms.IntegerField(
        label=_("Initial stock"), min_value=0, initial=0, required=False
    )

    class Meta:
        model = Product
        fields = PRODUCT_FIELDS

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in PRODUCT_FIELDS if name != "seller"}

    def clean(self) -> dict[str, Any]:
        cleaned_data: dict[str, Any] = super().clean() or {}
        if self.errors:
            return cleaned_data
        fields = self.service_fields()
        if self.instance.pk is None:
            unchecked = {"description", "is_active", "is_flagship"}
            checked = {k: v for k, v in fields.items() if k not in unchecked}
            services.validate_product_fields(
                **checked, initial_stock=cleaned_data.get("initial_stock") or 0
            )
        else:
            stored = Product.objects.get(pk=self.instance.pk)
            services.validate_product_update(product=stored, **fields)
        return cleaned_data


class ProductPhotoInline(admin.TabularInline):
    """Photos are added and removed through the photo services (see ``save_formset``)."""

    model = ProductPhoto
    extra = 1
    fields = ["image", "preview", "status", "width", "height"]
    readonly_fields = ["preview", "status", "width", "height"]

    @admin.display(description=_("preview"))
    def preview(self, photo: ProductPhoto) -> str:
        if not photo.small:
            return "—"
        return format_html('<img src="{}" width="80" alt="">', photo.small.url)

    # Whoever may edit the product may add and remove its photos (the tenant check is the
    # product admin's); a photo is replaced, never edited.
    def parent_admin(self) -> "admin.ModelAdmin[Product]":
        return self.admin_site.get_model_admin(Product)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.parent_admin().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        admin_of_product = self.parent_admin()
        if obj is None:
            return admin_of_product.has_add_permission(request)
        return admin_of_product.has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and self.parent_admin().has_change_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(TenantScopedAdmin):
    form = ProductAdminForm
    inlines = [ProductPhotoInline]
    list_display = ["name", "seller", "village", "kind", "rupiah", "stock", "is_active"]
    list_filter = ["kind", "is_active", "is_flagship", "category"]
    search_fields = ["name", "seller__name", "village__name"]
    list_select_related = ["seller", "village"]
    readonly_fields = ["slug", "village", "stock", "stock_history"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [*PRODUCT_FIELDS[:6], "initial_stock", *PRODUCT_FIELDS[6:]]
        return [*PRODUCT_FIELDS, "slug", "village", "stock", "stock_history"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is None else [*self.readonly_fields, "seller"]

    @admin.display(description=_("price"), ordering="price")
    def rupiah(self, product: Product) -> str:
        return format_rupiah(product.price)

    @admin.display(description=_("stock history"))
    def stock_history(self, product: Product) -> str:
        url = reverse("admin:catalog_stockmovement_changelist")
        return format_html(
            '<a href="{}?product__id__exact={}">{}</a>', url, product.pk, _("Stock movements")
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            if change:
                stored = Product.objects.get(pk=obj.pk)
                product = services.update_product(
                    acting_user=request.user, product=stored, **form.service_fields()
                )
            else:
                product = services.create_product(
                    acting_user=request.user,
                    seller=form.cleaned_data["seller"],
                    initial_stock=form.cleaned_data.get("initial_stock") or 0,
                    **form.service_fields(),
                )
        except (DomainError, ValidationError) as error:  # raced past the form's checks
            raise PermissionDenied(str(error)) from error
        for name in ("pk", "slug", "village_id", "stock", "created_at", "updated_at"):
            setattr(obj, name, getattr(product, name))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not ProductPhoto:
            return super().save_formset(request, form, formset, change)
        product = Product.objects.get(pk=form.instance.pk)
        # What Django's change message reads from a formset it saved itself.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for photo_form in formset.deleted_forms:
            if photo_form.instance.pk:
                services.remove_product_photo(acting_user=request.user, photo=photo_form.instance)
                formset.deleted_objects.append(photo_form.instance)
        for photo_form in formset.extra_forms:
            image = photo_form.cleaned_data.get("image")
            if image and photo_form not in formset.deleted_forms:
                formset.new_objects.append(
                    services.add_product_photo(
                        acting_user=request.user, product=product, image=image
                    )
                )
        return None


class StockMovementAdminForm(forms.ModelForm):
    class Meta:
        model = StockMovement
        fields = ["product", "kind", "quantity", "reason"]

    reason = forms.CharField(label=_("reason"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned_data: dict[str, Any] = super().clean() or {}
        product = cleaned_data.get("product")
        if self.errors or product is None:
            return cleaned_data
        try:
            services.validate_stock_change(
                quantity=cleaned_data["quantity"],
                kind=cleaned_data["kind"],
                reason=cleaned_data.get("reason") or "",
            )
        except DomainError as error:
            raise ValidationError(str(error.message), code=error.code) from error
        if product.stock + cleaned_data["quantity"] < 0:
            raise ValidationError(
                _("Not enough stock: %(stock)s left.") % {"stock": product.stock},
                code="out_of_stock",
            )
        return cleaned_data

    def _post_clean(self) -> None:
        """The movement is written by ``adjust_stock``; the model's own checks do not apply."""


@admin.register(StockMovement)
class StockMovementAdmin(TenantScopedAdmin):
    """The ledger: read-only. Adding a movement here changes stock through ``adjust_stock``."""

    form = StockMovementAdminForm
    tenant_village_field = "product__village"
    tenant_can_delete = False
    list_display = ["created_at", "product", "kind", "quantity", "stock_after", "actor", "reason"]
    list_filter = ["kind"]
    search_fields = ["product__name", "reason"]
    list_select_related = ["product", "actor"]
    autocomplete_fields = ["product"]
    date_hierarchy = "created_at"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["product", "kind", "quantity", "reason"]
        return ["product", "kind", "quantity", "stock_after", "reason", "actor", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "product" and not self.is_platform_admin(request):
            kwargs["queryset"] = Product.objects.filter(
                village__in=self.tenant_village_ids(request)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("product", "actor")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            movement = services.adjust_stock(
                acting_user=request.user,
                product_id=form.cleaned_data["product"].pk,
                quantity=form.cleaned_data["quantity"],
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data.get("reason") or "",
            )
        except DomainError as error:  # e.g. sold out between the form and the save
            raise PermissionDenied(str(error.message)) from error
        for name in ("pk", "product_id", "kind", "quantity", "stock_after", "reason", "actor_id"):
            setattr(obj, name, getattr(movement, name))
        obj.created_at = movement.created_at
