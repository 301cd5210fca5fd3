from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductKind(models.TextChoices):
    GOODS = "goods", _("Goods")  # has stock and a weight
    SERVICE = "service", _("Service")  # pitulungan: delivery, repairs, the health car
    TOUR = "tour", _("Tour package")  # paket wisata: a date, a capacity in persons


class FoodGroup(models.TextChoices):
    """The groups of the national food-aid programmes, for staple categories."""

    CARBOHYDRATE = "carbohydrate", _("Carbohydrate")  # beras, tepung, gula
    ANIMAL_PROTEIN = "animal_protein", _("Animal protein")  # telur, ayam, sapi, ikan
    PLANT_PROTEIN = "plant_protein", _("Plant protein")  # kedelai, tahu, tempe
    VITAMINS_MINERALS = "vitamins_minerals", _("Vitamins and minerals")  # sayur, buah
    FATS_SEASONING = "fats_seasoning", _("Oil and seasoning")  # minyak goreng, garam


class StockMovementKind(models.TextChoices):
    RESTOCK = "restock", _("Restock")  # goods came in
    SALE = "sale", _("Sale")  # an order took goods out
    RETURN = "return", _("Return")  # a cancelled order or a buyer brought goods back
    CORRECTION = "correction", _("Correction")  # a count found the stock was wrong


class PhotoStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # uploaded; renditions not made yet
    READY = "ready", _("Ready")  # renditions exist
    FAILED = "failed", _("Failed")  # renditions could not be made
