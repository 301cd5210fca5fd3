"""Which ways of delivery a seller offers to an address, and what each costs.

A seller's settings live in ``SellerDelivery``; a seller without a row gets the defaults
(pickup on, free local delivery on, courier off), written the first time they are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from orders.enums import DeliveryMethod, DeliveryZone
from orders.models import SellerDelivery
from villages.models import KEMENDAGRI_CODE_PATTERN, Seller, Village

_CODE = re.compile(KEMENDAGRI_CODE_PATTERN)


@dataclass(frozen=True)
class DeliveryOption:
    """One way a seller can hand over to an address; ``zone`` is set for a courier only."""

    method: DeliveryMethod
    fee: int
    zone: DeliveryZone | None = None


def delivery_zone(seller_village: Village, delivery_village: Village) -> DeliveryZone | None:
    """How far apart two villages are; None for the same village.

    The Kemendagri code decides when both codes are well formed: ``PP.KK.CC`` is the
    kecamatan and ``PP.KK`` the kabupaten (names repeat across Indonesia, codes do not).
    Otherwise the kecamatan and kabupaten names decide, compared without case.
    """
    if seller_village.pk == delivery_village.pk:
        return None
    codes = (seller_village.code or "", delivery_village.code or "")
    if all(_CODE.match(code) for code in codes):
        if codes[0][:8] == codes[1][:8]:
            return DeliveryZone.SAME_KECAMATAN
        if codes[0][:5] == codes[1][:5]:
            return DeliveryZone.SAME_KABUPATEN
        return DeliveryZone.FURTHER
    same_kabupaten = _same_name(seller_village.kabupaten, delivery_village.kabupaten)
    if same_kabupaten and _same_name(seller_village.kecamatan, delivery_village.kecamatan):
        return DeliveryZone.SAME_KECAMATAN
    if same_kabupaten:
        return DeliveryZone.SAME_KABUPATEN
    return DeliveryZone.FURTHER


def _same_name(left: str, right: str) -> bool:
    return bool(left.strip()) and left.strip().casefold() == right.strip().casefold()


def delivery_settings_for(seller_ids: Iterable[int]) -> dict[int, SellerDelivery]:
    """The delivery rows of the sellers, creating the default row of any that has none.

    Two queries when every row exists; an insert per missing row otherwise (a concurrent
    insert of the same default row is harmless: the row is read back).
    """
    ids = sorted(set(seller_ids))
    rows = {row.seller_id: row for row in SellerDelivery.objects.filter(seller_id__in=ids)}
    for seller_id in ids:
        if seller_id not in rows:
            try:
                with transaction.atomic():
                    rows[seller_id] = SellerDelivery.objects.create(seller_id=seller_id)
            except IntegrityError:
                rows[seller_id] = SellerDelivery.objects.get(seller_id=seller_id)
    return rows


def options_from_settings(
    settings: SellerDelivery, *, seller_village: Village, delivery_village: Village
) -> list[DeliveryOption]:
    """The options of one seller's ``settings`` for an address in ``delivery_village``."""
    options: list[DeliveryOption] = []
    if settings.pickup_enabled:
        options.append(DeliveryOption(method=DeliveryMethod.PICKUP, fee=0))
    zone = delivery_zone(seller_village, delivery_village)
    if settings.local_delivery_enabled and zone is None:
        options.append(DeliveryOption(method=DeliveryMethod.LOCAL, fee=0))
    if settings.courier_enabled:
        # Inside the seller's own village a courier costs what the nearest zone costs.
        courier_zone = zone or DeliveryZone.SAME_KECAMATAN
        fee = {
            DeliveryZone.SAME_KECAMATAN: settings.fee_same_kecamatan,
            DeliveryZone.SAME_KABUPATEN: settings.fee_same_kabupaten,
            DeliveryZone.FURTHER: settings.fee_further,
        }[courier_zone]
        if fee is not None:
            options.append(
                DeliveryOption(method=DeliveryMethod.COURIER, fee=fee, zone=courier_zone)
            )
    return options


def delivery_options(*, seller: Seller, delivery_village: Village) -> list[DeliveryOption]:
    """What ``seller`` offers for an address in ``delivery_village``, cheapest kinds first.

    Pickup when enabled; free local delivery only inside the seller's own village; a courier
    priced by zone (same kecamatan, same kabupaten, further — further is unavailable when
    the seller set no fee for it).
    """
    settings = delivery_settings_for([seller.pk])[seller.pk]
    return options_from_settings(
        settings, seller_village=seller.village, delivery_village=delivery_village
    )
