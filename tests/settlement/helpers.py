"""Sales brought to completion through the real services, for settlement tests."""

from orders import services
from orders.enums import DeliveryMethod, FulfilmentStatus
from tests.orders.factories import goods, placed_order


def complete(fulfilment, *, seller_staff, buyer):
    """Walk a fulfilment from placed to completed, as the seller and then the buyer."""
    handover = (
        FulfilmentStatus.READY_FOR_PICKUP
        if fulfilment.delivery_method == DeliveryMethod.PICKUP
        else FulfilmentStatus.SHIPPED
    )
    for step in (FulfilmentStatus.CONFIRMED, handover, FulfilmentStatus.DELIVERED):
        services.transition_fulfilment(
            actor=seller_staff, fulfilment_id=fulfilment.pk, to_status=step
        )
    services.transition_fulfilment(
        actor=buyer, fulfilment_id=fulfilment.pk, to_status=FulfilmentStatus.COMPLETED
    )
    fulfilment.refresh_from_db()
    return fulfilment


def cash_sale(people, *, price, quantity, key):
    """A completed cash order of the home resident at the home seller; its fulfilment."""
    staff = people["seller_staff"]
    product = goods(staff.memberships.get().seller, stock=100, price=price)
    order = placed_order(people["resident"], (product, quantity), key=key)
    return complete(order.fulfilments.get(), seller_staff=staff, buyer=people["resident"])
