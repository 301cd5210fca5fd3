"""Steps shared by the browser tests: people in their own browsers, signed in, in English."""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.test_order_flow import add_to_cart, in_english, restock, sign_in, step_button

__all__ = [
    "add_to_cart",
    "checkout_address",
    "in_english",
    "person",
    "restock",
    "seller_queue_url",
    "sign_in",
    "step_button",
]


def person(page, live_server, login):
    """A page in a browser context of its own (its own cookies), in English, signed in as
    ``login``: another person at another phone than ``page``'s."""
    context = page.context.browser.new_context(base_url=live_server.url)
    in_english(context, live_server.url)
    their_page = context.new_page()
    sign_in(their_page, login)
    return their_page


def checkout_address(page, *, village, recipient, phone):
    """At the checkout, an address in ``village``; the delivery options are recomputed."""
    form = page.locator("#checkout-form")
    form.locator("select[name=delivery_village]").select_option(value=str(village.pk))
    form.locator("input[name=dusun]").fill("Glondong")
    form.locator("input[name=rt]").fill("03")
    form.locator("input[name=rw]").fill("07")
    form.locator("input[name=recipient_name]").fill(recipient)
    form.locator("input[name=phone]").fill(phone)
    form.locator("button[name=update]").first.click()
    expect(page).to_have_url(re.compile(r"/checkout/$"))
    expect(form.locator("select[name=delivery_village]")).to_have_value(str(village.pk))


def seller_queue_url(seller):
    return reverse(
        "order_dashboard:queue",
        kwargs={"village_slug": seller.village.slug, "seller_slug": seller.slug},
    )
