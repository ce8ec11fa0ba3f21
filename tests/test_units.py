"""farm/units.py: the one conversion of 斤 and the one rounding of weights, money and shown figures."""
from __future__ import annotations

from decimal import Decimal

import pytest

from farm import units


@pytest.mark.parametrize("jin,kg", [("1.001", "0.501"), ("0.001", "0.001"), ("2", "1.000"), ("999.999", "500.000"),
                                    ("1.0005", "0.500"), ("0", "0.000")])
def test_units_jin_to_kg_rounds_half_up_to_the_gram(jin, kg):
    assert units.kg_from_jin(jin) == Decimal(kg)
    assert units.to_kg(jin, "jin") == Decimal(kg)


def test_units_kg_and_jin_round_trip_exactly():
    assert units.jin(Decimal("0.501")) == Decimal("1.002")
    assert units.to_kg(" 12.3456 ", "kg") == Decimal("12.346")


@pytest.mark.parametrize("bad,unit", [("abc", "kg"), ("NaN", "kg"), ("Infinity", "jin"), ("1", "lb")])
def test_units_to_kg_refuses_what_is_not_a_weight(bad, unit):
    with pytest.raises(ValueError):
        units.to_kg(bad, unit)


def test_units_money_rounds_half_up_to_the_fen():
    assert units.fen("0.125") == Decimal("0.13")
    assert units.fen("2.345") == Decimal("2.35")
    assert units.fen(-1.005) == Decimal("-1.01")  # away from zero, from the float's shortest text
    assert units.yuan_text(3) == "3.00"


def test_units_shown_figures_round_half_up_like_the_page_scripts(app):
    from farm.i18n import number

    with app.test_request_context("/?lang=en"):
        assert number(Decimal("12.25"), 1) == "12.3"  # Babel alone would show 12.2 (half-even)
        assert number(Decimal("2.5"), 0) == "3"
        assert number(1234.5, 2) == "1,234.50"
        assert number(None) == ""


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_units_shown_figures_are_babels_text_in_every_language(app, lang):
    from flask_babel import format_decimal

    from farm.i18n import number

    values = [Decimal("0"), Decimal("-0.001"), Decimal("7.5"), Decimal("-1234.505"), Decimal("1234567.891"),
              Decimal("-98765432.1"), Decimal("1E+3"), 12.345, -3]
    with app.test_request_context(f"/?lang={lang}"):
        for value in values:
            for digits in (0, 1, 2):
                pattern = "#,##0" + ("." + "0" * digits if digits else "")
                assert number(value, digits) == format_decimal(units.rounded(value, digits), format=pattern)


def test_units_mu_from_square_metres():
    assert units.mu_from_m2(Decimal("666.7")) == Decimal("1.00")
    assert units.mu_from_m2(1000) == Decimal("1.50")


def test_units_short_text_never_uses_an_exponent():
    assert units.short_text(Decimal("100.000")) == "100"
    assert units.short_text(Decimal("12.500")) == "12.5"
    assert units.short_text(units.jin(Decimal("50.000"))) == "100"


@pytest.mark.parametrize("per_kg, per_jin", [("5.60", "2.80"), ("5.25", "2.63"), ("0.01", "0.01"), ("7", "3.50")])
def test_units_price_per_jin_is_half_the_price_per_kg_to_the_fen(per_kg, per_jin):
    from farm.units import per_jin as price_per_jin

    assert price_per_jin(Decimal(per_kg)) == Decimal(per_jin)
