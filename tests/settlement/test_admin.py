"""Settlement in the admin: failed postings retried by platform admins, hidden from others."""

import pytest
from django.urls import reverse

from ledger.enums import TransferKind
from ledger.models import Transfer
from ledger.selectors import ledger_problems
from settlement.enums import PostingStatus
from settlement.models import Posting
from settlement.services import posting
from tests.factories import UserFactory
from tests.settlement.helpers import cash_sale
from tests.settlement.test_clearing import side
from tests.settlement.test_posting import counter_sale_paid_by_voucher
from tests.vouchers.factories import ProgrammeFactory
from villages.enums import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_admin(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def failed(two_villages):
    """A voucher sale whose money never reached the in-flight account: posting it fails."""
    home = side(two_villages, "home")
    programme = ProgrammeFactory(village=home["village"])
    sale = counter_sale_paid_by_voucher(
        home, programme=programme, amount=50_000, fund_in_flight=False
    )
    cash_sale(home["people"], price=10_000, quantity=1, key="k1")
    posting.sweep()
    return Posting.objects.get(counter_sale=sale)


def test_platform_admins_list_failed_postings_with_their_error(platform_admin, failed):
    response = platform_admin.get(
        reverse("admin:settlement_posting_changelist"), {"status__exact": PostingStatus.FAILED}
    )

    assert response.status_code == 200
    listed = list(response.context["cl"].result_list)
    assert listed == [failed]
    assert "InsufficientBalance" in response.content.decode()


def test_retrying_a_failed_posting_posts_it_once_it_can(platform_admin, failed):
    from ledger import services as ledger
    from vouchers import accounts
    from vouchers.models import VoucherCharge

    charge = VoucherCharge.objects.get(counter_sale_id=failed.counter_sale_id)
    ledger.move(  # the missing spend arrives (the cause fixed)
        key=charge.transfer_key,
        kind=TransferKind.SPEND,
        source=accounts.wallet_account(charge.wallet),
        destination=accounts.voucher_in_flight(charge.wallet.programme),
        amount=charge.amount,
    )
    changelist = reverse("admin:settlement_posting_changelist")
    action = {"action": "retry", "_selected_action": [failed.pk]}

    response = platform_admin.post(changelist, action)
    again = platform_admin.post(changelist, action)

    assert (response.status_code, again.status_code) == (302, 302)
    failed.refresh_from_db()
    assert failed.status == PostingStatus.POSTED
    assert Transfer.objects.filter(kind=TransferKind.SETTLE).count() == 1
    assert ledger_problems() == []


def test_a_retry_that_fails_again_keeps_the_posting_failed(platform_admin, failed):
    response = platform_admin.post(
        reverse("admin:settlement_posting_changelist"),
        {"action": "retry", "_selected_action": [failed.pk]},
        follow=True,
    )

    assert response.status_code == 200
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (PostingStatus.FAILED, 2)
    assert not Transfer.objects.filter(kind=TransferKind.SETTLE).exists()


def test_bumdes_admins_do_not_see_settlement_in_the_admin(client, two_villages, failed):
    client.force_login(two_villages["people"]["home"][Role.BUMDES_ADMIN])

    for name in (
        "admin:settlement_posting_changelist",
        "admin:settlement_settlementbatch_changelist",
        "admin:settlement_villagecommission_changelist",
    ):
        response = client.get(reverse(name))
        assert response.status_code in {302, 403}, name
    response = client.post(
        reverse("admin:settlement_posting_changelist"),
        {"action": "retry", "_selected_action": [failed.pk]},
    )
    assert response.status_code in {302, 403}
    failed.refresh_from_db()
    assert failed.attempts == 1
