"""The seller's order pages: the queue, one fulfilment with its timeline, the packing slip.

Mounted under ``/kelola/<village_slug>/<seller_slug>/pesanan/`` beside the product
dashboard, with the same tenant check (``SellerDashboardMixin``): seller staff manage their
own seller, a BUMDes admin every seller of the village. A fulfilment id of another seller is
a 404. Actions are POSTs that call one service and redirect with a message; a refused step
shows the service's message and changes nothing.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import User
from catalog.models import Product
from catalog.selectors import dashboard as product_selectors
from catalog.views.dashboard import (
    DashboardPage,
    SellerDashboardMixin,
    claim_form_token,
    release_form_token,
)
from core.exceptions import DomainError, NotFound
from core.views import add_domain_error_to_form
from orders import seller_selectors
from orders import services as order_services
from orders.enums import EventType, FulfilmentStatus, PaymentMethod, PaymentStatus
from orders.models import Fulfilment, Order
from orders.seller_forms import (
    ALL,
    NEWEST,
    OPEN,
    AssistedOrderForm,
    PaymentActionForm,
    QueueFilterForm,
    TransitionForm,
)
from orders.services.checkout import Address
from orders.services.lifecycle import Party, next_steps, transition_fulfilment
from orders.services.payment_steps import confirm_transfer, mark_cash_collected

PAGE_SIZE = 25
# Everyone these pages admit manages the seller: they act as the seller's side.
SELLER_SIDE = frozenset({Party.SELLER})
CASH_STEP_FROM = (PaymentStatus.PENDING,)
TRANSFER_STEP_FROM = (PaymentStatus.PENDING, PaymentStatus.AWAITING_CONFIRMATION)


def forward_steps(fulfilment: Fulfilment) -> list[FulfilmentStatus]:
    """The seller's next steps other than cancelling (that one needs a reason form)."""
    return [s for s in next_steps(fulfilment, SELLER_SIDE) if s != FulfilmentStatus.CANCELLED]


def can_cancel(fulfilment: Fulfilment) -> bool:
    return FulfilmentStatus.CANCELLED in next_steps(fulfilment, SELLER_SIDE)


class SellerOrdersMixin(SellerDashboardMixin):
    """A fulfilment of the seller in the URL, fetched through the seller selector."""

    def order_url(self, name: str, **extra: Any) -> str:
        return reverse(f"order_dashboard:{name}", kwargs=self.seller_kwargs(**extra))

    def get_fulfilment(self) -> Fulfilment:
        try:
            fulfilment = seller_selectors.get_fulfilment_for_seller(
                user=self.request.user, fulfilment_id=self.kwargs["fulfilment_id"]
            )
        except NotFound as error:
            raise Http404(str(error.message)) from error
        # A BUMDes admin may manage several sellers: the URL's seller must be this one's.
        if fulfilment.seller_id != self.seller.pk:
            raise Http404(_("That order does not exist."))
        return fulfilment


