"""The audit trail of aid administration: every act of an official on a beneficiary, a card
or a programme leaves exactly one event naming who and when; a refused act leaves none; the
trail is shown to the village's own officials only, in constant queries, and never holds
a NIK, a KK number or a PIN."""

import datetime
import json
import logging

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from catalog.models import Category
from tests.factories import UserFactory
from tests.factories import category as seeded_category
from tests.threads import run_together
from tests.vouchers.counter_world import PIN, counter_world
from tests.vouchers.factories import BeneficiaryFactory, ProgrammeFactory
from villages.enums import Role
from villages.exceptions import NotAllowedForVillage
from vouchers import csv_io, nik
from vouchers.enums import AidEventKind, ExpiryRule, ProgrammeScope, ProgrammeStatus
from vouchers.models import AidEvent, AppendOnly, Beneficiary
from vouchers.services import audit, cards, programmes, registry
from vouchers.services.cards import CardLocked, WrongPin
from vouchers.services.counter import charge_at_counter
from vouchers.services.programmes import ProgrammeStatusRefused

pytestmark = pytest.mark.django_db

NIK = "3402150101800001"
KK = "3402150101080001"
# Session, user, the village, the official's roles, the beneficiary, the other villages
# with its NIK, and its latest events (with their actors).
DETAIL_PAGE_QUERIES = 7
# Session, user, the village, the official's roles, the count of events, and a page of
# them (with actors, beneficiaries' and programmes' names).
TRAIL_PAGE_QUERIES = 6


def official(world, key="home"):
    return world["people"][key][Role.VILLAGE_OFFICIAL]


def login(client, world, key="home", role=Role.VILLAGE_OFFICIAL):
    client.force_login(world["people"][key][role])
    return client


def url(name, village, **kwargs):
    return reverse(f"vouchers:{name}", kwargs={"village_slug": village.slug, **kwargs})


def events(**filters):
    return list(AidEvent.objects.filter(**filters).order_by("pk"))


def register(world, *, nik_number=NIK, user=None, key="home"):
    with translation.override("en"):
        return registry.register_beneficiary(
            acting_user=user or official(world, key),
            village_id=world[key].pk,
            nik=nik_number,
            kk=KK,
            name="Sri Wahyuni",
            phone="",
            address="Jl. Mawar 3",
        )


def staples():
    seeded_category("beras")
    return list(Category.objects.filter(is_staple=True).values_list("pk", flat=True))


def programme_terms(world, **changes):
    values = {
        "name": "BLT Dana Desa 2026",
        "amount_per_month": 300_000,
        "first_month": datetime.date.today().replace(day=1),
        "months": 8,
        "allowed_category_ids": staples(),
        "scope": ProgrammeScope.MARKET,
        "market_id": world["market"].pk,
        "expiry_rule": ExpiryRule.PROGRAMME_END,
    }
    values.update(changes)
    return values


def draft(world):
    return programmes.create_programme(
        acting_user=official(world), village_id=world["home"].pk, **programme_terms(world)
    )


# --- each act writes one event, naming its actor ------------------------------------------------


def test_registering_a_beneficiary_records_who_registered_them(two_villages):
    beneficiary = register(two_villages)

    (event,) = events()
    assert event.kind == AidEventKind.BENEFICIARY_REGISTERED
    assert event.beneficiary_id == beneficiary.pk
    assert event.programme_id is None
    assert event.village_id == two_villages["home"].pk
    assert event.actor == official(two_villages)
    assert event.details == {"linked": False}


def test_an_import_records_one_event_per_beneficiary_with_its_row_and_one_reference(
    two_villages,
):
    data = (
        b"nik,kk,name\n"
        b"3402150101800001,3402150101080001,Sri\n"
        b"3402150101800002,3402150101080002,Slamet\n"
        b"3402150101800003,3402150101080003,Tukiyem\n"
    )

    result = registry.import_beneficiaries(
        acting_user=official(two_villages), village_id=two_villages["home"].pk, file=data
    )

    assert result.created == 3
    imported = events()
    assert [e.kind for e in imported] == [AidEventKind.BENEFICIARY_IMPORTED] * 3
    by_name = {e.beneficiary.name: e for e in imported}
    assert {name: e.details["row"] for name, e in by_name.items()} == {
        "Sri": 2,
        "Slamet": 3,
        "Tukiyem": 4,
    }
    assert {e.details["rows"] for e in imported} == {3}
    assert len({e.details["import"] for e in imported}) == 1
    assert {e.actor for e in imported} == {official(two_villages)}


