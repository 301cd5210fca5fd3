"""Order notifications through one pluggable channel.

Services call ``notify_order_placed`` / ``notify_fulfilment_changed`` inside their
transaction; those only enqueue a Celery task with ``enqueue_on_commit``, so nothing is sent
for a write that rolls back and no gateway is called while rows are locked. The task loads
the rows again and hands them to every notifier named by ``PASARDESA_ORDER_NOTIFIERS``
(dotted paths of classes with the ``OrderNotifier`` methods). A WhatsApp or SMS gateway
plugs in as ``accounts.messaging`` text sender, used here by ``TextMessageNotifier``.

A task may run twice: each (effect, notifier) pair takes a cache key first, so a retry only
repeats the notifiers that failed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache, partial
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db.models import Q, prefetch_related_objects
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.messaging import get_text_sender
from accounts.phone import whatsapp_url
from core.money import format_rupiah
from core.tasks import call_on_commit, enqueue_on_commit, runs_in_process
from orders.enums import EventType, FulfilmentStatus, PaymentStatus
from orders.models import Fulfilment, FulfilmentEvent, Order
from villages.enums import Role

logger = logging.getLogger(__name__)

DEFAULT_NOTIFIERS = ["orders.notifications.LogNotifier", "orders.notifications.EmailNotifier"]
# How long a sent notification is remembered, so a task run again does not repeat it.
SENT_KEY_SECONDS = 2 * 24 * 60 * 60


class OrderNotifier(Protocol):
    """One way of telling people about orders. Raise on failure; the task retries."""

    def order_placed(self, order: Order) -> None:
        """Tell each seller of ``order`` that a new order came in."""

    def fulfilment_changed(self, fulfilment: Fulfilment, event: FulfilmentEvent) -> None:
        """Tell the buyer what ``event`` changed on ``fulfilment``."""


# --- Who hears, in which language ---------------------------------------------------------


def language_of(person: Any) -> str:
    """The person's language if they chose one and we speak it; else Indonesian."""
    chosen = getattr(person, "language", "") or ""
    supported = {code for code, _name in settings.LANGUAGES}
    return chosen if chosen in supported else settings.LANGUAGE_CODE


def seller_people(fulfilment: Fulfilment) -> list[Any]:
    """The seller's staff and the BUMDes admins of its village: who runs the order queue."""
    from accounts.models import User
    from villages.models import Membership

    user_ids = (
        Membership.objects.filter(village_id=fulfilment.village_id)
        .filter(
            Q(role=Role.SELLER_STAFF, seller_id=fulfilment.seller_id) | Q(role=Role.BUMDES_ADMIN)
        )
        .values("user_id")
    )
    return list(User.objects.filter(is_active=True, pk__in=user_ids).order_by("pk"))


def seller_people_of(fulfilments: Iterable[Fulfilment]) -> dict[int, list[Any]]:
    """``seller_people`` of each fulfilment (by its id), in one query for all of them."""
    from villages.models import Membership

    fulfilments = list(fulfilments)
    people: dict[int, list[Any]] = {fulfilment.pk: [] for fulfilment in fulfilments}
    if not fulfilments:
        return people
    memberships = (
        Membership.objects.filter(
            village_id__in={fulfilment.village_id for fulfilment in fulfilments},
            user__is_active=True,
        )
        .filter(
            Q(role=Role.SELLER_STAFF, seller_id__in={f.seller_id for f in fulfilments})
            | Q(role=Role.BUMDES_ADMIN)
        )
        .select_related("user")
        .order_by("user_id")
    )
    for membership in memberships:
        for fulfilment in fulfilments:
            if membership.village_id == fulfilment.village_id and (
                membership.role == Role.BUMDES_ADMIN or membership.seller_id == fulfilment.seller_id
            ):
                known = people[fulfilment.pk]
                if not known or known[-1].pk != membership.user_id:  # one role is enough
                    known.append(membership.user)
    return people


# --- Texts --------------------------------------------------------------------------------


def _prefetch_lines_of_order(fulfilment: Fulfilment) -> None:
    """Read the lines of all the order's fulfilments in one query, when they were read
    together (``deliver_order_placed``) and the lines are not in hand yet."""
    if "lines" in getattr(fulfilment, "_prefetched_objects_cache", {}):
        return
    if not Fulfilment.order.is_cached(fulfilment):  # type: ignore[attr-defined]  # Django's descriptor
        return
    siblings = getattr(fulfilment.order, "_prefetched_objects_cache", {}).get("fulfilments")
    if siblings is not None and any(sibling is fulfilment for sibling in siblings):
        prefetch_related_objects(list(siblings), "lines")


def _lines_text(fulfilment: Fulfilment) -> str:
    _prefetch_lines_of_order(fulfilment)
    return "\n".join(
        f"- {line.quantity} {line.unit} {line.product_name}: {format_rupiah(line.line_total)}"
        for line in fulfilment.lines.all()
    )


