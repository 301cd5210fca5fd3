"""Printable voucher cards: one ID-1 card (85.6 by 54 mm), or ten to an A4 sheet to cut.

A card carries what a cashier needs and nothing more: the village, the title, the
holder's name, the card number in groups of four, and a QR code of the card number only
(a phone's camera app types it into the counter page). Never the NIK: a lost card must not
leak it. The QR code is drawn as vector squares, so it prints sharp at any size.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import segno
from fpdf import FPDF

# Printed data in the villages' language, like the stock reasons (not interface text).
TITLE = "KARTU BANTUAN PANGAN"
VILLAGE_LINE = "Desa %(name)s"
HINT = "Bawa kartu ini ke kasir. PIN hanya Anda yang tahu: jangan beri tahu siapa pun."

CARD_W, CARD_H = 85.6, 54.0  # ISO/IEC 7810 ID-1, millimetres
A4_W, A4_H = 210.0, 297.0
COLUMNS, ROWS = 2, 5  # ten cards to an A4 sheet
GREEN = (21, 101, 52)


@dataclass(frozen=True)
class CardFace:
    """What is printed on one card."""

    village_name: str
    holder_name: str
    card_number: str


def group_in_fours(number: str) -> str:
    """``9000000000000001`` → ``9000 0000 0000 0001``."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


# Typographic marks that lists typed in word processors carry, as their plain forms.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
    }
)


def _latin1(text: str) -> str:
    # The PDF's built-in fonts cover Latin-1; anything else prints as "?" rather than fail.
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def _fit(pdf: FPDF, text: str, width: float, size: float, style: str = "") -> None:
    """Set the font to ``size``, shrinking it until ``text`` fits in ``width``."""
    while size > 5:
        pdf.set_font("helvetica", style, size)
        if pdf.get_string_width(text) <= width:
            return
        size -= 0.5
    pdf.set_font("helvetica", style, size)


def _draw_qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    qr = segno.make(data, error="m", micro=False)
    matrix = [list(row) for row in qr.matrix]
    modules = len(matrix)
    unit = size / modules
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        column = 0
        while column < modules:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < modules and row[column]:
                column += 1
            # One rectangle per run of dark modules; a hair wider so no seams show.
            pdf.rect(
                x + start * unit,
                y + row_index * unit,
                (column - start) * unit + 0.01,
                unit + 0.01,
                style="F",
            )


def _draw_card(pdf: FPDF, face: CardFace, x: float, y: float) -> None:
    pdf.set_draw_color(160, 160, 160)
    pdf.set_line_width(0.2)
    pdf.rect(x, y, CARD_W, CARD_H)  # the cutting line
    # Title band.
    pdf.set_fill_color(*GREEN)
    pdf.rect(x, y, CARD_W, 10, style="F")
    pdf.set_text_color(255, 255, 255)
    _fit(pdf, TITLE, CARD_W - 8, 11, "B")
    pdf.set_xy(x + 4, y + 2)
    pdf.cell(CARD_W - 8, 6, TITLE)
    # Village, holder, number on the left; the QR code on the right.
    qr_size = 26.0
    text_w = CARD_W - qr_size - 12
    pdf.set_text_color(40, 40, 40)
    village = _latin1(VILLAGE_LINE % {"name": face.village_name})
    _fit(pdf, village, text_w, 8)
    pdf.set_xy(x + 4, y + 13)
    pdf.cell(text_w, 5, village)
    pdf.set_text_color(0, 0, 0)
    holder = _latin1(face.holder_name)
    _fit(pdf, holder, text_w, 11, "B")
    pdf.set_xy(x + 4, y + 20)
    pdf.cell(text_w, 6, holder)
    number = group_in_fours(face.card_number)
    pdf.set_font("courier", "B", 11)
    pdf.set_xy(x + 4, y + 31)
    pdf.cell(text_w, 6, number)
    _draw_qr(pdf, face.card_number, x + CARD_W - qr_size - 4, y + 13, qr_size)
    pdf.set_text_color(90, 90, 90)
    pdf.set_xy(x + 4, y + 42)
    pdf.set_font("helvetica", "", 6)
    pdf.multi_cell(CARD_W - 8, 3, HINT)


def _new_pdf(width: float, height: float) -> FPDF:
    pdf = FPDF(unit="mm", format=(width, height))
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_creator("pasardesa")
    pdf.set_title(TITLE)
    return pdf


def _output(pdf: FPDF) -> bytes:
    return bytes(pdf.output())


def single_card_pdf(face: CardFace) -> bytes:
    """One card on a page of its own size, for a card printer or to print and cut."""
    pdf = _new_pdf(CARD_W, CARD_H)
    pdf.add_page()
    _draw_card(pdf, face, 0, 0)
    return _output(pdf)


def sheet_pdf(faces: Iterable[CardFace]) -> bytes:
    """Cards ten to an A4 page (two columns of five), with cutting lines."""
    pdf = _new_pdf(A4_W, A4_H)
    left = (A4_W - COLUMNS * CARD_W) / 2
    top = (A4_H - ROWS * CARD_H) / 2
    per_page = COLUMNS * ROWS
    count = 0
    for index, face in enumerate(faces):
        slot = index % per_page
        if slot == 0:
            pdf.add_page()
        row, column = divmod(slot, COLUMNS)
        _draw_card(pdf, face, left + column * CARD_W, top + row * CARD_H)
        count += 1
    if not count:
        pdf.add_page()  # an empty sheet rather than an invalid file
    return _output(pdf)


def faces_for(village_name: str, holders: Sequence[tuple[str, str]]) -> list[CardFace]:
    """Card faces for (holder name, card number) pairs of one village."""
    return [
        CardFace(village_name=village_name, holder_name=name, card_number=number)
        for name, number in holders
    ]