def test_deactivating_and_reactivating_record_one_event_each(two_villages):
    beneficiary = BeneficiaryFactory(village=two_villages["home"])

    def set_active(active):
        registry.set_beneficiary_active(
            acting_user=official(two_villages),
            village_id=two_villages["home"].pk,
            beneficiary_id=beneficiary.pk,
            active=active,
        )

    set_active(False)
    set_active(False)  # already inactive: nothing happened, nothing recorded
    set_active(True)

    assert [(e.kind, e.actor) for e in events(beneficiary=beneficiary)] == [
        (AidEventKind.BENEFICIARY_DEACTIVATED, official(two_villages)),
        (AidEventKind.BENEFICIARY_REACTIVATED, official(two_villages)),
    ]


def test_issuing_a_sealed_pin_records_a_reset_without_the_pin(two_villages):
    beneficiary = BeneficiaryFactory(village=two_villages["home"])  # has a PIN already

    pin = cards.issue_sealed_pin(acting_user=official(two_villages), beneficiary_id=beneficiary.pk)

    (event,) = events()
    assert event.kind == AidEventKind.PIN_ISSUED
    assert event.actor == official(two_villages)
    assert event.details == {"replaced": True, "unlocked": False}
    assert pin not in json.dumps(event.details)


def test_a_first_pin_is_recorded_as_such(two_villages):
    beneficiary = BeneficiaryFactory(village=two_villages["home"], pin="")

    cards.issue_sealed_pin(acting_user=official(two_villages), beneficiary_id=beneficiary.pk)

    assert events()[0].details == {"replaced": False, "unlocked": False}


def test_the_fifth_wrong_pin_at_a_counter_records_one_lock_by_the_system_naming_the_seller(
    two_villages,
):
    world = counter_world(two_villages)
    for attempt in range(1, 5):
        with pytest.raises(WrongPin):
            charge_counter(world, key=f"sale-{attempt}")
    assert not events()  # wrong PINs short of the lock are counted, not recorded

    with pytest.raises(CardLocked):
        charge_counter(world, key="sale-5")
    with pytest.raises(CardLocked):
        charge_counter(world, key="sale-6")  # locked already: no second lock

    (event,) = events()
    assert event.kind == AidEventKind.CARD_LOCKED
    assert event.actor is None
    assert event.beneficiary_id == world["beneficiary"].pk
    assert event.details == {
        "wrong_pins": 5,
        "seller_id": world["seller"].pk,
        "seller": world["seller"].name,
    }


def charge_counter(world, *, key, pin="000000"):
    return charge_at_counter(
        acting_user=world["cashier"],
        seller_id=world["seller"].pk,
        card_number=world["beneficiary"].card_number,
        pin=pin,
        lines=[(world["rice"].pk, 1)],
        idempotency_key=key,
    )


def test_unlocking_a_locked_card_records_the_official_once(two_villages):
    beneficiary = BeneficiaryFactory(
        village=two_villages["home"],
        pin_failures=5,
        card_locked_at=datetime.datetime.now(datetime.UTC),
    )

    cards.unlock_card(acting_user=official(two_villages), beneficiary_id=beneficiary.pk)
    cards.unlock_card(acting_user=official(two_villages), beneficiary_id=beneficiary.pk)

    (event,) = events()
    assert (event.kind, event.actor) == (AidEventKind.CARD_UNLOCKED, official(two_villages))


def test_a_beneficiary_changing_their_pin_is_recorded_as_them(two_villages):
    resident = two_villages["people"]["home"][Role.RESIDENT]
    beneficiary = BeneficiaryFactory(village=two_villages["home"], user=resident)

    cards.change_pin(beneficiary=beneficiary, current_pin=PIN, new_pin="739164")

    (event,) = events()
    assert (event.kind, event.actor) == (AidEventKind.PIN_CHANGED, resident)
    assert "739164" not in json.dumps(event.details)