def new_order_text(fulfilment: Fulfilment) -> tuple[str, str]:
    """(subject, body) for the seller of ``fulfilment``, in the active language."""
    order = fulfilment.order
    subject = _("New order %(number)s") % {"number": order.number}
    body = "\n".join(
        [
            _("A new order came in for %(seller)s.") % {"seller": fulfilment.seller.name},
            _lines_text(fulfilment),
            _("Delivery: %(method)s") % {"method": fulfilment.get_delivery_method_display()},
            _("Total: %(total)s") % {"total": format_rupiah(fulfilment.total)},
            _("Please confirm or cancel it soon."),
        ]
    )
    return subject, body


def change_text(fulfilment: Fulfilment, event: FulfilmentEvent) -> tuple[str, str]:
    """(subject, body) for the buyer about ``event``, in the active language."""
    order = fulfilment.order
    subject = _("Your order %(number)s from %(seller)s") % {
        "number": order.number,
        "seller": fulfilment.seller.name,
    }
    if event.type == EventType.STATUS_CHANGED:
        status = str(FulfilmentStatus(event.to_status).label)
        lines = [_("Your order is now: %(status)s.") % {"status": status}]
        reason = (event.details or {}).get("reason")
        if reason:
            lines.append(_("Reason: %(reason)s") % {"reason": reason})
    elif (event.details or {}).get("to_status") == PaymentStatus.PAID:
        lines = [_("The seller confirmed your payment.")]
    else:
        lines = [_("Your payment changed.")]
    lines.append(_("Total: %(total)s") % {"total": format_rupiah(fulfilment.total)})
    return subject, "\n".join(lines)


def order_summary_text(fulfilment: Fulfilment) -> str:
    """A short summary of the order for a chat with the seller, in the active language."""
    order = fulfilment.order
    parts = [
        _("Hello %(seller)s, about my order %(number)s:")
        % {"seller": fulfilment.seller.name, "number": order.number},
        _lines_text(fulfilment),
    ]
    if fulfilment.delivery_fee:
        parts.append(_("Delivery fee: %(fee)s") % {"fee": format_rupiah(fulfilment.delivery_fee)})
    parts.append(_("Total: %(total)s") % {"total": format_rupiah(fulfilment.total)})
    parts.append(_("Status: %(status)s") % {"status": fulfilment.get_status_display()})
    return "\n".join(parts)


def whatsapp_order_summary(fulfilment: Fulfilment) -> str:
    """A click-to-chat link to the seller's WhatsApp with an Indonesian order summary.

    Empty when the seller has no WhatsApp number. For the order pages.
    """
    phone = fulfilment.seller.whatsapp or fulfilment.seller.phone
    if not phone:
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        text = order_summary_text(fulfilment)
    return whatsapp_url(phone, text)


# --- Backends -----------------------------------------------------------------------------


class LogNotifier:
    """Writes one line per notification: numbers and statuses, no personal data."""

    def order_placed(self, order: Order) -> None:
        for fulfilment in order.fulfilments.all():
            logger.info(
                "New order %s for seller %s (%s)",
                order.number,
                fulfilment.seller_id,
                format_rupiah(fulfilment.total),
            )

    def fulfilment_changed(self, fulfilment: Fulfilment, event: FulfilmentEvent) -> None:
        logger.info(
            "Order %s, seller %s: %s %s -> %s",
            fulfilment.order.number,
            fulfilment.seller_id,
            event.type,
            event.from_status or (event.details or {}).get("from_status", ""),
            event.to_status or (event.details or {}).get("to_status", ""),
        )


class EmailNotifier:
    """Django mail, in each recipient's language (Indonesian unless they chose another)."""

    def order_placed(self, order: Order) -> None:
        fulfilments = order.fulfilments.all()
        people = seller_people_of(fulfilments)
        for fulfilment in fulfilments:
            for person in people[fulfilment.pk]:
                if person.email:
                    with translation.override(language_of(person)):
                        subject, body = new_order_text(fulfilment)
                    send_mail(subject, body, None, [person.email])

    def fulfilment_changed(self, fulfilment: Fulfilment, event: FulfilmentEvent) -> None:
        buyer = fulfilment.order.buyer
        if not buyer.email:
            return
        with translation.override(language_of(buyer)):
            subject, body = change_text(fulfilment, event)
        send_mail(subject, body, None, [buyer.email])


class TextMessageNotifier:
    """The text-message sender (SMS or a WhatsApp gateway) of ``accounts.messaging``."""

    def order_placed(self, order: Order) -> None:
        sender = get_text_sender()
        for fulfilment in order.fulfilments.all():
            phone = fulfilment.seller.whatsapp or fulfilment.seller.phone
            if phone:
                with translation.override(settings.LANGUAGE_CODE):
                    subject, body = new_order_text(fulfilment)
                sender.send(phone=phone, text=f"{subject}\n{body}")

    def fulfilment_changed(self, fulfilment: Fulfilment, event: FulfilmentEvent) -> None:
        buyer = fulfilment.order.buyer
        phone = fulfilment.order.contact_phone or buyer.phone
        if not phone:
            return
        with translation.override(language_of(buyer)):
            subject, body = change_text(fulfilment, event)
        get_text_sender().send(phone=phone, text=f"{subject}\n{body}")


