"""Writes about carts and orders. Import them from here: ``from orders import services``.

One import statement per module, each naming what it re-exports.
"""

from orders.services.cart import (  # noqa: F401 -- re-exported
    add_to_cart,
    get_or_create_cart,
    merge_carts,
    remove_cart_line,
    update_cart_line,
)
from orders.services.checkout import (  # noqa: F401 -- re-exported
    Address,
    Placement,
    place_order,
    place_order_or_find,
    validate_address,
)
from orders.services.delivery import (  # noqa: F401 -- re-exported
    DeliveryOption,
    delivery_options,
    delivery_zone,
)
from orders.services.lifecycle import (  # noqa: F401 -- re-exported
    ALLOWED_TRANSITIONS,
    Party,
    cancel_unconfirmed_fulfilment,
    complete_delivered_fulfilment,
    next_steps,
    parties_of,
    release_unpaid_transfer,
    transition_fulfilment,
)
from orders.services.payment_steps import (  # noqa: F401 -- re-exported
    confirm_transfer,
    mark_cash_collected,
    upload_transfer_proof,
)