def test_opening_a_programme_records_its_terms(two_villages):
    programme = draft(two_villages)

    (event,) = events()
    assert event.kind == AidEventKind.PROGRAMME_CREATED
    assert event.programme_id == programme.pk
    assert event.beneficiary_id is None
    assert event.actor == official(two_villages)
    assert event.details["terms"]["amount_per_month"] == 300_000
    assert event.details["terms"]["months"] == 8
    assert event.details["market"] == two_villages["market"].name


def test_changing_terms_records_each_change_before_and_after_and_the_same_terms_nothing(
    two_villages,
):
    programme = draft(two_villages)
    rice = Category.objects.get(slug="beras")

    def update(**changes):
        programmes.update_programme(
            acting_user=official(two_villages),
            village_id=two_villages["home"].pk,
            programme_id=programme.pk,
            **programme_terms(two_villages, **changes),
        )

    update(amount_per_month=350_000, months=10, allowed_category_ids=[rice.pk])
    update(amount_per_month=350_000, months=10, allowed_category_ids=[rice.pk])  # again

    updates = events(kind=AidEventKind.PROGRAMME_UPDATED)
    assert len(updates) == 1
    changes = updates[0].details["changes"]
    assert changes["amount_per_month"] == [300_000, 350_000]
    assert changes["months"] == [8, 10]
    assert changes["allowed_categories"]["added"] == []
    assert rice.name not in changes["allowed_categories"]["removed"]
    assert len(changes["allowed_categories"]["removed"]) == len(staples()) - 1
    assert set(changes) == {"amount_per_month", "months", "allowed_categories"}
    assert updates[0].actor == official(two_villages)


def test_each_status_move_records_from_and_to(two_villages):
    programme = draft(two_villages)
    for status in (ProgrammeStatus.ACTIVE, ProgrammeStatus.ACTIVE, ProgrammeStatus.CLOSED):
        programmes.set_programme_status(
            acting_user=official(two_villages),
            village_id=two_villages["home"].pk,
            programme_id=programme.pk,
            status=status,
        )

    moves = events(kind=AidEventKind.PROGRAMME_STATUS_CHANGED)
    assert [e.details for e in moves] == [
        {"from": "draft", "to": "active"},
        {"from": "active", "to": "closed"},
    ]
    assert {e.actor for e in moves} == {official(two_villages)}


# --- a refused act records nothing --------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.BUMDES_ADMIN, Role.SELLER_STAFF, Role.RESIDENT])
def test_other_roles_are_refused_and_nothing_is_recorded(two_villages, role):
    someone = two_villages["people"]["home"][role]
    beneficiary = BeneficiaryFactory(
        village=two_villages["home"],
        card_locked_at=datetime.datetime.now(datetime.UTC),
        pin_failures=5,
    )
    programme = ProgrammeFactory(village=two_villages["home"], status=ProgrammeStatus.DRAFT)
    home = two_villages["home"].pk

    with pytest.raises(NotAllowedForVillage):
        register(two_villages, user=someone)
    with pytest.raises(NotAllowedForVillage):
        registry.set_beneficiary_active(
            acting_user=someone, village_id=home, beneficiary_id=beneficiary.pk, active=False
        )
    with pytest.raises(NotAllowedForVillage):
        cards.issue_sealed_pin(acting_user=someone, beneficiary_id=beneficiary.pk)
    with pytest.raises(NotAllowedForVillage):
        cards.unlock_card(acting_user=someone, beneficiary_id=beneficiary.pk)
    with pytest.raises(NotAllowedForVillage):
        programmes.set_programme_status(
            acting_user=someone, village_id=home, programme_id=programme.pk, status="active"
        )
    with pytest.raises(NotAllowedForVillage):
        programmes.create_programme(
            acting_user=someone, village_id=home, **programme_terms(two_villages)
        )

    assert not AidEvent.objects.exists()


