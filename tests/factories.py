"""Factories for the rows most tests need. Set up richer state through services."""

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import User
from villages.enums import BumdesKind, Role, SellerKind
from villages.models import Bumdes, Market, MarketVillage, Membership, Seller, Village

PASSWORD = "rahasia-desa-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Faker("name", locale="id_ID")
    email = factory.Sequence(lambda n: f"orang{n}@contoh.id")
    phone = factory.Sequence(lambda n: f"+62812{n:08d}")
    phone_verified = True
    password = factory.LazyFunction(lambda: make_password(PASSWORD))


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Desa {n}")
    slug = factory.Sequence(lambda n: f"desa-{n}")
    code = factory.Sequence(lambda n: f"34.02.{n // 1000 % 100:02d}.{n % 10000:04d}")
    kecamatan = "Sewon"
    kabupaten = "Bantul"
    provinsi = "DI Yogyakarta"
    description = "Desa di Kabupaten Bantul."


class BumdesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bumdes

    village = factory.SubFactory(VillageFactory)
    name = factory.LazyAttribute(lambda o: f"BUMDes {o.village.name}")
    legal_name = factory.LazyAttribute(lambda o: f"BUM Desa {o.village.name}")
    slug = factory.Sequence(lambda n: f"bumdes-{n}")
    kind = BumdesKind.DESA


class MarketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Market
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Pasar Bersama {n}")
    slug = factory.Sequence(lambda n: f"pasar-{n}")

    @factory.post_generation
    def villages(self, create, extracted, **kwargs):
        for village in extracted or []:
            MarketVillage.objects.create(market=self, village=village)


class SellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seller

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"Warung {n}")
    slug = factory.Sequence(lambda n: f"warung-{n}")
    kind = SellerKind.UMKM
    whatsapp = "+6281234500000"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    village = factory.SubFactory(VillageFactory)
    role = Role.RESIDENT
    seller = None


def member(village, role, *, seller=None, **user_fields):
    """A new person holding ``role`` in ``village`` (seller staff: of ``seller``)."""
    user = UserFactory(**user_fields)
    if role == Role.SELLER_STAFF and seller is None:
        seller = SellerFactory(village=village)
    MembershipFactory(user=user, village=village, role=role, seller=seller)
    return user


class CategoryFactory(factory.django.DjangoModelFactory):
    """Categories are seeded by a migration; tests mostly fetch those by slug."""

    class Meta:
        model = "catalog.Category"
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Kategori {n}")
    slug = factory.Sequence(lambda n: f"kategori-{n}")


def category(slug):
    """One of the seeded categories, e.g. ``category("beras")``.

    A transactional test starts from an emptied database (an earlier one flushed it), so
    the data migration's seeding runs again when the tree is missing; it is idempotent.
    """
    import importlib

    from django.apps import apps

    from catalog.models import Category

    found = Category.objects.filter(slug=slug).first()
    if found is None:
        importlib.import_module("catalog.migrations.0002_seed_categories").seed(apps, None)
        found = Category.objects.get(slug=slug)
    return found


class ProductFactory(factory.django.DjangoModelFactory):
    """A product of goods. Its stock starts at 0; give it stock with catalog services."""

    class Meta:
        model = "catalog.Product"

    seller = factory.SubFactory(SellerFactory)
    village = factory.LazyAttribute(lambda o: o.seller.village)
    name = factory.Sequence(lambda n: f"Beras Pandan Wangi {n}")
    slug = factory.Sequence(lambda n: f"beras-pandan-wangi-{n}")
    category = factory.LazyFunction(lambda: category("beras"))
    price = 14000
    unit = "kg"
    weight_grams = 1000
