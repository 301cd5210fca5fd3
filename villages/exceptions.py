from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError, NotFound, PermissionDenied


class VillageNotFound(NotFound):
    code = "village_not_found"

    def __init__(self) -> None:
        super().__init__(_("That village is not in the market."))


class MarketNotFound(NotFound):
    code = "market_not_found"

    def __init__(self) -> None:
        super().__init__(_("That market does not exist."))


class NotAllowedForVillage(PermissionDenied):
    code = "not_allowed_for_village"

    def __init__(self) -> None:
        super().__init__(_("Your role does not allow this for that village."))


class SellerNotFound(NotFound):
    code = "seller_not_found"

    def __init__(self) -> None:
        super().__init__(_("That seller is not in this village."))


class MembershipInvalid(DomainError):
    code = "membership_invalid"


class PersonNotFound(DomainError):
    code = "person_not_found"

    def __init__(self) -> None:
        super().__init__(
            _("Nobody has signed up with that phone number or email address yet."),
        )