def test_another_villages_official_is_refused_and_nothing_is_recorded(two_villages):
    beneficiary = BeneficiaryFactory(village=two_villages["home"])
    programme = ProgrammeFactory(village=two_villages["home"], status=ProgrammeStatus.DRAFT)
    stranger = official(two_villages, "other")

    with pytest.raises(NotAllowedForVillage):
        cards.issue_sealed_pin(acting_user=stranger, beneficiary_id=beneficiary.pk)
    with pytest.raises(NotAllowedForVillage):
        programmes.update_programme(
            acting_user=stranger,
            village_id=two_villages["home"].pk,
            programme_id=programme.pk,
            **programme_terms(two_villages, amount_per_month=1),
        )

    assert not AidEvent.objects.exists()


def test_bad_input_is_refused_and_nothing_is_recorded(two_villages):
    register(two_villages)
    before = AidEvent.objects.count()

    with pytest.raises(ValidationError):
        register(two_villages)  # the same NIK again
    with pytest.raises(ValidationError):
        register(two_villages, nik_number="12345")
    with pytest.raises(ValidationError):
        programmes.create_programme(
            acting_user=official(two_villages),
            village_id=two_villages["home"].pk,
            **programme_terms(two_villages, amount_per_month=0),
        )
    bad_file = b"nik,kk,name\n3402150101800009,3402150101080009,Sri\n12,34,Slamet\n"
    with pytest.raises(csv_io.BeneficiaryImportInvalid):
        registry.import_beneficiaries(
            acting_user=official(two_villages), village_id=two_villages["home"].pk, file=bad_file
        )
    programme = draft(two_villages)
    with pytest.raises(ProgrammeStatusRefused):
        programmes.set_programme_status(
            acting_user=official(two_villages),
            village_id=two_villages["home"].pk,
            programme_id=programme.pk,
            status=ProgrammeStatus.CLOSED,  # a draft cannot close
        )

    assert AidEvent.objects.count() == before + 1  # the draft's opening only
    assert Beneficiary.objects.count() == 1


def test_a_programme_update_refused_after_issuance_records_nothing(two_villages):
    from vouchers.models import Issuance

    programme = draft(two_villages)
    Issuance.objects.create(programme=programme, month=1, amount_each=300_000)
    with pytest.raises(ValidationError):
        programmes.update_programme(
            acting_user=official(two_villages),
            village_id=two_villages["home"].pk,
            programme_id=programme.pk,
            **programme_terms(two_villages, amount_per_month=500_000),
        )
    assert not AidEvent.objects.filter(kind=AidEventKind.PROGRAMME_UPDATED).exists()


# --- the trail is append-only and clean ---------------------------------------------------------


def test_events_are_never_changed_or_deleted(two_villages):
    register(two_villages)
    event = AidEvent.objects.get()

    event.details = {"linked": True}
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AidEvent.objects.update(details={})
    with pytest.raises(AppendOnly):
        AidEvent.objects.all().delete()
    assert AidEvent.objects.get().details == {"linked": False}


