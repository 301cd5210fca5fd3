"""programmes pages of the aid programme. See vouchers/urls/__init__.py.

The programme's own page, ``vouchers:programme_detail``
(``desa/<village>/bantuan/program/<programme_id>/``), is registered with the issuance pages.
"""

from django.urls import path

from vouchers.views import programmes as views

urlpatterns = [
    path(
        "desa/<slug:village_slug>/bantuan/",
        views.ProgrammeListView.as_view(),
        name="programme_list",
    ),
    path(
        "desa/<slug:village_slug>/bantuan/program/baru/",
        views.ProgrammeCreateView.as_view(),
        name="programme_create",
    ),
    path(
        "desa/<slug:village_slug>/bantuan/program/<int:programme_id>/ubah/",
        views.ProgrammeEditView.as_view(),
        name="programme_edit",
    ),
    path(
        "desa/<slug:village_slug>/bantuan/program/<int:programme_id>/status/",
        views.ProgrammeStatusView.as_view(),
        name="programme_status",
    ),
]
