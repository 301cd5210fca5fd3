"""The voucher card and counter pages. See vouchers/urls/__init__.py.

An official's card pages live under the village's beneficiaries; the counter (kasir) under
the seller's dashboard, mounted at the site root like the rest of the aid pages.
"""

from django.urls import path

from vouchers.views import cards, counter

beneficiary = "desa/<slug:village_slug>/bantuan/penerima/<int:beneficiary_id>"
counter_base = "kelola/<slug:village_slug>/<slug:seller_slug>/kasir"

urlpatterns = [
    path(f"{beneficiary}/kartu.pdf", cards.CardPdfView.as_view(), name="card_pdf"),
    path(f"{beneficiary}/pin/", cards.SealedPinView.as_view(), name="card_pin"),
    path(f"{beneficiary}/buka-kunci/", cards.UnlockCardView.as_view(), name="card_unlock"),
    path(
        "desa/<slug:village_slug>/bantuan/kartu.pdf",
        cards.CardSheetPdfView.as_view(),
        name="card_sheet_pdf",
    ),
    path(f"{counter_base}/", counter.CounterView.as_view(), name="counter"),
    path(
        f"{counter_base}/<int:sale_id>/",
        counter.CounterReceiptView.as_view(),
        name="counter_receipt",
    ),
]