def test_the_database_holds_each_kind_to_its_subject(two_villages):
    beneficiary = BeneficiaryFactory(village=two_villages["home"])
    with pytest.raises(IntegrityError), transaction.atomic():
        AidEvent.objects.create(
            village=two_villages["home"],
            kind=AidEventKind.PROGRAMME_CREATED,
            beneficiary=beneficiary,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        AidEvent.objects.create(
            village=two_villages["home"], kind="made_up", beneficiary=beneficiary
        )


def test_the_writer_refuses_personal_data_keys_and_masks_long_numbers(two_villages):
    beneficiary = BeneficiaryFactory(village=two_villages["home"])
    home = two_villages["home"].pk
    for key in ("nik", "KK", "pin"):
        with pytest.raises(ValueError, match="personal data"):
            audit.record_event(
                village_id=home,
                kind=AidEventKind.PIN_ISSUED,
                acting_user=None,
                beneficiary_id=beneficiary.pk,
                details={"nested": {key: "x"}},
            )

    event = audit.record_event(
        village_id=home,
        kind=AidEventKind.CARD_LOCKED,
        acting_user=None,
        beneficiary_id=beneficiary.pk,
        details={"seller": f"Warung {NIK}", "where": ["PIN 246810"], "wrong_pins": 5},
    )
    assert NIK not in json.dumps(event.details)
    assert "246810" not in json.dumps(event.details)
    assert event.details["wrong_pins"] == 5


# --- the pages ----------------------------------------------------------------------------------


def test_the_beneficiary_page_shows_its_history_newest_first(client, two_villages):
    beneficiary = register(two_villages)
    registry.set_beneficiary_active(
        acting_user=official(two_villages),
        village_id=two_villages["home"].pk,
        beneficiary_id=beneficiary.pk,
        active=False,
    )
    other = BeneficiaryFactory(village=two_villages["home"])
    cards.issue_sealed_pin(acting_user=official(two_villages), beneficiary_id=other.pk)

    response = login(client, two_villages).get(
        url("beneficiary_detail", two_villages["home"], beneficiary_id=beneficiary.pk)
    )

    assert response.status_code == 200
    assert [e.kind for e in response.context["events"]] == [
        AidEventKind.BENEFICIARY_DEACTIVATED,
        AidEventKind.BENEFICIARY_REGISTERED,
    ]
    assert 'id="beneficiary-history"' in response.content.decode()


def test_the_beneficiary_page_runs_the_same_queries_whatever_its_history(
    client, two_villages, django_assert_num_queries
):
    beneficiary = BeneficiaryFactory(village=two_villages["home"])
    page = url("beneficiary_detail", two_villages["home"], beneficiary_id=beneficiary.pk)
    login(client, two_villages).get(page)

    with django_assert_num_queries(DETAIL_PAGE_QUERIES):
        assert client.get(page).status_code == 200
    for active in (False, True) * 6:
        registry.set_beneficiary_active(
            acting_user=official(two_villages),
            village_id=two_villages["home"].pk,
            beneficiary_id=beneficiary.pk,
            active=active,
        )
    with django_assert_num_queries(DETAIL_PAGE_QUERIES):
        response = client.get(page)
    assert len(response.context["events"]) == 12


def test_the_programme_page_shows_its_events(client, two_villages):
    programme = draft(two_villages)
    programmes.set_programme_status(
        acting_user=official(two_villages),
        village_id=two_villages["home"].pk,
        programme_id=programme.pk,
        status=ProgrammeStatus.ACTIVE,
    )

    response = login(client, two_villages).get(
        url("programme_detail", two_villages["home"], programme_id=programme.pk)
    )

    assert response.status_code == 200
    assert [e.kind for e in response.context["events"]] == [
        AidEventKind.PROGRAMME_STATUS_CHANGED,
        AidEventKind.PROGRAMME_CREATED,
    ]
    html = response.content.decode()
    assert 'id="programme-history"' in html
    assert "Rp300.000" in html


def test_the_village_trail_lists_events_newest_first_and_filters_by_kind(client, two_villages):
    beneficiary = register(two_villages)
    draft(two_villages)
    cards.issue_sealed_pin(acting_user=official(two_villages), beneficiary_id=beneficiary.pk)
    # Another village's events are not on this village's trail.
    register(two_villages, key="other", nik_number="3402150101800077")

    login(client, two_villages)
    page = url("aid_events", two_villages["home"])
    response = client.get(page)

    assert response.status_code == 200
    assert [e.kind for e in response.context["events"]] == [
        AidEventKind.PIN_ISSUED,
        AidEventKind.PROGRAMME_CREATED,
        AidEventKind.BENEFICIARY_REGISTERED,
    ]
    html = response.content.decode()
    assert "Sri Wahyuni" in html
    assert "BLT Dana Desa 2026" in html

    response = client.get(page, {"kind": AidEventKind.PIN_ISSUED})
    assert [e.kind for e in response.context["events"]] == [AidEventKind.PIN_ISSUED]
    response = client.get(page, {"kind": "made_up"})  # an unknown kind shows everything
    assert len(response.context["events"]) == 3


def test_the_village_trail_pages_in_the_same_queries_whatever_its_length(
    client, two_villages, django_assert_num_queries
):
    beneficiary = BeneficiaryFactory(village=two_villages["home"])
    draft(two_villages)
    page = url("aid_events", two_villages["home"])
    login(client, two_villages).get(page)

    with django_assert_num_queries(TRAIL_PAGE_QUERIES):
        assert client.get(page).status_code == 200
    for active in (False, True) * 30:
        registry.set_beneficiary_active(
            acting_user=official(two_villages),
            village_id=two_villages["home"].pk,
            beneficiary_id=beneficiary.pk,
            active=active,
        )
    with django_assert_num_queries(TRAIL_PAGE_QUERIES):
        response = client.get(page)
    assert len(response.context["events"]) == 50
    assert response.context["page_obj"].paginator.count == 61
    with django_assert_num_queries(TRAIL_PAGE_QUERIES):
        response = client.get(page, {"page": 2})
    assert len(response.context["events"]) == 11


@pytest.mark.parametrize(
    ("key", "role"),
    [
        ("other", Role.VILLAGE_OFFICIAL),
        ("other", Role.BUMDES_ADMIN),
        ("home", Role.BUMDES_ADMIN),
        ("home", Role.SELLER_STAFF),
        ("home", Role.RESIDENT),
    ],
)
def test_only_the_villages_officials_open_its_trail(client, two_villages, key, role):
    register(two_villages)
    response = login(client, two_villages, key, role).get(url("aid_events", two_villages["home"]))
    assert response.status_code in {403, 404}
    assert b"Sri Wahyuni" not in response.content


def test_an_anonymous_visitor_is_sent_to_sign_in(client, two_villages):
    response = client.get(url("aid_events", two_villages["home"]))
    assert response.status_code == 302
    assert "/masuk/" in response["Location"] or "login" in response["Location"]


def test_a_double_submitted_status_change_records_one_event(client, two_villages):
    beneficiary = BeneficiaryFactory(village=two_villages["home"])
    programme = ProgrammeFactory(
        village=two_villages["home"], market=two_villages["market"], status=ProgrammeStatus.DRAFT
    )
    login(client, two_villages)
    deactivate = url("beneficiary_set_active", two_villages["home"], beneficiary_id=beneficiary.pk)
    activate = url("programme_status", two_villages["home"], programme_id=programme.pk)

    for _ in range(2):
        assert client.post(deactivate, {"active": "0"}).status_code == 302
        assert client.post(activate, {"status": "active"}).status_code == 302

    assert [e.kind for e in events()] == [
        AidEventKind.BENEFICIARY_DEACTIVATED,
        AidEventKind.PROGRAMME_STATUS_CHANGED,
    ]


# --- no NIK, KK or PIN anywhere in the trail -----------------------------------------------------


def test_no_nik_kk_or_pin_reaches_an_event_a_page_or_a_log(client, two_villages, caplog):
    world = counter_world(two_villages)
    home = world["home"]
    caplog.set_level(logging.DEBUG)
    login(client, world)

    response = client.post(
        url("beneficiary_create", home),
        {"nik": NIK, "kk": KK, "name": "Sri Wahyuni", "phone": "", "address": "Jl. Mawar 3"},
    )
    assert response.status_code == 302
    beneficiary = Beneficiary.objects.get(nik_hash=nik.nik_hash(NIK))
    slip = client.post(url("card_pin", home, beneficiary_id=beneficiary.pk))
    pin = slip.context["pin"]
    # The card is locked at the counter with wrong PINs, then unlocked by the official.
    world["beneficiary"] = beneficiary
    for attempt in range(5):
        with pytest.raises((WrongPin, CardLocked)):
            charge_counter(world, key=f"try-{attempt}", pin="000000" if pin != "000000" else "1")
    client.post(url("card_unlock", home, beneficiary_id=beneficiary.pk))
    programme = world["programme"]

    kinds = {e.kind for e in events(beneficiary=beneficiary)}
    assert kinds == {
        AidEventKind.BENEFICIARY_REGISTERED,
        AidEventKind.PIN_ISSUED,
        AidEventKind.CARD_LOCKED,
        AidEventKind.CARD_UNLOCKED,
    }
    stored = json.dumps([e.details for e in AidEvent.objects.all()])
    trail = client.get(url("aid_events", home)).content.decode()
    detail = client.get(url("beneficiary_detail", home, beneficiary_id=beneficiary.pk))
    history = detail.content.decode().split('id="beneficiary-history"', 1)[1]
    programme_page = client.get(url("programme_detail", home, programme_id=programme.pk))
    for secret in (NIK, KK, pin):
        assert secret not in stored
        assert secret not in trail
        assert secret not in history
        assert secret not in programme_page.content.decode()
        assert secret not in caplog.text
    assert pin not in detail.content.decode()  # the slip showed it once, and only there


def test_the_admin_shows_the_trail_read_only_with_the_nik_masked(client, two_villages):
    beneficiary = register(two_villages)
    event = AidEvent.objects.get()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get(reverse("admin:vouchers_aidevent_changelist"))
    change = client.get(reverse("admin:vouchers_aidevent_change", args=[event.pk]))

    for response in (listing, change):
        assert response.status_code == 200
        assert NIK not in response.content.decode()
    assert beneficiary.nik_masked in listing.content.decode()
    assert b'name="_save"' not in change.content
    assert client.get(reverse("admin:vouchers_aidevent_add")).status_code == 403
    deleting = client.post(
        reverse("admin:vouchers_aidevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert deleting.status_code == 403
    assert AidEvent.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_copies_of_a_status_change_at_once_record_one_event(two_villages):
    """Both copies wait on the programme's row lock; the second finds the move made."""
    programme = draft(two_villages)
    beneficiary = BeneficiaryFactory(village=two_villages["home"])
    home = two_villages["home"].pk

    def activate(_copy):
        return programmes.set_programme_status(
            acting_user=official(two_villages),
            village_id=home,
            programme_id=programme.pk,
            status=ProgrammeStatus.ACTIVE,
        )

    def deactivate(_copy):
        return registry.set_beneficiary_active(
            acting_user=official(two_villages),
            village_id=home,
            beneficiary_id=beneficiary.pk,
            active=False,
        )

    results = run_together(activate, [1, 2]) + run_together(deactivate, [1, 2])

    assert not [r for r in results if isinstance(r, Exception)]
    assert AidEvent.objects.filter(kind=AidEventKind.PROGRAMME_STATUS_CHANGED).count() == 1
    assert AidEvent.objects.filter(kind=AidEventKind.BENEFICIARY_DEACTIVATED).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_wrong_pins_at_once_record_one_lock(two_villages):
    beneficiary = BeneficiaryFactory(village=two_villages["home"])

    results = run_together(
        lambda _n: cards.verify_pin(beneficiary=beneficiary, pin="000000"), list(range(8))
    )

    assert sum(isinstance(r, WrongPin) for r in results) == 4
    assert sum(isinstance(r, CardLocked) for r in results) == 4
    (event,) = AidEvent.objects.all()
    assert (event.kind, event.actor_id) == (AidEventKind.CARD_LOCKED, None)
    assert event.details == {"wrong_pins": 5, "where": "own_pin_page"}


def test_the_trail_narrows_to_one_beneficiary_or_programme_of_the_village_only(
    client, two_villages
):
    beneficiary = register(two_villages)
    programme = draft(two_villages)
    stranger = register(two_villages, key="other", nik_number="3402150101800077")
    page = url("aid_events", two_villages["home"])
    login(client, two_villages)

    def kinds(**query):
        return [e.kind for e in client.get(page, query).context["events"]]

    assert kinds(beneficiary=beneficiary.pk) == [AidEventKind.BENEFICIARY_REGISTERED]
    assert kinds(programme=programme.pk) == [AidEventKind.PROGRAMME_CREATED]
    assert kinds(beneficiary=stranger.pk) == []  # another village's: nothing
    detail = client.get(
        url("beneficiary_detail", two_villages["home"], beneficiary_id=beneficiary.pk)
    )
    assert f"{page}?beneficiary={beneficiary.pk}" in detail.content.decode()