class QueueView(SellerOrdersMixin, DashboardPage):
    """The seller's orders with the next steps as buttons; filtered by status, sorted."""

    template_name = "orders/seller/queue.html"

    def fulfilments(self, *, status: str, sort: str) -> QuerySet[Fulfilment]:
        user = self.request.user
        if status == OPEN:
            queryset = seller_selectors.seller_queue(user=user)
        else:
            queryset = seller_selectors.seller_fulfilments(
                user=user, status=None if status == ALL else status
            )
        order = ("-created_at", "-pk") if sort == NEWEST else ("created_at", "pk")
        return queryset.filter(seller=self.seller).order_by(*order)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        filter_form = QueueFilterForm(self.request.GET or None)
        filters = filter_form.filters()
        page = Paginator(self.fulfilments(**filters), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        rows = [
            {"fulfilment": f, "steps": forward_steps(f), "can_cancel": can_cancel(f)}
            for f in page.object_list
        ]
        kept = {k: v for k, v in self.request.GET.items() if k != "page" and v}
        return super().get_context_data(
            section="orders",
            filter_form=filter_form,
            filters=filters,
            page_obj=page,
            rows=rows,
            query_string=urlencode(kept),
            **kwargs,
        )


def buyer_chat_text(fulfilment: Fulfilment) -> str:
    """A prefilled message to the buyer, in the site's language (Indonesian)."""
    order = fulfilment.order
    with translation.override(settings.LANGUAGE_CODE):
        return _("Hello %(name)s, this is %(seller)s about your order %(number)s (%(status)s).") % {
            "name": order.recipient_name,
            "seller": fulfilment.seller.name,
            "number": order.number,
            "status": fulfilment.get_status_display(),
        }


class FulfilmentDetailView(SellerOrdersMixin, DashboardPage):
    """One fulfilment: lines, address, payments with their steps, and the timeline."""

    template_name = "orders/seller/fulfilment.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        fulfilment = self.get_fulfilment()
        payments = list(fulfilment.payments.all())
        for payment in payments:
            payment.cash_step = (  # type: ignore[attr-defined]  # for the template
                payment.method == PaymentMethod.CASH and payment.status in CASH_STEP_FROM
            )
            payment.transfer_step = (  # type: ignore[attr-defined]  # for the template
                payment.method == PaymentMethod.BANK_TRANSFER
                and payment.status in TRANSFER_STEP_FROM
            )
        open_fulfilment = fulfilment.status != FulfilmentStatus.CANCELLED
        return super().get_context_data(
            section="orders",
            fulfilment=fulfilment,
            order=fulfilment.order,
            lines=list(fulfilment.lines.all()),
            payments=payments,
            payments_open=open_fulfilment,
            events=list(fulfilment.events.select_related("actor")),
            steps=forward_steps(fulfilment),
            can_cancel=can_cancel(fulfilment),
            chat_text=buyer_chat_text(fulfilment),
            status_changed=EventType.STATUS_CHANGED,
            payment_changed=EventType.PAYMENT_CHANGED,
            **kwargs,
        )


class PackingSlipView(SellerOrdersMixin, DashboardPage):
    """A printable slip to put in the parcel: who it is for, where, and what is inside."""

    template_name = "orders/seller/packing_slip.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        fulfilment = self.get_fulfilment()
        lines = list(fulfilment.lines.all())
        return super().get_context_data(
            fulfilment=fulfilment,
            order=fulfilment.order,
            lines=lines,
            item_count=sum(line.quantity for line in lines),
            **kwargs,
        )


class TransitionView(SellerOrdersMixin, View):
    """POST one lifecycle step (confirm, ship, ready, delivered, cancel with a reason)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fulfilment = self.get_fulfilment()
        form = TransitionForm(request.POST)
        back = self.order_url("fulfilment", fulfilment_id=fulfilment.pk)
        if not form.is_valid():
            messages.error(request, _("That step could not be read; nothing was changed."))
            return redirect(back)
        data = form.cleaned_data
        if data["back"] == TransitionForm.BACK_TO_QUEUE:
            back = self.order_url("queue")
        try:
            moved = transition_fulfilment(
                actor=request.user,
                fulfilment_id=fulfilment.pk,
                to_status=data["to_status"],
                reason=data["reason"],
                expected_status=data["expected_status"] or None,
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(
                request,
                _("Order %(number)s: %(status)s.")
                % {"number": fulfilment.order.number, "status": moved.get_status_display()},
            )
        return redirect(back)


class PaymentActionView(SellerOrdersMixin, View):
    """POST a payment step of this fulfilment: cash collected, or transfer confirmed."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fulfilment = self.get_fulfilment()
        back = self.order_url("fulfilment", fulfilment_id=fulfilment.pk)
        form = PaymentActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("That step could not be read; nothing was changed."))
            return redirect(back)
        data = form.cleaned_data
        # Only a payment of this fulfilment may be moved from its page.
        if not fulfilment.payments.filter(pk=data["payment"]).exists():
            raise Http404(_("That payment does not exist."))
        try:
            if data["action"] == PaymentActionForm.CASH_COLLECTED:
                mark_cash_collected(actor=request.user, payment_id=data["payment"])
                done = _("Cash collected for order %(number)s.")
            else:
                confirm_transfer(
                    actor=request.user, payment_id=data["payment"], reference=data["reference"]
                )
                done = _("Transfer confirmed for order %(number)s.")
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, done % {"number": fulfilment.order.number})
        return redirect(back)


