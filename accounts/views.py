from typing import Any

from django.views.generic import TemplateView

from core.views import SignedInViewMixin
from villages.selectors import memberships_for_user
from villages.tenancy import VILLAGE_STEWARDS


class MyAccountView(SignedInViewMixin, TemplateView):
    """ "Akun saya": who I am, how I sign in, and my roles in each village."""

    template_name = "accounts/my_account.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        memberships = list(memberships_for_user(user=self.request.user))
        return super().get_context_data(
            memberships=memberships,
            managed_villages={m.village for m in memberships if m.role in VILLAGE_STEWARDS},
            **kwargs,
        )
