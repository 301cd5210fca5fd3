"""A counter, a card and a wallet for the counter tests (shared by the page tests)."""

from catalog import services as catalog_services
from catalog.enums import StockMovementKind
from tests.factories import ProductFactory, category
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory, credit
from villages.enums import Role

PIN = "246810"  # the factory's PIN


def stocked(seller, *, name, slug, price, quantity=20):
    product = ProductFactory(seller=seller, name=name, category=category(slug), price=price)
    catalog_services.adjust_stock(
        acting_user=catalog_services.SYSTEM,
        product_id=product.pk,
        quantity=quantity,
        kind=StockMovementKind.RESTOCK,
    )
    return product


def counter_world(two_villages, *, balance=300_000):
    """The home village's seller with rice, eggs and soap; a card with ``balance``."""
    home = two_villages["home"]
    cashier = two_villages["people"]["home"][Role.SELLER_STAFF]
    seller = cashier.memberships.get().seller
    # Goods first: a transactional test seeds the categories again on first use.
    goods = {
        "rice": stocked(seller, name="Beras", slug="beras", price=14_000),
        "eggs": stocked(seller, name="Telur", slug="telur", price=28_000),
        "soap": stocked(seller, name="Sabun", slug="kebutuhan-rumah-tangga", price=5_000),
    }
    programme = ProgrammeFactory(village=home, market=two_villages["market"])
    beneficiary = BeneficiaryFactory(village=home, name="Sri Lestari")
    wallet = credit(beneficiary, programme, balance) if balance else None
    return {
        **two_villages,
        **goods,
        "cashier": cashier,
        "seller": seller,
        "programme": programme,
        "beneficiary": beneficiary,
        "wallet": wallet,
    }