@lru_cache(maxsize=8)
def _notifier_class(path: str) -> type[OrderNotifier]:
    return import_string(path)  # type: ignore[no-any-return]


def get_notifiers() -> list[tuple[str, OrderNotifier]]:
    paths = getattr(settings, "PASARDESA_ORDER_NOTIFIERS", DEFAULT_NOTIFIERS)
    return [(path, _notifier_class(path)()) for path in paths]


# --- Public hooks (inside a transaction) and the deliveries (in the task) ---------------------


def notify_order_placed(order: int | Order) -> None:
    """Tell the sellers of a new order, once the caller's transaction commits.

    Takes the order's id, or the ``Order`` as the checkout wrote it, its fulfilments
    (sellers, lines) attached: without a broker the notifiers then run in this process on
    those rows instead of reading them again. A task gets only the id.
    """
    from orders.tasks import send_order_placed

    if isinstance(order, Order) and runs_in_process(send_order_placed):
        call_on_commit(send_order_placed.name, partial(deliver_placed_order, order))
        return
    pk = order.pk if isinstance(order, Order) else order
    enqueue_on_commit(send_order_placed, order_id=pk)


def notify_fulfilment_changed(fulfilment_id: int, event_id: int) -> None:
    """Tell the buyer about ``event_id``, once the caller's transaction commits."""
    from orders.tasks import send_fulfilment_changed

    enqueue_on_commit(send_fulfilment_changed, fulfilment_id=fulfilment_id, event_id=event_id)


class NotificationFailed(Exception):
    """Some notifiers failed; they are retried, the others are not repeated."""


@contextmanager
def _once(key: str) -> Iterator[bool]:
    """Yield True if ``key`` was not taken yet; a failure inside frees it for the retry."""
    taken = cache.add(key, 1, SENT_KEY_SECONDS)
    try:
        yield taken
    except Exception:
        if taken:
            cache.delete(key)
        raise


def _deliver(effect: str, calls: Iterable[tuple[str, Any]]) -> int:
    failures = []
    sent = 0
    for path, call in calls:
        try:
            with _once(f"orders:notified:{effect}:{path}") as first:
                if first:
                    call()
                    sent += 1
        except Exception:  # one broken channel must not silence the others
            logger.exception("Notifier %s failed for %s", path, effect)
            failures.append(path)
    if failures:
        raise NotificationFailed(", ".join(failures))
    return sent


def deliver_order_placed(order_id: int) -> int:
    """Run every notifier for a new order; returns how many ran (0 if the order is gone)."""
    # One query reads the fulfilments with their order and sellers (the buyer is not
    # told of a new order); the lines are read (one query) only by a notifier that
    # writes them out (``_lines_text``).
    fulfilments = list(
        Fulfilment.objects.filter(order_id=order_id)
        .select_related("order", "seller")
        .order_by("pk")
    )
    if not fulfilments:
        return 0
    order = fulfilments[0].order
    for fulfilment in fulfilments:
        fulfilment.order = order
    attach_prefetched(order, "fulfilments", fulfilments)
    return deliver_placed_order(order)


def deliver_placed_order(order: Order) -> int:
    """Run every notifier for ``order``, its fulfilments read with their sellers."""
    return _deliver(
        f"order:{order.pk}",
        ((path, _bind(notifier.order_placed, order)) for path, notifier in get_notifiers()),
    )


def deliver_fulfilment_changed(fulfilment_id: int, event_id: int) -> int:
    """Run every notifier for one event; returns how many ran (0 if the rows are gone)."""
    fulfilment = (
        Fulfilment.objects.select_related("order__buyer", "seller")
        .prefetch_related("lines")
        .filter(pk=fulfilment_id)
        .first()
    )
    event = FulfilmentEvent.objects.filter(pk=event_id, fulfilment_id=fulfilment_id).first()
    if fulfilment is None or event is None:
        return 0
    return _deliver(
        f"event:{event.pk}",
        (
            (path, _bind(notifier.fulfilment_changed, fulfilment, event))
            for path, notifier in get_notifiers()
        ),
    )


def attach_prefetched(instance: Any, relation: str, rows: Sequence[Any]) -> None:
    """Fill ``instance``'s prefetch cache of ``relation`` with ``rows``, as
    ``prefetch_related`` would: ``instance.<relation>.all()`` then runs no query.

    For rows already in hand: those this task read, those the checkout just wrote.
    """
    queryset = getattr(instance, relation).get_queryset()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[relation] = queryset


def _bind(function: Any, *args: Any) -> Any:
    return lambda: function(*args)
