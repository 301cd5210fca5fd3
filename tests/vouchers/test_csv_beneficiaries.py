"""Beneficiaries from a CSV file: a village's aid list maps on as exported, every row is
checked first, and a file is registered whole or not at all."""

import pytest
from django.utils import translation

from tests.factories import UserFactory
from tests.threads import run_together
from tests.vouchers.factories import BeneficiaryFactory
from villages.enums import Role
from villages.exceptions import NotAllowedForVillage
from vouchers import csv_io, nik
from vouchers.models import Beneficiary
from vouchers.selectors.registry import beneficiary_identity
from vouchers.services import registry

pytestmark = pytest.mark.django_db

# As a village information system exports its aid list, opened and saved by Excel set to
# Indonesian: semicolons, a byte-order mark, capital names with underscores, extra columns.
SID_EXPORT = (
    "\ufeffNO;NIK;NO_KK;NAMA_LENGKAP;JENIS_KELAMIN;No HP;Alamat;Dusun;RT;RW\r\n"
    "1;'3402150101800001;'3402150101080001;Sri  Wahyuni;P;0812 3456 7890;Jl. Mawar 3;"
    "Kauman;002;005\r\n"
    "2;3402150202750002;3402150202080002;Slamet Riyadi;L;;;Glugo;004;001\r\n"
    ";;;;;;;;;\r\n"
    "3;3402150303700003;3402150303080003;Tukiyem;P;+62 813 1111 2222;Jl. Kenanga 1;;;\r\n"
)


def official(world, key="home"):
    return world["people"][key][Role.VILLAGE_OFFICIAL]


def run_import(world, data, *, key="home", user=None):
    with translation.override("en"):
        return registry.import_beneficiaries(
            acting_user=user or official(world, key), village_id=world[key].pk, file=data
        )


def import_errors(world, data, **kwargs):
    with pytest.raises(csv_io.BeneficiaryImportInvalid) as caught:
        run_import(world, data, **kwargs)
    assert caught.value.code == "csv_invalid"
    assert caught.value.extra["errors"] == [e.as_dict() for e in caught.value.errors]
    return [(e.row, e.column, e.message) for e in caught.value.errors]


def csv_bytes(*lines, header="nik,kk,name,phone,address"):
    return "\n".join([header, *lines]).encode()


def test_a_village_information_system_export_maps_on_as_it_is(two_villages):
    result = run_import(two_villages, SID_EXPORT.encode())

    assert result == registry.ImportResult(created=3, linked_to_users=0, registered_elsewhere=0)
    rows = {b.name: b for b in Beneficiary.objects.filter(village=two_villages["home"])}
    assert set(rows) == {"Sri Wahyuni", "Slamet Riyadi", "Tukiyem"}
    sri = rows["Sri Wahyuni"]
    assert beneficiary_identity(beneficiary=sri).nik == "3402150101800001"
    assert beneficiary_identity(beneficiary=sri).kk == "3402150101080001"
    assert sri.nik_hash == nik.nik_hash("3402150101800001")
    assert sri.nik_masked == "3402••••••••0001"
    assert sri.phone == "+6281234567890"
    assert sri.address == "Jl. Mawar 3, Dusun Kauman, RT 002/RW 005"
    assert rows["Slamet Riyadi"].address == "Dusun Glugo, RT 004/RW 001"
    assert rows["Slamet Riyadi"].phone == ""
    assert rows["Tukiyem"].address == "Jl. Kenanga 1"
    assert rows["Tukiyem"].phone == "+6281311112222"
    cards = [b.card_number for b in rows.values()]
    assert len(set(cards)) == 3
    assert all(registry.is_valid_card_number(card) for card in cards)
    assert all(b.is_active and b.user is None for b in rows.values())


@pytest.mark.parametrize(
    "header",
    [
        "nik,kk,name,phone,address",
        "NIK,No KK,Nama,No HP,Alamat",
        "Nik,No. KK,Nama Lengkap,Telepon,Address",
        "nik penerima,nomor_kartu_keluarga,NAMA KPM,whatsapp,alamat lengkap",
    ],
)
def test_column_names_are_matched_in_indonesian_or_english_and_any_case(two_villages, header):
    data = csv_bytes(
        "3402150101800001,3402150101080001,Sri Wahyuni,081234567890,Jl. Mawar 3", header=header
    )

    assert run_import(two_villages, data).created == 1
    sri = Beneficiary.objects.get()
    assert (sri.name, sri.phone, sri.address) == ("Sri Wahyuni", "+6281234567890", "Jl. Mawar 3")


def test_every_bad_row_is_listed_with_its_row_and_nothing_is_registered(two_villages):
    data = csv_bytes(
        "3402150101800001,3402150101080001,Sri Wahyuni,,",
        "340215010180002,3402150101080001,Bad NIK,,",
        "3402150101800003,34021501010800,Bad KK,,",
        "3402150101800004,3402150101080001,,,",
        "3402150101800005,3402150101080001,Bad phone,0274 123,",
        "3402150101800001,3402150101080001,Twice,,",
        "3.40215E+15,3402150101080001,Excel,,",
    )

    assert import_errors(two_villages, data) == [
        (3, "nik", "The NIK must be exactly 16 digits."),
        (4, "kk", "The KK number must be exactly 16 digits."),
        (5, "name", "This cell is required."),
        (6, "phone", "That is not a valid Indonesian phone number. Example: 0812 3456 7890."),
        (7, "nik", "This NIK is also in row 2."),
        (
            8,
            "nik",
            "The spreadsheet shortened this number to “3.40215E+15” and lost its last digits. "
            "Format the column as Text, type the number again, and save.",
        ),
    ]
    assert Beneficiary.objects.count() == 0


