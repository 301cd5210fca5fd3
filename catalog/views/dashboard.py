"""The seller and BUMDes dashboard: products, photos, stock and CSV, one seller at a time.

Every URL names the village and the seller, and every view resolves that seller through
``get_seller_for_manager``: a BUMDes admin manages every seller of their village, seller
staff only their own. A product id in the URL must belong to that seller (else 404).
Each view parses a form, calls one service, and redirects with a message (POST-redirect-GET).
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from catalog import csv_io, services
from catalog.exceptions import PhotoNotFound
from catalog.forms import (
    PhotoRemoveForm,
    PhotoUploadForm,
    ProductCreateForm,
    ProductFilterForm,
    ProductForm,
    ProductImportForm,
    StockChangeForm,
)
from catalog.models import Product
from catalog.selectors import dashboard as selectors
from core.exceptions import DomainError, NotFound
from core.views import TenantViewMixin, add_domain_error_to_form
from villages.enums import Role
from villages.models import Seller
from villages.selectors import get_seller_for_manager

PAGE_SIZE = 25
HISTORY_SIZE = 50
SELLER_MANAGER_ROLES = frozenset({Role.BUMDES_ADMIN, Role.SELLER_STAFF})

# A form token is accepted once for this long; a second submission of the same form is a no-op.
ONE_TIME_TOKEN_SECONDS = 24 * 60 * 60


def issue_form_token() -> str:
    return secrets.token_urlsafe(24)


def _token_key(user_id: int, token: str) -> str:
    return f"dashboard:form-token:{user_id}:{token}"


def claim_form_token(*, user_id: int, token: str) -> bool:
    """True the first time ``token`` is claimed by this person; False for any repeat.

    ``cache.add`` is atomic (Redis ``SET NX``), so two copies of one form sent at the same
    moment cannot both pass.
    """
    return bool(cache.add(_token_key(user_id, token), True, ONE_TIME_TOKEN_SECONDS))


def release_form_token(*, user_id: int, token: str) -> None:
    """Let a claimed token be used again: the change it guarded was refused."""
    cache.delete(_token_key(user_id, token))


def add_service_errors(form: Any, error: DomainError | ValidationError, **field_names: str) -> None:
    """Show a service's refusal on the form: field errors on their fields, the rest on top.

    ``field_names`` maps a service's field name to the form's (e.g. ``image="photos"``).
    """
    if isinstance(error, DomainError):
        add_domain_error_to_form(form, error)
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, errors in error.error_dict.items():
        name = field_names.get(key, key)
        form.add_error(name if name in form.fields else None, errors)


class SellerDashboardMixin(TenantViewMixin):
    """The seller named by ``village_slug`` and ``seller_slug``, for those who manage it."""

    tenant_roles: frozenset[str] = SELLER_MANAGER_ROLES
    seller: Seller
    request: HttpRequest
    kwargs: dict[str, Any]

    def resolve_tenant(self) -> None:
        self.seller = get_seller_for_manager(
            user=self.request.user,
            village_slug=self.kwargs["village_slug"],
            seller_slug=self.kwargs["seller_slug"],
        )

    def get_product(self) -> Product:
        try:
            return selectors.get_product_for_manager(
                user=self.request.user, product_id=self.kwargs["product_id"], seller=self.seller
            )
        except NotFound as error:
            raise Http404(str(error.message)) from error

    def seller_kwargs(self, **extra: Any) -> dict[str, Any]:
        return {
            "village_slug": self.seller.village.slug,
            "seller_slug": self.seller.slug,
            **extra,
        }

    def dashboard_url(self, name: str, **extra: Any) -> str:
        return reverse(f"dashboard:{name}", kwargs=self.seller_kwargs(**extra))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(
            seller=self.seller,
            village=self.seller.village,
            low_stock_threshold=selectors.LOW_STOCK_THRESHOLD,
        )
        return context


class DashboardPage(SellerDashboardMixin, TemplateView):
    pass


class ProductListView(DashboardPage):
    """The seller's products, searchable and filtered, a page at a time."""

    template_name = "catalog/dashboard/product_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        filter_form = ProductFilterForm(self.request.GET or None)
        products = selectors.products_for_manager(
            user=self.request.user, seller=self.seller, **filter_form.filters()
        )
        page = Paginator(products, PAGE_SIZE).get_page(self.request.GET.get("page"))
        kept = {k: v for k, v in self.request.GET.items() if k != "page" and v}
        return super().get_context_data(
            filter_form=filter_form,
            page_obj=page,
            products=list(page.object_list),
            query_string=urlencode(kept),
            filtered=bool(kept),
            **kwargs,
        )


class LowStockView(DashboardPage):
    """Goods of the seller that are nearly sold out, fewest first."""

    template_name = "catalog/dashboard/low_stock.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        products = selectors.products_for_manager(
            user=self.request.user, seller=self.seller, low_stock=True
        ).order_by("stock", "name", "pk")
        page = Paginator(products, PAGE_SIZE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            page_obj=page,
            products=list(page.object_list),
            threshold=selectors.LOW_STOCK_THRESHOLD,
            query_string="",
            **kwargs,
        )


