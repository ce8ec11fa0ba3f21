"""Units and rounding, each once: kilograms and 斤, money in yuan to the fen, areas in square metres and mu.

Every conversion and every rounding of a weight or an amount goes through here: services, pages (the `jin`
and `yuan` filters), exports and the API. The harvest page's script converts 斤 with the same rule
(farm/static/js/harvest.js, `kgFromJin`), and a test holds the two together.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

GRAM = Decimal("0.001")
FEN = Decimal("0.01")
JIN_PER_KG = Decimal(2)  # 1 市斤 = 0.5 kg
M2_PER_MU = Decimal("666.7")  # 1 亩 ≈ 666.67 m²
UNITS = ("kg", "jin")


def decimal(value) -> Decimal:
    """A Decimal from an int, a Decimal, a string or a float (floats through their shortest text)."""
    if isinstance(value, Decimal):
        return value
    if value is None:
        return Decimal(0)
    return Decimal(str(value))


def kg(value) -> Decimal:
    """A weight in kilograms rounded to the gram, halves up."""
    return rounded(value, 3)


def kg_from_jin(value) -> Decimal:
    """斤 to kilograms, rounded to the gram, halves up: 1.001 斤 is 0.501 kg."""
    return kg(decimal(value) / JIN_PER_KG)


def jin(weight_kg) -> Decimal:
    """Kilograms to 斤 (exact: a gram is 0.002 斤)."""
    return decimal(weight_kg) * JIN_PER_KG


def per_jin(price_per_kg) -> Decimal:
    """A price per kilogram as a price per 斤, to the fen, halves up (5.25 元/kg is 2.63 元/斤)."""
    return fen(decimal(price_per_kg) / JIN_PER_KG)


def to_kg(value, unit: str = "kg") -> Decimal:
    """A weight typed in `unit` (kg or jin) as kilograms to the gram; ValueError for anything else."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}")
    try:
        amount = decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return kg_from_jin(amount) if unit == "jin" else kg(amount)


def rounded(value, digits: int) -> Decimal:
    """A number rounded to `digits` decimals, halves up: how the park shows any figure."""
    step = _STEPS.get(digits) or Decimal(1).scaleb(-digits)
    return (value if value.__class__ is Decimal else decimal(value)).quantize(step, rounding=ROUND_HALF_UP)


# The steps of the usual roundings, made once (rounding money runs tens of thousands of times in a report).
_STEPS = {digits: Decimal(1).scaleb(-digits) for digits in range(5)}


def fen(value) -> Decimal:
    """An amount in yuan rounded to the fen, halves up (the park's one rounding of money)."""
    # `rounded(value, 2)` without its two calls: a report rounds tens of thousands of amounts.
    return (value if value.__class__ is Decimal else decimal(value)).quantize(FEN, rounding=ROUND_HALF_UP)


def yuan_text(value) -> str:
    """An amount as text with exactly two decimals, e.g. `1234.50`."""
    return f"{fen(value):f}"


def short_text(value) -> str:
    """A number as text without trailing zeros and never in exponent form: 100.000 is "100", 12.500 is "12.5"."""
    return format(decimal(value).normalize(), "f")


def mu_from_m2(value) -> Decimal:
    """Square metres as mu to two decimals."""
    return (decimal(value) / M2_PER_MU).quantize(FEN, rounding=ROUND_HALF_UP)
