"""Buyer pages: the cart, checkout, an order's confirmation and detail, and my orders.

Every page works without JavaScript: each change is a plain form post that redirects back.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from core.access import Access
from core.exceptions import DomainError, NotFound
from core.money import format_rupiah
from core.views import PublicViewMixin, SignedInViewMixin, add_domain_error_to_form
from orders import payments, services
from orders.enums import FulfilmentStatus, PaymentMethod, PaymentStatus
from orders.forms import (
    AddToCartForm,
    CartLineForm,
    CheckoutForm,
    TransferProofForm,
    delivery_field_name,
)
from orders.models import Cart, Fulfilment, FulfilmentEvent, Order
from orders.notifications import whatsapp_order_summary
from orders.selectors import CartSummary, cart_summary, get_cart, get_order_for_buyer
from orders.selectors import orders_for_buyer as buyer_orders
from orders.services.delivery import DeliveryOption, delivery_settings_for, options_from_settings
from villages.enums import Role
from villages.models import Village
from villages.tenancy import scope_for
from vouchers.selectors.wallet import (
    CartGroupInput,
    CheckoutCover,
    WalletSummary,
    checkout_cover,
    wallets_for_user,
)

# The header shows this many lines without a query: kept in the session by these views.
CART_COUNT_SESSION_KEY = "cart_count"
MY_ORDERS_LIMIT = 50
# A transfer proof may be sent (again) while the seller has not confirmed the money.
OPEN_PAYMENT_STATUSES = (PaymentStatus.PENDING, PaymentStatus.AWAITING_CONFIRMATION)


class OwnerViewMixin(LoginRequiredMixin):
    """Signed in, and the order the URL names is the person's own; anyone else gets 404."""

    access = Access.OWNER
    order: Order
    kwargs: dict[str, Any]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        try:
            self.order = get_order_for_buyer(user=request.user, number=kwargs["order_number"])
        except NotFound as error:
            raise Http404(str(error.message)) from error
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)
        return response

    def get_fulfilment(self) -> Fulfilment:
        """The fulfilment of the URL among the order's own (already fetched), else 404."""
        for fulfilment in self.order.fulfilments.all():
            if fulfilment.pk == self.kwargs["fulfilment_id"]:
                return fulfilment
        raise Http404


# --- Cart helpers ---------------------------------------------------------------------------


def _session_key(request: HttpRequest, *, create: bool) -> str | None:
    if create and not request.session.session_key:
        request.session.save()
    return request.session.session_key


def current_cart(request: HttpRequest) -> Cart | None:
    """The visitor's cart without creating one (one query)."""
    return get_cart(user=request.user, session_key=_session_key(request, create=False))


def cart_for_writing(request: HttpRequest) -> Cart:
    """The visitor's cart, created on first use; an anonymous visitor gets a session."""
    if request.user.is_authenticated:
        return services.get_or_create_cart(user=request.user)
    return services.get_or_create_cart(session_key=_session_key(request, create=True))


def remember_cart_count(request: HttpRequest, count: int) -> None:
    if request.session.get(CART_COUNT_SESSION_KEY) != count:
        request.session[CART_COUNT_SESSION_KEY] = count


def _line_count(cart: Cart) -> int:
    return cart.lines.count()