class ProductCreateView(DashboardPage):
    template_name = "catalog/dashboard/product_create.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", ProductCreateForm())
        return super().get_context_data(**kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ProductCreateForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                product = services.create_product_with_photos(
                    acting_user=request.user, seller=self.seller, **form.cleaned_data
                )
            except (DomainError, ValidationError) as error:
                add_service_errors(form, error, image="photos")
            else:
                messages.success(request, _("Product %(name)s added.") % {"name": product.name})
                return redirect(self.dashboard_url("product_edit", product_id=product.pk))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ProductEditView(DashboardPage):
    """Edit a product; its pictures are added and removed from the same page."""

    template_name = "catalog/dashboard/product_edit.html"

    def setup_product(self) -> Product:
        self.product = self.get_product()
        return self.product

    def initial(self) -> dict[str, Any]:
        product = self.product
        return {name: getattr(product, name) for name in ProductForm.base_fields} | {
            "price": str(product.price)
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", ProductForm(initial=self.initial()))
        kwargs.setdefault("photo_form", PhotoUploadForm())
        return super().get_context_data(
            product=self.product, photos=list(self.product.photos.all()), **kwargs
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.setup_product()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        product = self.setup_product()
        form = ProductForm(request.POST, initial=self.initial())
        if form.is_valid():
            changed = {name: form.cleaned_data[name] for name in form.changed_data}
            try:
                services.update_product(acting_user=request.user, product=product, **changed)
            except (DomainError, ValidationError) as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Product %(name)s saved.") % {"name": product.name})
                return redirect(self.dashboard_url("product_edit", product_id=product.pk))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PhotoAddView(ProductEditView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        product = self.setup_product()
        photo_form = PhotoUploadForm(request.POST, request.FILES)
        if photo_form.is_valid():
            try:
                services.add_product_photos(
                    acting_user=request.user,
                    product=product,
                    images=photo_form.cleaned_data["photos"],
                )
            except (DomainError, ValidationError) as error:
                add_service_errors(photo_form, error, image="photos")
            else:
                messages.success(request, _("Pictures added."))
                return redirect(self.dashboard_url("product_edit", product_id=product.pk))
        return self.render_to_response(self.get_context_data(photo_form=photo_form), status=400)


class PhotoRemoveView(ProductEditView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        product = self.setup_product()
        form = PhotoRemoveForm(request.POST)
        wanted = form.cleaned_data["photo"] if form.is_valid() else None
        # Only a picture of this product (already fetched with it) may be removed here.
        photo = next((p for p in product.photos.all() if p.pk == wanted), None)
        if photo is None:
            raise Http404(str(PhotoNotFound().message))
        services.remove_product_photo(acting_user=request.user, photo=photo)
        messages.success(request, _("Picture removed."))
        return redirect(self.dashboard_url("product_edit", product_id=product.pk))


class StockView(DashboardPage):
    """Restock or correct one product's stock, with its history of movements."""

    template_name = "catalog/dashboard/product_stock.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", StockChangeForm(initial={"token": issue_form_token()}))
        history = selectors.stock_history(product=self.product)[:HISTORY_SIZE]
        return super().get_context_data(product=self.product, history=list(history), **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.product = self.get_product()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.product = product = self.get_product()
        here = self.dashboard_url("product_stock", product_id=product.pk)
        form = StockChangeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            user_id: int = request.user.pk  # type: ignore[assignment]  # signed in: has a pk
            if not claim_form_token(user_id=user_id, token=data["token"]):
                messages.info(
                    request, _("This change was already saved; it was not applied twice.")
                )
                return redirect(here)
            try:
                services.adjust_stock(
                    acting_user=request.user,
                    product_id=product.pk,
                    quantity=data["quantity"],
                    kind=data["kind"],
                    reason=data["reason"],
                )
            except DomainError as error:
                release_form_token(user_id=user_id, token=data["token"])
                add_domain_error_to_form(form, error)
            else:
                messages.success(request, _("Stock of %(name)s changed.") % {"name": product.name})
                return redirect(here)
        # A fresh token for the form shown again.
        shown_again = request.POST.copy()
        shown_again["token"] = issue_form_token()
        form.data = shown_again
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ProductExportView(SellerDashboardMixin, View):
    """Every product of the seller as a CSV file, in the format import reads."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> StreamingHttpResponse:
        filename = f"{self.seller.village.slug}-{self.seller.slug}-produk.csv"
        response = StreamingHttpResponse(
            csv_io.export_products_csv(seller=self.seller), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class ProductImportView(DashboardPage):
    """Upload a CSV; on any bad row nothing is applied and every problem is listed."""

    template_name = "catalog/dashboard/product_import.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", ProductImportForm())
        return super().get_context_data(
            columns=csv_io.COLUMNS,
            max_rows=csv_io.MAX_ROWS,
            max_megabytes=csv_io.MAX_BYTES // (1024 * 1024),
            **kwargs,
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ProductImportForm(request.POST, request.FILES)
        row_errors: list[csv_io.RowError] = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = csv_io.import_products(
                    acting_user=request.user,
                    seller=self.seller,
                    data=upload.read(csv_io.MAX_BYTES + 1),
                    filename=upload.name or "",
                )
            except csv_io.ProductImportInvalid as error:
                row_errors = error.errors
                add_domain_error_to_form(form, error)
            except DomainError as error:
                add_domain_error_to_form(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Import done: %(created)s added, %(updated)s changed, "
                        "%(unchanged)s unchanged."
                    )
                    % {
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                    },
                )
                return redirect(self.dashboard_url("product_list"))
        return self.render_to_response(
            self.get_context_data(form=form, row_errors=row_errors), status=400
        )
