"""Storefront pages: search, category, seller and product. Public, and no script needed."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView

from catalog import search
from catalog.selectors import storefront
from core.exceptions import NotFound
from core.views import PublicViewMixin


def page_number(request: HttpRequest) -> int:
    """``?page=`` of a plain listing; anything that is not a page number is page 1."""
    value = request.GET.get("page", "")
    return int(value) if value.isdigit() else 1


class SearchView(PublicViewMixin, TemplateView):
    """``/cari/?q=…``: the whole market, with filters, sort and pages."""

    template_name = "catalog/storefront/search.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        tree = storefront.category_tree()
        form = search.ProductSearchForm(
            self.request.GET, villages=storefront.villages_for_filter(), tree=tree
        )
        results = None
        query = None
        if form.is_valid():
            query = form.to_query()
            results = search.search_products(query, tree=tree)
        return super().get_context_data(form=form, query=query, results=results, **kwargs)

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        status = 400 if context["form"].errors else 200
        return super().render_to_response(context, status=status, **kwargs)


class CategoryView(PublicViewMixin, TemplateView):
    """``/kategori/<slug>/``: the category's products and those of its subcategories."""

    template_name = "catalog/storefront/category.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        tree = storefront.category_tree()
        try:
            category = tree.get(self.kwargs["category_slug"])
        except NotFound as error:
            raise Http404(str(error.message)) from error
        products = storefront.category_products(category_ids=tree.subtree_ids(category))
        return super().get_context_data(
            category=category,
            parent=tree.parent_of(category),
            subcategories=tree.children.get(category.pk, []),
            results=storefront.product_page(products, number=page_number(self.request)),
            **kwargs,
        )


class SellerView(PublicViewMixin, TemplateView):
    """``/desa/<village>/penjual/<seller>/``: an active seller, its products and WhatsApp."""

    template_name = "catalog/storefront/seller.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        try:
            seller = storefront.get_public_seller(
                village_slug=self.kwargs["village_slug"], seller_slug=self.kwargs["seller_slug"]
            )
        except NotFound as error:
            raise Http404(str(error.message)) from error
        products = storefront.seller_products(seller=seller)
        return super().get_context_data(
            seller=seller,
            village=seller.village,
            results=storefront.product_page(products, number=page_number(self.request)),
            **kwargs,
        )


class ProductView(PublicViewMixin, TemplateView):
    """``/produk/<id>/<slug>/``. A stale or wrong slug redirects to the product's own URL."""

    template_name = "catalog/storefront/product.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            product = storefront.get_public_product(product_id=self.kwargs["product_id"])
        except NotFound as error:
            raise Http404(str(error.message)) from error
        if product.slug != self.kwargs["product_slug"]:
            return redirect(
                "catalog:product", product_id=product.pk, product_slug=product.slug, permanent=True
            )
        photos = list(product.photos.all())
        context = self.get_context_data(
            product=product,
            seller=product.seller,
            village=product.village,
            category=product.category,
            photos=photos,
            **kwargs,
        )
        return self.render_to_response(context)
