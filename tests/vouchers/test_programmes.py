"""Setting up a programme: its terms checked, fixed once a month is issued, and its status
moving only draft → active → closed."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from catalog.models import Category
from tests.factories import MarketFactory, VillageFactory
from tests.factories import category as seeded_category
from tests.threads import run_together
from tests.vouchers.factories import ProgrammeFactory
from villages.enums import Role
from villages.exceptions import NotAllowedForVillage
from vouchers.enums import ExpiryRule, ProgrammeScope, ProgrammeStatus
from vouchers.models import Issuance, Programme
from vouchers.selectors.programmes import ProgrammeNotFound, staple_categories
from vouchers.services import programmes as services

pytestmark = pytest.mark.django_db


def staples():
    seeded_category("beras")  # a transactional test may start from a flushed database: seed again
    return list(Category.objects.filter(is_staple=True).values_list("pk", flat=True))


def official(world, key="home"):
    return world["people"][key][Role.VILLAGE_OFFICIAL]


def terms(world, **changes):
    values = {
        "name": "BLT Dana Desa 2026",
        "amount_per_month": 300_000,
        "first_month": datetime.date(2026, 7, 15),
        "months": 8,
        "allowed_category_ids": staples(),
        "scope": ProgrammeScope.MARKET,
        "market_id": world["market"].pk,
        "expiry_rule": ExpiryRule.PROGRAMME_END,
    }
    values.update(changes)
    return values


def create(world, *, key="home", user=None, **changes):
    with translation.override("en"):
        return services.create_programme(
            acting_user=user or official(world, key),
            village_id=world[key].pk,
            **terms(world, **changes),
        )


def update(world, programme, *, key="home", **changes):
    with translation.override("en"):
        return services.update_programme(
            acting_user=official(world, key),
            village_id=world[key].pk,
            programme_id=programme.pk,
            **terms(world, **changes),
        )


def set_status(world, programme, status, *, key="home"):
    with translation.override("en"):
        return services.set_programme_status(
            acting_user=official(world, key),
            village_id=world[key].pk,
            programme_id=programme.pk,
            status=status,
        )


def errors_of(caught):
    return {key: [str(m) for m in messages] for key, messages in caught.value.message_dict.items()}


def test_an_official_opens_a_programme_as_a_draft(two_villages):
    programme = create(two_villages)

    programme.refresh_from_db()
    assert programme.village == two_villages["home"]
    assert programme.status == ProgrammeStatus.DRAFT
    assert programme.name == "BLT Dana Desa 2026"
    assert programme.amount_per_month == 300_000
    assert programme.first_month == datetime.date(2026, 7, 1)  # the month, as its 1st
    assert programme.months == 8
    assert programme.scope == ProgrammeScope.MARKET
    assert programme.market == two_villages["market"]
    assert programme.created_by == official(two_villages)
    assert sorted(programme.allowed_categories.values_list("pk", flat=True)) == sorted(staples())


def test_a_village_scope_has_no_market(two_villages):
    programme = create(two_villages, scope=ProgrammeScope.VILLAGE)

    assert programme.market is None


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"name": "  "}, {"name": ["Enter the programme's name."]}),
        (
            {"amount_per_month": 0},
            {"amount_per_month": ["Enter an amount above zero and at most Rp100.000.000."]},
        ),
        (
            {"amount_per_month": 100_000_001},
            {"amount_per_month": ["Enter an amount above zero and at most Rp100.000.000."]},
        ),
        ({"months": 0}, {"months": ["A programme runs from 1 to 24 months."]}),
        ({"months": 25}, {"months": ["A programme runs from 1 to 24 months."]}),
        ({"allowed_category_ids": []}, {"allowed_categories": ["Choose at least one category."]}),
        ({"scope": "everywhere"}, {"scope": ["Choose where the voucher may be spent."]}),
        ({"market_id": None}, {"market": ["Choose the market where the voucher may be spent."]}),
        ({"expiry_rule": "never"}, {"expiry_rule": ["Choose what happens to unspent money."]}),
    ],
)
def test_bad_terms_are_refused_on_their_field_and_nothing_is_written(two_villages, changes, errors):
    with pytest.raises(ValidationError) as caught:
        create(two_villages, **changes)

    assert errors_of(caught) == errors
    assert Programme.objects.count() == 0


def test_only_staple_categories_may_be_allowed(two_villages):
    crafts = Category.objects.get(slug="kerajinan")

    with pytest.raises(ValidationError) as caught:
        create(two_villages, allowed_category_ids=[*staples(), crafts.pk])

    assert errors_of(caught) == {
        "allowed_categories": ["Only staple food categories may be paid by voucher."]
    }


def test_the_market_must_be_one_the_village_belongs_to(two_villages):
    elsewhere = MarketFactory(villages=[VillageFactory()])

    with pytest.raises(ValidationError) as caught:
        create(two_villages, market_id=elsewhere.pk)

    assert errors_of(caught) == {"market": ["The village is not part of that market."]}


@pytest.mark.parametrize(
    ("key", "role"),
    [("home", Role.BUMDES_ADMIN), ("home", Role.RESIDENT), ("other", Role.VILLAGE_OFFICIAL)],
)
def test_only_the_villages_officials_open_programmes(two_villages, key, role):
    with pytest.raises(NotAllowedForVillage):
        create(two_villages, user=two_villages["people"][key][role])
    assert Programme.objects.count() == 0


def test_the_staple_categories_come_group_by_group():
    categories = list(staple_categories())

    assert all(category.is_staple for category in categories)
    assert len(categories) == Category.objects.filter(is_staple=True).count()
    for index, category in enumerate(categories):
        if category.parent_id:  # a child comes after its group and its group's other children
            group = categories.index(category.parent)
            assert all(c.parent_id == category.parent_id for c in categories[group + 1 : index])


# --- editing --------------------------------------------------------------------------------


def test_every_term_may_change_until_a_month_is_issued(two_villages):
    programme = create(two_villages)
    rice = Category.objects.get(slug="beras")

    update(
        two_villages,
        programme,
        name="BLT 2026 (revisi)",
        amount_per_month=250_000,
        months=6,
        first_month=datetime.date(2026, 8, 1),
        allowed_category_ids=[rice.pk],
        scope=ProgrammeScope.VILLAGE,
        expiry_rule=ExpiryRule.MONTHLY,
    )

    programme.refresh_from_db()
    assert (programme.name, programme.amount_per_month, programme.months) == (
        "BLT 2026 (revisi)",
        250_000,
        6,
    )
    assert programme.first_month == datetime.date(2026, 8, 1)
    assert list(programme.allowed_categories.all()) == [rice]
    assert (programme.scope, programme.market_id) == (ProgrammeScope.VILLAGE, None)
    assert programme.expiry_rule == ExpiryRule.MONTHLY


@pytest.mark.parametrize(
    "changes",
    [
        {"amount_per_month": 350_000},
        {"months": 12},
        {"first_month": datetime.date(2026, 9, 1)},
    ],
)
def test_amount_months_and_first_month_are_fixed_once_a_month_is_issued(two_villages, changes):
    programme = create(two_villages)
    set_status(two_villages, programme, ProgrammeStatus.ACTIVE)
    Issuance.objects.create(programme=programme, month=1, amount_each=300_000)

    with pytest.raises(ValidationError) as caught:
        update(two_villages, programme, **changes)

    (term,) = changes
    assert errors_of(caught) == {
        term: ["A month has been issued already: this can no longer change."]
    }
    programme.refresh_from_db()
    assert (programme.amount_per_month, programme.months) == (300_000, 8)
    assert programme.first_month == datetime.date(2026, 7, 1)


def test_other_terms_may_still_change_after_a_month_is_issued(two_villages):
    programme = create(two_villages)
    Issuance.objects.create(programme=programme, month=1, amount_each=300_000)

    update(two_villages, programme, name="BLT Desa", expiry_rule=ExpiryRule.MONTHLY)

    programme.refresh_from_db()
    assert programme.name == "BLT Desa"
    assert programme.expiry_rule == ExpiryRule.MONTHLY


def test_a_closed_programme_can_no_longer_change(two_villages):
    programme = ProgrammeFactory(
        village=two_villages["home"], market=two_villages["market"], status=ProgrammeStatus.CLOSED
    )

    with pytest.raises(services.ProgrammeClosed):
        update(two_villages, programme, name="Renamed")
    programme.refresh_from_db()
    assert programme.name == "BLT Dana Desa"


def test_another_villages_programme_is_not_found(two_villages):
    theirs = ProgrammeFactory(village=two_villages["other"], status=ProgrammeStatus.DRAFT)

    with pytest.raises(ProgrammeNotFound):
        update(two_villages, theirs, name="Mine now")
    with pytest.raises(ProgrammeNotFound):
        set_status(two_villages, theirs, ProgrammeStatus.ACTIVE)
    theirs.refresh_from_db()
    assert (theirs.name, theirs.status) == ("BLT Dana Desa", ProgrammeStatus.DRAFT)


# --- status ---------------------------------------------------------------------------------


def test_a_programme_goes_from_draft_to_active_to_closed(two_villages):
    programme = create(two_villages)

    assert set_status(two_villages, programme, ProgrammeStatus.ACTIVE).status == "active"
    assert set_status(two_villages, programme, ProgrammeStatus.ACTIVE).status == "active"  # twice
    assert set_status(two_villages, programme, ProgrammeStatus.CLOSED).status == "closed"
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.CLOSED


@pytest.mark.parametrize(
    ("start", "wanted"),
    [
        (ProgrammeStatus.DRAFT, ProgrammeStatus.CLOSED),
        (ProgrammeStatus.ACTIVE, ProgrammeStatus.DRAFT),
        (ProgrammeStatus.CLOSED, ProgrammeStatus.ACTIVE),
        (ProgrammeStatus.CLOSED, ProgrammeStatus.DRAFT),
    ],
)
def test_other_moves_are_refused(two_villages, start, wanted):
    programme = ProgrammeFactory(village=two_villages["home"], status=start)

    with pytest.raises(services.ProgrammeStatusRefused) as caught:
        set_status(two_villages, programme, wanted)

    assert caught.value.extra == {"from": start, "to": wanted}
    programme.refresh_from_db()
    assert programme.status == start


def test_an_unknown_status_is_refused(two_villages):
    programme = create(two_villages)

    with pytest.raises(services.ProgrammeStatusRefused):
        set_status(two_villages, programme, "paused")


def test_a_bumdes_admin_cannot_activate_a_programme(two_villages):
    programme = create(two_villages)

    with pytest.raises(NotAllowedForVillage):
        services.set_programme_status(
            acting_user=two_villages["people"]["home"][Role.BUMDES_ADMIN],
            village_id=two_villages["home"].pk,
            programme_id=programme.pk,
            status=ProgrammeStatus.ACTIVE,
        )
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.DRAFT


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_edit_and_an_issuance_cannot_cross(two_villages):
    """An issuance locks the programme and credits its amount; an edit locks it too. Either
    the edit goes first and the month is issued at the new amount, or the month is issued
    first and the edit is refused: never a month issued at an amount that then changes."""
    programme = create(two_villages)
    set_status(two_villages, programme, ProgrammeStatus.ACTIVE)

    def work(action):
        if action == "issue":
            with transaction.atomic():
                locked = Programme.objects.select_for_update().get(pk=programme.pk)
                Issuance.objects.create(
                    programme=locked, month=1, amount_each=locked.amount_per_month
                )
            return "issued"
        return update(two_villages, programme, amount_per_month=400_000)

    results = run_together(work, ["issue", "edit"])

    programme.refresh_from_db()
    issuance = Issuance.objects.get(programme=programme)
    assert results[0] == "issued"
    assert issuance.amount_each == programme.amount_per_month
    if programme.amount_per_month == 400_000:
        assert isinstance(results[1], Programme)
    else:
        assert isinstance(results[1], ValidationError)
        assert programme.amount_per_month == 300_000


def test_a_programme_whose_last_month_has_passed_cannot_be_activated(two_villages):
    programme = create(two_villages, first_month=datetime.date(2020, 1, 1), months=8)

    with pytest.raises(services.ProgrammeStatusRefused) as caught:
        set_status(two_villages, programme, ProgrammeStatus.ACTIVE)

    assert str(caught.value.message) == (
        "The programme's last month has passed: change its first month first."
    )
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.DRAFT
