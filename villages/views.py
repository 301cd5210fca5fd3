"""Public village pages and the village's own management page."""

import hashlib
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from catalog.selectors import storefront
from catalog.views.storefront import page_number
from core.exceptions import DomainError, NotFound
from core.views import PublicViewMixin, TenantViewMixin, add_domain_error_to_form
from villages import selectors, services
from villages.enums import Role
from villages.forms import MembershipForm, SellerForm
from villages.models import Market, Village
from villages.tenancy import SELLER_MANAGERS, VILLAGE_STEWARDS, scope_for


class MarketHomeView(PublicViewMixin, TemplateView):
    """The market home: staple categories up front, then the market's villages, each with
    its number of sellers and its flagship products."""

    template_name = "villages/market_home.html"

    def get_market(self) -> Market | None:
        if "market_slug" in self.kwargs:
            try:
                return selectors.get_market(slug=self.kwargs["market_slug"])
            except NotFound as error:
                raise Http404(str(error.message)) from error
        return selectors.default_market()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        market = self.get_market()
        villages = (
            list(selectors.villages_with_seller_counts(market=market).only(*VILLAGE_CARD_FIELDS))
            if market
            else []
        )
        flagships = storefront.newest_flagships(village_ids=[village.pk for village in villages])
        for village in villages:
            # For the template and the cache key only, hence unknown to the model's type.
            village.flagships = flagships.get(village.pk, [])  # type: ignore[attr-defined]
        return super().get_context_data(
            market=market,
            villages=villages,
            villages_html=self.render_villages(market, villages) if market else "",
            staple_groups=storefront.category_tree().staple_groups() if market else [],
            other_markets=[m for m in selectors.public_markets() if m != market],
            **kwargs,
        )

    def render_villages(self, market: Market, villages: list[Village]) -> SafeString:
        """The village cards and flagship lists, from the cache while nothing they show has
        changed (see ``villages_fragment_key``), else rendered and cached for
        ``MARKET_HOME_CACHE_SECONDS``; 0 turns the cache off."""
        seconds = settings.MARKET_HOME_CACHE_SECONDS
        key = villages_fragment_key(market, villages)
        html = cache.get(key) if seconds else None
        if html is None:
            add_links(villages)
            add_card_texts(villages)
            html = render_to_string(
                "villages/_market_villages.html",
                {
                    "villages": villages,
                    "has_flagships": any(getattr(v, "flagships", []) for v in villages),
                },
            )
            if seconds:
                cache.set(key, str(html), seconds)
        return mark_safe(html)  # noqa: S308  # our own rendered template, or it read back from the cache


# What a village card shows; the rest of the village is not read.
VILLAGE_CARD_FIELDS = ("id", "name", "slug", "kecamatan", "kabupaten")


def villages_fragment_key(market: Market, villages: list[Village]) -> str:
    """A cache key that changes whenever the fragment would: the language, the script
    prefix, and everything shown of each village (name, place, active sellers) and of its
    flagships (which ones, when each last changed, which covers a new name, slug or price,
    and whether its category is a staple, for the voucher badge)."""
    facts = [
        (
            village.pk,
            village.name,
            village.slug,
            village.kecamatan,
            village.kabupaten,
            getattr(village, "seller_count", None),
            [
                (flagship.pk, flagship.changed.isoformat(), flagship.is_staple)
                for flagship in getattr(village, "flagships", [])
            ],
        )
        for village in villages
    ]
    digest = hashlib.sha256(
        repr((market.pk, get_language(), get_script_prefix(), facts)).encode()
    ).hexdigest()
    return f"market-home:villages:{digest}"


# Placeholders for add_links: a slug or an id this long never occurs in a real URL.
SLUG_PLACEHOLDER = "--slug-placeholder--"
ID_PLACEHOLDER = 987654321987654321


def add_links(villages: list[Village]) -> None:
    """Give each village and each of its flagships its page's address as ``url``.

    The market home links about 200 pages; ``{% url %}`` for each costs a reverse() apiece.
    Here each URL pattern is reversed once with placeholders, which are then replaced by
    the row's slug and id: slugs and ids need no quoting, so the result is what reverse()
    would give.
    """
    village_url = reverse("villages:village", kwargs={"village_slug": SLUG_PLACEHOLDER})
    product_url = reverse(
        "catalog:product", kwargs={"product_id": ID_PLACEHOLDER, "product_slug": SLUG_PLACEHOLDER}
    )
    for village in villages:
        # Attributes for the template only, hence unknown to the model's type.
        village.url = village_url.replace(SLUG_PLACEHOLDER, village.slug)  # type: ignore[attr-defined]
        for product in village.flagships:  # type: ignore[attr-defined]
            product.url = product_url.replace(str(ID_PLACEHOLDER), str(product.pk)).replace(
                SLUG_PLACEHOLDER, product.slug
            )


