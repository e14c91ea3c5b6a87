"""How amounts are written for people: Vietnamese groups thousands with dots."""


def format_vnd(amount: int | None) -> str:
    """200000 -> "200.000 đ" (the way receipts and the national portal write it)."""
    if amount is None:
        return ""
    return f"{int(amount):,} đ".replace(",", ".")