def _back(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("orders:cart")


# --- Cart ------------------------------------------------------------------------------------


class CartView(PublicViewMixin, TemplateView):
    """``/keranjang/``: lines grouped by seller, with price and stock changes shown."""

    template_name = "orders/buyer/cart.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        cart = current_cart(self.request)
        summary = cart_summary(cart) if cart is not None else None
        remember_cart_count(
            self.request, sum(len(group.lines) for group in summary.groups) if summary else 0
        )
        return super().get_context_data(summary=summary, **kwargs)


class AddToCartView(PublicViewMixin, View):
    """POST ``/keranjang/tambah/``: add a product, then go back where the buyer was."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = AddToCartForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Enter a quantity of at least 1."))
            return redirect(_back(request, request.POST.get("next", "")))
        cart = cart_for_writing(request)
        try:
            line = services.add_to_cart(
                cart=cart,
                product_id=form.cleaned_data["product_id"],
                quantity=form.cleaned_data["quantity"],
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(
                request,
                _("%(name)s is in your cart.") % {"name": line.product.name},
            )
            remember_cart_count(request, _line_count(cart))
        return redirect(_back(request, form.cleaned_data["next"]))


class UpdateCartLineView(PublicViewMixin, View):
    """POST ``/keranjang/ubah/``: a new quantity for a line, or ``remove`` to take it out."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CartLineForm(request.POST)
        cart = current_cart(request)
        if cart is None or not form.is_valid():
            messages.error(request, _("That line could not be changed."))
            return redirect("orders:cart")
        product_id = form.cleaned_data["product_id"]
        quantity = form.cleaned_data["quantity"]
        try:
            if "remove" in request.POST or quantity == 0:
                services.remove_cart_line(cart=cart, product_id=product_id)
                messages.success(request, _("The product was taken out of your cart."))
            elif quantity is None:
                messages.error(request, _("Enter a quantity of at least 1."))
            else:
                services.update_cart_line(cart=cart, product_id=product_id, quantity=quantity)
                messages.success(request, _("Your cart was updated."))
        except DomainError as error:
            messages.error(request, str(error.message))
        remember_cart_count(request, _line_count(cart))
        return redirect("orders:cart")


# --- Checkout --------------------------------------------------------------------------------


def market_villages(seller_village_ids: list[int]) -> list[Village]:
    """Villages of the markets the cart's sellers belong to (one query); every village
    when those sellers' villages are in no market."""
    villages = list(
        Village.objects.filter(
            market_memberships__market__memberships__village_id__in=seller_village_ids
        )
        .distinct()
        .order_by("name", "pk")
    )
    return villages or list(Village.objects.order_by("name", "pk"))


def delivery_options_by_seller(
    summary: CartSummary, delivery_village: Village
) -> dict[int, list[DeliveryOption]]:
    settings = delivery_settings_for(group.seller.pk for group in summary.groups)
    return {
        group.seller.pk: options_from_settings(
            settings[group.seller.pk],
            seller_village=group.village,
            delivery_village=delivery_village,
        )
        for group in summary.groups
    }


def wallet_label(summary: WalletSummary) -> str:
    """A voucher as the checkout offers it: its programme and balance."""
    return _("%(programme)s · balance %(balance)s") % {
        "programme": summary.wallet.programme.name,
        "balance": format_rupiah(summary.balance),
    }


def rest_method_label(form: CheckoutForm) -> str:
    """The method chosen to pay what the voucher does not (cash unless said otherwise)."""
    value = form["payment_method"].value() or PaymentMethod.CASH
    return str(PaymentMethod(value).label) if value in PaymentMethod.values else ""


class CheckoutView(SignedInViewMixin, TemplateView):
    """``/checkout/``: address, a delivery per seller, payment; totals from the server.

    The form carries a key made when the page is rendered, so a double submit finds the
    order the first one placed. "Update delivery" re-renders the fees for another village
    without placing anything (no script needed).

    A buyer holding a usable BLT voucher is offered it first: the page shows, before
    placing, which lines it would pay and why the others not, and the split between the
    voucher and the other method; the tenders are then ``[(voucher, wallet id), (method,
    None)]``.
    """

    template_name = "orders/buyer/checkout.html"
    wallets: list[WalletSummary]
    unusable_wallets: list[WalletSummary]

    def _setup(self) -> tuple[Cart | None, CartSummary | None]:
        cart = get_cart(user=self.request.user)
        if cart is None:
            return None, None
        summary = cart_summary(cart)
        return (cart, summary) if not summary.is_empty else (cart, None)

    def _village(self, villages: list[Village], summary: CartSummary) -> Village:
        chosen = self.request.POST.get("delivery_village", "")
        by_pk = {str(village.pk): village for village in villages}
        if chosen in by_pk:
            return by_pk[chosen]
        # Most people order to where they live: their own village, when it is offered.
        home_ids = scope_for(self.request.user).village_ids([Role.RESIDENT])
        home = next((village for village in villages if village.pk in home_ids), None)
        return home or by_pk.get(str(summary.groups[0].village.pk)) or villages[0]

    def _form(self, summary: CartSummary, data: Any = None) -> tuple[CheckoutForm, Village, Any]:
        villages = market_villages(sorted({group.village.pk for group in summary.groups}))
        village = self._village(villages, summary)
        options = delivery_options_by_seller(summary, village)
        user = self.request.user
        initial = {
            "delivery_village": village.pk,
            "recipient_name": getattr(user, "name", "") or "",
            "phone": getattr(user, "phone", "") or "",
        }
        every_wallet = wallets_for_user(user)
        self.wallets = [w for w in every_wallet if w.usable]
        # Vouchers holding money that cannot pay now: the page says why.
        self.unusable_wallets = [w for w in every_wallet if w.balance > 0 and not w.spendable]
        form = CheckoutForm(
            data,
            villages=villages,
            options=options,
            wallets=[(w.wallet.pk, wallet_label(w)) for w in self.wallets],
            initial=initial,
        )
        return form, village, options

    def _covers(self, summary: CartSummary, fees: dict[int, int]) -> list[CheckoutCover]:
        """What each usable voucher would pay of the cart, as checkout will allocate it."""
        groups = [
            CartGroupInput(
                seller_id=group.seller.pk,
                village_id=group.village.pk,
                lines=[
                    (line.product.pk, line.product.category_id, line.line_total)
                    for line in group.lines
                ],
                delivery_fee=fees[group.seller.pk],
            )
            for group in summary.groups
        ]
        return [checkout_cover(wallet, groups) for wallet in self.wallets]

    def _render(
        self, form: CheckoutForm, summary: CartSummary, options: dict[int, list[DeliveryOption]]
    ) -> HttpResponse:
        chosen = {seller_id: form[delivery_field_name(seller_id)].value() for seller_id in options}
        fees = {}
        for group in summary.groups:
            seller_options = options[group.seller.pk]
            fees[group.seller.pk] = next(
                (o.fee for o in seller_options if o.method.value == chosen[group.seller.pk]),
                seller_options[0].fee if seller_options else 0,
            )
        covers = self._covers(summary, fees)
        wanted = str(form["voucher_wallet"].value() or "") if covers else ""
        cover = next((c for c in covers if str(c.summary.wallet.pk) == wanted), None)
        groups = []
        for group in summary.groups:
            seller_id = group.seller.pk
            fee = fees[seller_id]
            groups.append(
                {
                    "group": group,
                    "lines": [
                        {"line": line, "cover": cover and cover.line(seller_id, line.product.pk)}
                        for line in group.lines
                    ],
                    "voucher": cover.groups[group.seller.pk].voucher if cover else 0,
                    "field": form[delivery_field_name(group.seller.pk)],
                    "has_options": bool(options[group.seller.pk]),
                    "fee": fee,
                    "total": group.goods_total + fee,
                }
            )
        delivery_total = sum(fees.values())
        context = self.get_context_data(
            form=form,
            summary=summary,
            groups=groups,
            delivery_total=delivery_total,
            total=summary.goods_total + delivery_total,
            covers=covers,
            cover=cover,
            unusable_wallets=self.unusable_wallets,
            rest_method=rest_method_label(form),
        )
        return self.render_to_response(context)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _cart, summary = self._setup()
        if summary is None:
            messages.info(request, _("Your cart is empty."))
            return redirect("orders:cart")
        form, _village, options = self._form(summary)
        return self._render(form, summary, options)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        cart, summary = self._setup()
        key = request.POST.get("idempotency_key", "")
        if summary is None or cart is None:
            # The cart was emptied by the first of a double submit: show that order.
            order = Order.objects.filter(buyer_id=request.user.pk, idempotency_key=key).first()
            if key and order is not None:
                return redirect("orders:order", order_number=order.number)
            messages.info(request, _("Your cart is empty."))
            return redirect("orders:cart")
        form, village, options = self._form(summary, request.POST)
        if "update" in request.POST or not form.is_valid():
            return self._render(form, summary, options)
        data = form.cleaned_data
        address = services.Address(
            delivery_village=village,
            recipient_name=data["recipient_name"],
            phone=data["phone"],
            dusun=data["dusun"],
            rt=data["rt"],
            rw=data["rw"],
            notes=data["notes"],
        )
        tenders: list[payments.Tender] = [(data["payment_method"], None)]
        wallet_id = form.voucher_wallet_id() if "voucher_wallet" in form.fields else None
        if wallet_id is not None:
            tenders.insert(0, (PaymentMethod.VOUCHER, wallet_id))
        try:
            order = services.place_order(
                buyer=request.user,
                cart=cart,
                address=address,
                delivery_choices=form.delivery_choices(),
                tenders=tenders,
                idempotency_key=data["idempotency_key"],
            )
        except DomainError as error:
            field = error.extra.get("field")
            if field in form.fields:
                form.add_error(field, str(error.message))
            else:
                add_domain_error_to_form(form, error)
            return self._render(form, cart_summary(cart), options)
        remember_cart_count(request, 0)
        return redirect("orders:order", order_number=order.number)


# --- Orders ----------------------------------------------------------------------------------


def with_timelines(order: Order) -> Order:
    """Adds each fulfilment's events (with their actor) to an order from the selector:
    one query for the whole order."""
    prefetch_related_objects(
        [order],
        Prefetch(
            "fulfilments__events",
            queryset=FulfilmentEvent.objects.select_related("actor").order_by("created_at", "pk"),
        ),
    )
    return order


class OrderDetailView(OwnerViewMixin, TemplateView):
    """``/pesanan/<number>/``: the confirmation after checkout, and the order's detail."""

    template_name = "orders/buyer/order_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        order = with_timelines(self.order)
        parts = []
        for fulfilment in order.fulfilments.all():
            transfer = next(
                (p for p in fulfilment.payments.all() if p.method == PaymentMethod.BANK_TRANSFER),
                None,
            )
            status = fulfilment.status
            parts.append(
                {
                    "fulfilment": fulfilment,
                    "events": [event for event in fulfilment.events.all() if event.to_status],
                    "whatsapp": whatsapp_order_summary(fulfilment),
                    "can_cancel": status == FulfilmentStatus.PLACED,
                    "can_confirm_receipt": status == FulfilmentStatus.DELIVERED,
                    "transfer": transfer,
                    "can_upload_proof": transfer is not None
                    and status not in (FulfilmentStatus.CANCELLED, FulfilmentStatus.COMPLETED)
                    and transfer.status
                    in (PaymentStatus.PENDING, PaymentStatus.AWAITING_CONFIRMATION),
                }
            )
        return super().get_context_data(
            order=order, parts=parts, proof_form=TransferProofForm(), **kwargs
        )


class FulfilmentStepView(OwnerViewMixin, View):
    """POST: the buyer moves one fulfilment of their order (cancel, or confirm receipt)."""

    http_method_names = ["post"]
    from_status: str
    to_status: str
    done_message: Any

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fulfilment = self.get_fulfilment()
        try:
            services.transition_fulfilment(
                actor=request.user,
                fulfilment_id=fulfilment.pk,
                to_status=self.to_status,
                expected_status=self.from_status,
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, str(self.done_message))
        return redirect("orders:order", order_number=self.order.number)


class CancelFulfilmentView(FulfilmentStepView):
    from_status = FulfilmentStatus.PLACED
    to_status = FulfilmentStatus.CANCELLED
    done_message = gettext_lazy("The order was cancelled.")


class ConfirmReceiptView(FulfilmentStepView):
    from_status = FulfilmentStatus.DELIVERED
    to_status = FulfilmentStatus.COMPLETED
    done_message = gettext_lazy("Thank you: the order is completed.")


class TransferProofView(OwnerViewMixin, View):
    """POST: the buyer sends the photo of a bank transfer for one fulfilment."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fulfilment = self.get_fulfilment()
        transfer = next(
            (p for p in fulfilment.payments.all() if p.method == PaymentMethod.BANK_TRANSFER),
            None,
        )
        form = TransferProofForm(request.POST, request.FILES)
        if transfer is None:
            messages.error(request, _("This order is not paid by bank transfer."))
        elif not form.is_valid():
            messages.error(request, " ".join(str(e) for e in form.errors.get("proof", [])))
        else:
            try:
                services.upload_transfer_proof(
                    actor=request.user, payment_id=transfer.pk, proof=form.cleaned_data["proof"]
                )
            except DomainError as error:
                messages.error(request, str(error.message))
            else:
                messages.success(request, _("Thank you: the seller will check your transfer."))
        return redirect("orders:order", order_number=self.order.number)


class MyOrdersView(SignedInViewMixin, TemplateView):
    """``/pesanan/``: the person's orders, newest first, with each seller's status."""

    template_name = "orders/buyer/my_orders.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        orders = list(buyer_orders(self.request.user)[:MY_ORDERS_LIMIT])
        return super().get_context_data(orders=orders, **kwargs)
