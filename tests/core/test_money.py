import pytest

from core.money import format_rupiah


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "Rp0"),
        (500, "Rp500"),
        (12500, "Rp12.500"),
        (300000, "Rp300.000"),
        (18_000_000, "Rp18.000.000"),
        (-2500, "-Rp2.500"),
    ],
)
def test_rupiah_are_grouped_with_dots(amount, text):
    assert format_rupiah(amount) == text


@pytest.mark.parametrize("amount", [12.5, "12500", True])
def test_only_whole_rupiah_are_money(amount):
    with pytest.raises(TypeError):
        format_rupiah(amount)
