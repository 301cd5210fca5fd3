"""The village's audit trail of aid administration (``/desa/<village>/bantuan/jejak/``):
who registered, deactivated, issued a PIN, unlocked a card, or changed a programme, and
when. For the village's officials only, like the registry; a page at a time, newest first,
narrowed by what happened.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator

from vouchers.forms import AidEventFilterForm
from vouchers.selectors import audit as selectors
from vouchers.views.registry import OfficialPage

PAGE_SIZE = 50


class AidEventListView(OfficialPage):
    template_name = "vouchers/audit/event_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        filter_form = AidEventFilterForm(self.request.GET or None)
        events = selectors.events_of_village(village=self.village, **filter_form.filters())
        page = Paginator(events, PAGE_SIZE).get_page(self.request.GET.get("page"))
        kept = {k: v for k, v in self.request.GET.items() if k != "page" and v}
        return super().get_context_data(
            filter_form=filter_form,
            page_obj=page,
            events=selectors.with_descriptions(page.object_list),
            query_string=urlencode(kept),
            filtered=bool(kept),
            **kwargs,
        )
