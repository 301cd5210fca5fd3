"""Reading a village's beneficiary list (daftar KPM) from a CSV file.

The format is documented for officials in ``docs/csv-beneficiaries.md``. Column names are
matched case-insensitively, in Indonesian or English, so the aid list a village exports
from its village information system (SID) maps on without renaming: ``NIK``, ``NO_KK``,
``NAMA_LENGKAP``, ``No HP``, ``Alamat``, ``Dusun``, ``RT``, ``RW``. Other columns are
ignored. This module only reads and checks the cells; the registry service
(``vouchers.services.registry.import_beneficiaries``) checks the rows against the
registry and writes them, all or nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.phone import normalize_phone
from core.exceptions import DomainError
from vouchers import nik as nik_codec

MAX_ROWS = 5_000  # a village's KPM list is tens to hundreds of households
MAX_BYTES = 2 * 1024 * 1024
NAME_MAX_LENGTH = 150
ADDRESS_MAX_LENGTH = 300

# Field → the column names that mean it, written as ``normalized_header`` leaves them.
ALIASES: dict[str, tuple[str, ...]] = {
    "nik": ("nik", "no nik", "nomor nik", "nik kpm", "nik penerima", "nik kepala keluarga"),
    "kk": (
        "kk",
        "no kk",
        "nomor kk",
        "nkk",
        "no kartu keluarga",
        "nomor kartu keluarga",
        "kartu keluarga",
        "family card",
        "family card number",
        "kk number",
    ),
    "name": (
        "nama",
        "nama lengkap",
        "nama kpm",
        "nama penerima",
        "nama kepala keluarga",
        "name",
        "full name",
    ),
    "phone": (
        "no hp",
        "nomor hp",
        "hp",
        "no telepon",
        "nomor telepon",
        "telepon",
        "telp",
        "no telp",
        "no wa",
        "whatsapp",
        "phone",
        "phone number",
        "mobile",
    ),
    "address": ("alamat", "alamat lengkap", "address"),
    "dusun": ("dusun", "dukuh", "padukuhan", "hamlet"),
    "rt": ("rt",),
    "rw": ("rw",),
}
REQUIRED_FIELDS = ("nik", "kk", "name")
_FIELD_OF_ALIAS = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
_HEADER_NOISE = re.compile(r"[\s_.\-/:]+")
_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?e\+?\d+$", re.IGNORECASE)


@dataclass(frozen=True)
class RowError:
    """One problem of an import. ``row`` counts like a spreadsheet: the header is row 1;
    ``column`` is the column's name as written in the file."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class BeneficiaryImportInvalid(DomainError):
    """The file, or at least one of its rows, is wrong; nothing was written."""

    code = "csv_invalid"

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            gettext_lazy("The file was not imported: fix the rows listed and upload it again."),
            extra={"errors": [error.as_dict() for error in errors]},
        )
        self.errors = errors


@dataclass
class BeneficiaryRow:
    """The cleaned cells of one data row."""

    number: int
    nik: str = ""
    kk: str = ""
    name: str = ""
    phone: str = ""
    address: str = ""
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class ParsedFile:
    rows: list[BeneficiaryRow]
    columns: dict[str, str]  # field → the column name as written in the file


# The header of the blank file officials can download and fill in: the names a village
# information system uses, separated by semicolons as Excel set to Indonesian expects.
TEMPLATE_HEADER = ("NIK", "NO_KK", "NAMA_LENGKAP", "No HP", "Alamat", "Dusun", "RT", "RW")


def template_csv() -> str:
    """A blank beneficiary list: the header row only, with a byte-order mark so
    spreadsheet programs read it as UTF-8."""
    return "\ufeff" + ";".join(TEMPLATE_HEADER) + "\r\n"


def normalized_header(cell: str) -> str:
    """``NO_KK``, ``No. KK`` and ``no kk`` → ``no kk``."""
    return _HEADER_NOISE.sub(" ", cell.strip().lstrip("\ufeff").lower()).strip()


def _fail(message: str, *, row: int = 0, column: str = "") -> BeneficiaryImportInvalid:
    return BeneficiaryImportInvalid([RowError(row, column, message)])


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _fail(
            _(
                "The file is not UTF-8 text (byte %(position)s). In your spreadsheet "
                "choose “Save as” → “CSV UTF-8” and upload it again."
            )
            % {"position": error.start + 1}
        ) from error


def _delimiter(text: str) -> str:
    """A comma, or the semicolon that spreadsheets set to Indonesian use instead."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _records(text: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as error:
        raise _fail(
            _("The file is not a CSV file we can read: %(error)s") % {"error": error}
        ) from error


def _columns(cells: list[str]) -> dict[str, int]:
    """Field → position of its column; unknown columns are ignored."""
    positions: dict[str, int] = {}
    errors = []
    for position, cell in enumerate(cells):
        name = _FIELD_OF_ALIAS.get(normalized_header(cell))
        if name is None:
            continue
        if name in positions:
            errors.append(
                RowError(
                    1,
                    cell.strip(),
                    _("Columns “%(first)s” and “%(second)s” mean the same; keep only one.")
                    % {"first": cells[positions[name]].strip(), "second": cell.strip()},
                )
            )
            continue
        positions[name] = position
    for name in REQUIRED_FIELDS:
        if name not in positions:
            errors.append(
                RowError(
                    1,
                    name,
                    _("Column “%(name)s” is missing. It may also be called: %(aliases)s.")
                    % {"name": name, "aliases": ", ".join(ALIASES[name])},
                )
            )
    if errors:
        raise BeneficiaryImportInvalid(errors)
    return positions


def _number_cell(value: str) -> str:
    """A NIK or KK cell as typed: spreadsheets prefix ``'`` to keep digits as text."""
    return value.strip().lstrip("'")


