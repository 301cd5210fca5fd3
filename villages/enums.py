from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")  # warga: shops, may receive aid
    SELLER_STAFF = "seller_staff", _("Seller staff")  # runs one seller's shop
    BUMDES_ADMIN = "bumdes_admin", _("BUMDes admin")  # runs the village's enterprise and sellers
    VILLAGE_OFFICIAL = "village_official", _("Village official")  # perangkat desa: aid, reports


class SellerKind(models.TextChoices):
    UMKM = "umkm", _("UMKM (small business)")  # a resident's own business
    BUMDES_UNIT = "bumdes_unit", _("BUMDes business unit")  # a unit of the village enterprise


class BumdesKind(models.TextChoices):
    DESA = "desa", _("BUM Desa")  # owned by one village
    BERSAMA = "bersama", _("BUM Desa Bersama")  # owned by several villages together
