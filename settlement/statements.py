"""Statements as files: CSV for spreadsheets, PDF for printing and the village notice board.

Every figure comes from a selector that reads the ledger, so a statement's totals are the
ledger's. Amounts in CSV are plain integers of rupiah (spreadsheets add them); in PDF they
are written as ``Rp12.500``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from core.money import format_rupiah
from settlement.models import BumdesCost, ProfitShare
from settlement.selectors import SellerStatement, VillageStatement

Row = Sequence[object]


def _csv(rows: Iterable[Row]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM: Excel reads the text as UTF-8


def _latin1(text: object) -> str:
    """The PDF's core font knows Latin-1 only; anything else is replaced, not dropped."""
    return str(text).encode("latin-1", "replace").decode("latin-1")


class _Pdf:
    def __init__(self, title: str, subtitle: str) -> None:
        self.pdf = FPDF(orientation="P", unit="mm", format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.add_page()
        self.pdf.set_font("Helvetica", "B", 14)
        self.pdf.cell(0, 8, _latin1(title), new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font("Helvetica", "", 10)
        self.pdf.cell(0, 6, _latin1(subtitle), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(3)

    def heading(self, text: str) -> None:
        self.pdf.set_font("Helvetica", "B", 11)
        self.pdf.cell(0, 7, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font("Helvetica", "", 9)

    def table(self, header: Row, rows: Iterable[Row], widths: Sequence[int]) -> None:
        self.pdf.set_font("Helvetica", "B", 9)
        for width, cell in zip(widths, header, strict=True):
            self.pdf.cell(width, 6, _latin1(cell), border=1)
        self.pdf.ln()
        self.pdf.set_font("Helvetica", "", 9)
        for row in rows:
            for width, cell in zip(widths, row, strict=True):
                text = _latin1("" if cell is None else cell)
                self.pdf.cell(width, 6, text[: max(width // 2, 4)], border=1)
            self.pdf.ln()
        self.pdf.ln(2)

    def line(self, label: str, value: str) -> None:
        self.pdf.cell(70, 6, _latin1(label))
        self.pdf.cell(0, 6, _latin1(value), new_x="LMARGIN", new_y="NEXT")

    def output(self) -> bytes:
        self.pdf.ln(4)
        self.pdf.set_font("Helvetica", "I", 8)
        printed = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        self.pdf.cell(0, 5, _latin1(_("Printed %(when)s") % {"when": printed}))
        return bytes(self.pdf.output())


def _rp(amount: int | None) -> str:
    return "" if amount is None else format_rupiah(int(amount))


# --- A seller's statement -----------------------------------------------------------------


def _period(start: object, end: object) -> str:
    return f"{start} - {end}"


def seller_csv(statement: SellerStatement) -> bytes:
    batch = statement.batch
    rows: list[Row] = [
        [_("Seller"), statement.seller.name],
        [_("Period"), batch.period_start.isoformat(), batch.period_end.isoformat()],
        [_("Opening balance"), statement.opening],
        [],
        [_("Time"), _("Kind"), _("Reference"), _("Sale"), _("Commission"), _("Amount")],
    ]
    for line in statement.lines:
        rows.append(
            [
                timezone.localtime(line.when).strftime("%Y-%m-%d %H:%M"),
                line.kind,
                line.reference,
                line.gross,
                line.commission,
                line.amount,
            ]
        )
    rows += [
        [],
        [_("Total movement"), statement.movement],
        [_("Closing balance"), statement.closing],
    ]
    if statement.payout is not None:
        payout = statement.payout
        rows.append(
            [_("Payout"), payout.amount, payout.get_status_display(), payout.bank_reference]
        )
    return _csv(rows)


def seller_pdf(statement: SellerStatement) -> bytes:
    batch = statement.batch
    pdf = _Pdf(
        _("Seller statement: %(name)s") % {"name": statement.seller.name},
        _("%(market)s, period %(period)s")
        % {"market": batch.market.name, "period": _period(batch.period_start, batch.period_end)},
    )
    pdf.line(_("Opening balance"), _rp(statement.opening))
    pdf.table(
        [_("Time"), _("Kind"), _("Sale"), _("Commission"), _("Amount")],
        [
            [
                timezone.localtime(line.when).strftime("%d/%m %H:%M"),
                line.kind,
                _rp(line.gross),
                _rp(line.commission),
                _rp(line.amount),
            ]
            for line in statement.lines
        ],
        [28, 50, 36, 36, 36],
    )
    pdf.line(_("Total movement"), _rp(statement.movement))
    pdf.line(_("Closing balance"), _rp(statement.closing))
    if statement.payout is not None:
        payout = statement.payout
        pdf.line(
            _("Payout"),
            f"{_rp(payout.amount)} ({payout.get_status_display()}) {payout.bank_reference}",
        )
    return pdf.output()


# --- A village's statement ----------------------------------------------------------------


def village_csv(statement: VillageStatement) -> bytes:
    batch = statement.batch
    totals = statement.totals
    rows: list[Row] = [
        [_("Village"), statement.village.name],
        [_("Market"), batch.market.name],
        [_("Period"), batch.period_start.isoformat(), batch.period_end.isoformat()],
        [],
        [_("Seller"), _("Amount"), _("Status"), _("Bank reference"), _("Paid at")],
    ]
    for payout in statement.payouts:
        rows.append(
            [
                payout.seller.name,
                payout.amount,
                payout.get_status_display(),
                payout.bank_reference,
                timezone.localtime(payout.paid_at).strftime("%Y-%m-%d %H:%M")
                if payout.paid_at
                else "",
            ]
        )
    rows += [
        [],
        [_("To pay"), totals.get("pending", 0)],
        [_("Paid"), totals.get("paid", 0)],
        [_("Sellers owe"), totals.get("owing", 0)],
        [_("Commission received"), totals.get("received", 0)],
        [],
        [
            _("From village"),
            _("To village"),
            _("Amount"),
            _("Ledger reference"),
            _("Status"),
            _("Bank reference"),
            _("Paid at"),
        ],
    ]
    for transfer in statement.transfers:
        rows.append(
            [
                transfer.from_village.name,
                transfer.to_village.name,
                transfer.amount,
                transfer.transfer_key,
                transfer.get_status_display(),
                transfer.bank_reference,
                timezone.localtime(transfer.paid_at).strftime("%Y-%m-%d %H:%M")
                if transfer.paid_at
                else "",
            ]
        )
    rows += [
        [],
        [_("Owed to the village"), totals.get("incoming", 0)],
        [_("Owed by the village"), totals.get("outgoing", 0)],
        [_("Net clearing"), totals.get("net_clearing", 0)],
    ]
    return _csv(rows)


def village_pdf(statement: VillageStatement) -> bytes:
    batch = statement.batch
    totals = statement.totals
    pdf = _Pdf(
        _("Settlement of %(village)s") % {"village": statement.village.name},
        _("%(market)s, period %(period)s")
        % {"market": batch.market.name, "period": _period(batch.period_start, batch.period_end)},
    )
    pdf.heading(_("Payouts to sellers"))
    pdf.table(
        [_("Seller"), _("Amount"), _("Status"), _("Bank reference")],
        [
            [p.seller.name, _rp(p.amount), p.get_status_display(), p.bank_reference]
            for p in statement.payouts
        ],
        [70, 36, 36, 44],
    )
    pdf.line(_("To pay"), _rp(totals.get("pending", 0)))
    pdf.line(_("Paid"), _rp(totals.get("paid", 0)))
    pdf.line(_("Sellers owe"), _rp(totals.get("owing", 0)))
    pdf.line(_("Commission received"), _rp(totals.get("received", 0)))
    pdf.heading(_("Transfers between villages"))
    pdf.table(
        [_("From village"), _("To village"), _("Amount"), _("Status"), _("Bank reference")],
        [
            [
                t.from_village.name,
                t.to_village.name,
                _rp(t.amount),
                t.get_status_display(),
                t.bank_reference,
            ]
            for t in statement.transfers
        ],
        [50, 50, 30, 22, 34],
    )
    pdf.line(_("Net clearing"), _rp(totals.get("net_clearing", 0)))
    return pdf.output()


# --- A BUMDes's profit period -------------------------------------------------------------


def _share_rows(share: ProfitShare) -> list[Row]:
    return [
        [_("Commissions"), share.commissions],
        [_("Costs"), share.costs],
        [_("Profit"), share.profit],
        [_("Community share (%)"), f"{share.community_share_bp / 100:g}"],
        [_("Community share"), share.community_share],
        [_("Retained"), share.retained],
    ]


def profit_csv(share: ProfitShare, costs: Iterable[BumdesCost]) -> bytes:
    rows: list[Row] = [
        [_("BUMDes"), share.bumdes.name],
        [_("Period"), share.period_start.isoformat(), share.period_end.isoformat()],
        [],
        *_share_rows(share),
        [],
        [_("Village"), _("Community fund")],
        *[[line.village.name, line.amount] for line in share.lines.all()],
        [],
        [_("Spent on"), _("Cost"), _("Amount")],
        *[[c.spent_on.isoformat(), c.description, c.amount] for c in costs],
    ]
    return _csv(rows)


def profit_pdf(share: ProfitShare, costs: Iterable[BumdesCost]) -> bytes:
    pdf = _Pdf(
        _("Profit sharing: %(bumdes)s") % {"bumdes": share.bumdes.name},
        _("Period %(period)s") % {"period": _period(share.period_start, share.period_end)},
    )
    for label, value in _share_rows(share):
        pdf.line(str(label), value if isinstance(value, str) else _rp(int(str(value))))
    pdf.heading(_("Community funds"))
    pdf.table(
        [_("Village"), _("Amount")],
        [[line.village.name, _rp(line.amount)] for line in share.lines.all()],
        [100, 60],
    )
    pdf.heading(_("Costs"))
    pdf.table(
        [_("Spent on"), _("Cost"), _("Amount")],
        [[c.spent_on.isoformat(), c.description, _rp(c.amount)] for c in costs],
        [30, 110, 46],
    )
    return pdf.output()