def _check_number(row: BeneficiaryRow, column: str, value: str, *, what: str) -> str:
    cell = _number_cell(value)
    if _SCIENTIFIC.match(cell.replace(" ", "")):
        row.errors.append(
            RowError(
                row.number,
                column,
                _(
                    "The spreadsheet shortened this number to “%(value)s” and lost its last "
                    "digits. Format the column as Text, type the number again, and save."
                )
                % {"value": cell},
            )
        )
        return ""
    try:
        return nik_codec.clean_nik(cell)
    except nik_codec.InvalidNik:
        if what == "kk":
            message = _("The KK number must be exactly 16 digits.")
        else:
            message = _("The NIK must be exactly 16 digits.")
        row.errors.append(RowError(row.number, column, message))
        return ""


def _address(parts: dict[str, str]) -> str:
    """``Jl. Mawar 3, Dusun Kauman, RT 002/RW 005`` from the cells that are filled in."""
    pieces = [parts.get("address", "")]
    if parts.get("dusun"):
        dusun = parts["dusun"]
        pieces.append(dusun if normalized_header(dusun).startswith("dusun") else f"Dusun {dusun}")
    rt, rw = parts.get("rt", ""), parts.get("rw", "")
    if rt and rw:
        pieces.append(f"RT {rt}/RW {rw}")
    elif rt:
        pieces.append(f"RT {rt}")
    elif rw:
        pieces.append(f"RW {rw}")
    return ", ".join(piece for piece in pieces if piece)


def _row(
    number: int, cells: list[str], positions: dict[str, int], header: list[str]
) -> BeneficiaryRow:
    row = BeneficiaryRow(number=number)
    values = {
        name: (cells[position].strip() if position < len(cells) else "")
        for name, position in positions.items()
    }
    column = {name: header[position].strip() for name, position in positions.items()}
    if values["nik"]:
        row.nik = _check_number(row, column["nik"], values["nik"], what="nik")
    if values["kk"]:
        row.kk = _check_number(row, column["kk"], values["kk"], what="kk")
    for name in REQUIRED_FIELDS:
        if not values[name]:
            row.errors.append(RowError(number, column[name], _("This cell is required.")))
    row.name = " ".join(values["name"].split())
    if len(row.name) > NAME_MAX_LENGTH:
        row.errors.append(
            RowError(
                number, column["name"], _("At most %(max)s characters.") % {"max": NAME_MAX_LENGTH}
            )
        )
    if values.get("phone"):
        try:
            row.phone = normalize_phone(_number_cell(values["phone"]))
        except ValidationError as error:
            row.errors.append(RowError(number, column["phone"], error.messages[0]))
    row.address = _address(values)
    if len(row.address) > ADDRESS_MAX_LENGTH:
        where = column.get("address") or column.get("dusun") or ""
        row.errors.append(
            RowError(
                number,
                where,
                _("The address is longer than %(max)s characters.") % {"max": ADDRESS_MAX_LENGTH},
            )
        )
    return row


def read_beneficiaries(data: bytes) -> ParsedFile:
    """Every data row of a beneficiary CSV, checked cell by cell.

    Raises ``BeneficiaryImportInvalid`` listing every problem: a file too large or not
    UTF-8 text, missing or repeated columns, too many rows, any bad cell (NIK or KK not
    16 digits, no name, a phone that is not an Indonesian mobile number), or a NIK written
    in two rows. The registry itself is not read here.
    """
    if len(data) > MAX_BYTES:
        raise _fail(
            _("The file is larger than %(megabytes)s MB; split it into smaller files.")
            % {"megabytes": MAX_BYTES // (1024 * 1024)}
        )
    records = _records(_decode(data))
    if not records or not any(cell.strip() for cell in records[0]):
        raise _fail(_("The file is empty: it needs a header row."), row=1)
    header = records[0]
    positions = _columns(header)
    body = records[1:]
    if len(body) > MAX_ROWS:
        raise _fail(
            _("The file has more than %(max)s rows; split it into smaller files.")
            % {"max": MAX_ROWS},
            row=MAX_ROWS + 2,
        )
    rows: list[BeneficiaryRow] = []
    first_row_of_nik: dict[str, int] = {}
    for index, cells in enumerate(body):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        row = _row(index + 2, cells, positions, header)
        if row.nik:
            if row.nik in first_row_of_nik:
                row.errors.append(
                    RowError(
                        row.number,
                        header[positions["nik"]].strip(),
                        _("This NIK is also in row %(row)s.") % {"row": first_row_of_nik[row.nik]},
                    )
                )
            else:
                first_row_of_nik[row.nik] = row.number
        rows.append(row)
    errors = [error for row in rows for error in row.errors]
    if errors:
        raise BeneficiaryImportInvalid(errors)
    if not rows:
        raise _fail(_("The file has no beneficiary rows."), row=2)
    return ParsedFile(
        rows=rows, columns={name: header[position].strip() for name, position in positions.items()}
    )
