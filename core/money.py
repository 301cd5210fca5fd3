"""Rupiah are integers. This is the one place that turns them into text."""


def format_rupiah(amount: int) -> str:
    """``12500`` → ``Rp12.500``; negative amounts keep their sign in front."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"Rupiah amounts are integers, not {type(amount).__name__}.")
    sign = "-" if amount < 0 else ""
    grouped = f"{abs(amount):,}".replace(",", ".")
    return f"{sign}Rp{grouped}"