ASSISTED_PRODUCTS_SHOWN = 100


class AssistedOrderView(SellerOrdersMixin, DashboardPage):
    """An order taken for a resident at the counter or by phone (``placed_by`` the operator).

    The resident is found by the phone number of their account; the goods are this seller's;
    the address is in the seller's village. ``place_order`` takes an assisted order from the
    operator's own cart, so the page fills that cart and refuses while it holds anything
    else; a refused order takes the lines out again. A hidden token is the idempotency key:
    a second submit of one form shows the order already placed.
    """

    template_name = "orders/seller/assisted_order.html"

    def products(self) -> list[Product]:
        products = product_selectors.products_for_manager(
            user=self.request.user, seller=self.seller, active=True
        ).order_by("name", "pk")
        return list(products[:ASSISTED_PRODUCTS_SHOWN])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault(
            "form",
            AssistedOrderForm(
                initial={"token": secrets.token_urlsafe(24)}, products=self.products()
            ),
        )
        return super().get_context_data(section="orders", **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = AssistedOrderForm(request.POST, products=self.products())
        if form.is_valid():
            data = form.cleaned_data
            buyer = User.objects.filter(phone=data["buyer_phone"], is_active=True).first()
            user_id: int = request.user.pk  # type: ignore[assignment]  # signed in: has a pk
            if buyer is None:
                form.add_error("buyer_phone", _("No account has that phone number."))
            elif not claim_form_token(user_id=user_id, token=data["token"]):
                # The same form is being (or was) sent already; its order is placed once.
                placed = Order.objects.filter(buyer=buyer, idempotency_key=data["token"]).first()
                messages.info(request, _("This order was already sent; it was not placed twice."))
                if placed is None:
                    return redirect(self.order_url("queue"))
                fulfilment = placed.fulfilments.get(seller=self.seller)
                return redirect(self.order_url("fulfilment", fulfilment_id=fulfilment.pk))
            else:
                try:
                    order = self.place(form, buyer)
                except DomainError as error:
                    release_form_token(user_id=user_id, token=data["token"])
                    add_domain_error_to_form(form, error)
                else:
                    messages.success(
                        request,
                        _("Order %(number)s placed for %(name)s.")
                        % {"number": order.number, "name": order.recipient_name},
                    )
                    fulfilment = order.fulfilments.get(seller=self.seller)
                    return redirect(self.order_url("fulfilment", fulfilment_id=fulfilment.pk))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def place(self, form: AssistedOrderForm, buyer: Any) -> Order:
        data = form.cleaned_data
        operator = self.request.user
        placed = Order.objects.filter(buyer=buyer, idempotency_key=data["token"]).first()
        if placed is not None:
            return placed  # the same form sent twice
        cart = order_services.get_or_create_cart(user=operator)
        if cart.lines.exists():
            raise DomainError(
                _("Your own cart holds goods; empty it before taking an order for a resident."),
                code="operator_cart_not_empty",
            )
        try:
            for product_id, quantity in form.items():
                order_services.add_to_cart(cart=cart, product_id=product_id, quantity=quantity)
            return order_services.place_order(
                buyer=buyer,
                cart=cart,
                address=Address(
                    delivery_village=self.seller.village,
                    recipient_name=data["recipient_name"] or str(buyer),
                    phone=buyer.phone,
                    dusun=data["dusun"],
                    rt=data["rt"],
                    rw=data["rw"],
                    notes=data["notes"],
                ),
                delivery_choices={self.seller.pk: data["delivery"]},
                tenders=[(data["payment"], None)],
                idempotency_key=data["token"],
                placed_by=operator,
            )
        except DomainError:
            # Nothing was ordered: take the goods out of the operator's cart again.
            for product_id, _quantity in form.items():
                order_services.remove_cart_line(cart=cart, product_id=product_id)
            raise