def add_card_texts(villages: list[Village]) -> None:
    """Give each village its card's translated lines: ``place`` (district and regency) and
    ``seller_count_text``.

    What ``{% blocktranslate %}`` would write (the same messages, the values escaped and
    localized, the translation not), for a fraction of its cost: fifty cards took two of
    them each, a third of the fragment's rendering.
    """
    place = _("%(kecamatan)s district, %(kabupaten)s regency")
    for village in villages:
        count = getattr(village, "seller_count", 0)
        # Attributes for the template only, hence unknown to the model's type.
        village.place = mark_safe(  # type: ignore[attr-defined]  # noqa: S308  # values escaped
            place
            % {
                "kecamatan": conditional_escape(village.kecamatan),
                "kabupaten": conditional_escape(village.kabupaten),
            }
        )
        village.seller_count_text = mark_safe(  # type: ignore[attr-defined]  # noqa: S308  # values escaped
            ngettext("%(counter)s seller", "%(counter)s sellers", count)
            % {"counter": conditional_escape(localize(count))}
        )


class VillageView(PublicViewMixin, TemplateView):
    template_name = "villages/village_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        try:
            village = selectors.get_public_village(slug=self.kwargs["village_slug"])
        except NotFound as error:
            raise Http404(str(error.message)) from error
        scope = scope_for(self.request.user)
        products = storefront.village_products(village=village)
        return super().get_context_data(
            village=village,
            can_manage=scope.has_role(village.pk, VILLAGE_STEWARDS),
            results=storefront.product_page(products, number=page_number(self.request)),
            **kwargs,
        )


class VillageTenantView(TenantViewMixin, TemplateView):
    tenant_roles: frozenset[str] = VILLAGE_STEWARDS
    village: Village

    def resolve_tenant(self) -> None:
        self.village = selectors.get_village_for_role(
            user=self.request.user, slug=self.kwargs["village_slug"], roles=self.tenant_roles
        )


class VillageManageView(VillageTenantView):
    """Who holds which role in the village, and its sellers."""

    template_name = "villages/village_manage.html"

    def seller_choices(self) -> list[tuple[str, str]]:
        return [(str(s.pk), s.name) for s in selectors.village_sellers(village=self.village)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        scope = scope_for(self.request.user)
        may_manage_sellers = scope.has_role(self.village.pk, SELLER_MANAGERS)
        context = {
            "village": self.village,
            "members": list(selectors.village_members(village=self.village)),
            "sellers": list(selectors.village_sellers(village=self.village)),
            "may_manage_sellers": may_manage_sellers,
        }
        if may_manage_sellers:
            context.setdefault("seller_form", SellerForm())
            context.setdefault("membership_form", MembershipForm(sellers=self.seller_choices()))
        context.update(kwargs)
        return super().get_context_data(**context)


class SellerCreateView(VillageManageView):
    tenant_roles = SELLER_MANAGERS
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = SellerForm(request.POST)
        if form.is_valid():
            try:
                seller = services.create_seller(
                    acting_user=request.user, village=self.village, **form.cleaned_data
                )
            except DomainError as error:
                add_domain_error_to_form(form, error)
            else:
                messages.success(request, _("Seller %(name)s added.") % {"name": seller.name})
                return redirect("villages:manage", village_slug=self.village.slug)
        return self.render_to_response(self.get_context_data(seller_form=form), status=400)


class MembershipCreateView(VillageManageView):
    tenant_roles = SELLER_MANAGERS
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = MembershipForm(request.POST, sellers=self.seller_choices())
        if form.is_valid():
            data = form.cleaned_data
            seller = None
            if data["role"] == Role.SELLER_STAFF and data["seller"]:
                seller = selectors.village_sellers(village=self.village).get(pk=data["seller"])
            try:
                person = services.find_user_by_login(data["login"])
                services.grant_membership(
                    acting_user=request.user,
                    village=self.village,
                    user=person,
                    role=data["role"],
                    seller=seller,
                )
            except DomainError as error:
                add_domain_error_to_form(form, error)
            else:
                messages.success(request, _("Role granted."))
                return redirect("villages:manage", village_slug=self.village.slug)
        return self.render_to_response(self.get_context_data(membership_form=form), status=400)