def test_errors_name_the_column_as_the_file_writes_it(two_villages):
    data = csv_bytes("123;3402150101080001;Sri", header="NIK;NO_KK;NAMA_LENGKAP")

    assert import_errors(two_villages, data) == [(2, "NIK", "The NIK must be exactly 16 digits.")]


def test_a_nik_the_village_registered_already_is_refused(two_villages):
    BeneficiaryFactory(village=two_villages["home"], nik="3402150101800002")

    errors = import_errors(
        two_villages,
        csv_bytes(
            "3402150101800001,3402150101080001,Sri,,",
            "3402150101800002,3402150101080001,Slamet,,",
        ),
    )

    assert errors == [(3, "nik", "This NIK is already registered in this village.")]
    assert Beneficiary.objects.filter(village=two_villages["home"]).count() == 1


def test_a_nik_another_village_registered_is_imported_and_counted(two_villages):
    BeneficiaryFactory(village=two_villages["other"], nik="3402150101800002")

    result = run_import(
        two_villages,
        csv_bytes(
            "3402150101800001,3402150101080001,Sri,,",
            "3402150101800002,3402150101080001,Slamet,,",
        ),
    )

    assert result.created == 2
    assert result.registered_elsewhere == 1


def test_a_household_whose_phone_a_user_verified_is_linked_at_once(two_villages):
    verified = UserFactory(phone="+6281234567890", phone_verified=True)
    UserFactory(phone="+6281299998888", phone_verified=False)

    result = run_import(
        two_villages,
        csv_bytes(
            "3402150101800001,3402150101080001,Sri,081234567890,",
            "3402150101800002,3402150101080002,Slamet,081299998888,",
        ),
    )

    assert result.linked_to_users == 1
    assert Beneficiary.objects.get(name="Sri").user == verified
    assert Beneficiary.objects.get(name="Slamet").user is None


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (b"", [(1, "", "The file is empty: it needs a header row.")]),
        (b"nik,kk,name\n\n", [(2, "", "The file has no beneficiary rows.")]),
        (
            "nik,kk,nama\n3402150101800001,3402150101080001,Séri\n".encode("latin-1"),
            [
                (
                    0,
                    "",
                    "The file is not UTF-8 text (byte 48). In your spreadsheet choose "
                    "“Save as” → “CSV UTF-8” and upload it again.",
                )
            ],
        ),
        (
            b"nik,name\n3402150101800001,Sri\n",
            [
                (
                    1,
                    "kk",
                    "Column “kk” is missing. It may also be called: kk, no kk, nomor kk, nkk, "
                    "no kartu keluarga, nomor kartu keluarga, kartu keluarga, family card, "
                    "family card number, kk number.",
                )
            ],
        ),
        (
            b"nik,kk,Nama,Name\n",
            [(1, "Name", "Columns “Nama” and “Name” mean the same; keep only one.")],
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_reason(two_villages, data, errors):
    assert import_errors(two_villages, data) == errors
    assert Beneficiary.objects.count() == 0


def test_files_too_large_or_too_long_are_refused(two_villages, monkeypatch):
    too_large = b"nik,kk,name\n" + b"x" * csv_io.MAX_BYTES
    assert import_errors(two_villages, too_large) == [
        (0, "", "The file is larger than 2 MB; split it into smaller files.")
    ]

    monkeypatch.setattr(csv_io, "MAX_ROWS", 2)
    rows = [f"34021501018000{n:02d},3402150101080001,Name {n}" for n in range(1, 4)]
    assert import_errors(two_villages, csv_bytes(*rows, header="nik,kk,name")) == [
        (4, "", "The file has more than 2 rows; split it into smaller files.")
    ]
    assert Beneficiary.objects.count() == 0


def test_an_uploaded_file_is_read_like_bytes(two_villages, tmp_path):
    path = tmp_path / "kpm.csv"
    path.write_bytes(SID_EXPORT.encode())

    with path.open("rb") as upload:
        assert run_import(two_villages, upload).created == 3


@pytest.mark.parametrize(
    ("who", "key"),
    [(Role.BUMDES_ADMIN, "home"), (Role.RESIDENT, "home"), (Role.VILLAGE_OFFICIAL, "other")],
)
def test_only_the_villages_officials_import(two_villages, who, key):
    with pytest.raises(NotAllowedForVillage):
        run_import(two_villages, SID_EXPORT.encode(), user=two_villages["people"][key][who])
    assert Beneficiary.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_file_at_once_register_it_once(two_villages):
    official_ = official(two_villages)

    def work(_):
        return registry.import_beneficiaries(
            acting_user=official_, village_id=two_villages["home"].pk, file=SID_EXPORT.encode()
        )

    results = run_together(work, [1, 2, 3])

    done = [r for r in results if isinstance(r, registry.ImportResult)]
    refused = [
        r
        for r in results
        if isinstance(r, registry.RegistryChanged | csv_io.BeneficiaryImportInvalid)
    ]
    assert len(done) == 1, results
    assert len(refused) == 2, results
    assert Beneficiary.objects.filter(village=two_villages["home"]).count() == 3
