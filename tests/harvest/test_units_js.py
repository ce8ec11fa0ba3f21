"""The page script and the server convert 斤 and kg alike: `kgFromJin` / `toKg` in farm/static/js/harvest.js,
run in the real Chromium, against farm.units and the form's own conversion, on a table of awkward inputs."""
from __future__ import annotations

from pathlib import Path

import pytest

from farm import units
from farm.web.harvest.log import weight_in_kg

pytestmark = pytest.mark.browser

SCRIPT = Path(__file__).resolve().parents[2] / "farm" / "static" / "js" / "harvest.js"

NUMBERS = [
    "1.001", "0.001", "2.5", "999.999", "1.0005", "1.0015", "0.0009", "0.0010", "0.00099", "3", "30", "25",
    "12.345", "12.3456", "0.5", "1", "1.", ".5", "007.5", "+4.2", "-2", "-0.0009", "0", "1e3", "2.5E-3",
    "123456789.123456", " 7.25 ", "99999.9999", "0.0005", "0.00049", "１２.５",
]
NOT_NUMBERS = ["", "abc", ".", "1.2.3", "1e", "NaN", "Infinity", "--1"]


@pytest.fixture
def script(browser):
    """A blank page with the harvest script loaded (without its form it only defines the conversions)."""
    page = browser.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(content=SCRIPT.read_text(encoding="utf-8"))
    yield page
    page.close()


def js(page, function: str, *args):
    return page.evaluate(f"(args) => window.farmHarvest.{function}(...args)", list(args))


def test_script_converts_jin_to_kg_as_the_server_does(script):
    for text in NUMBERS:
        assert js(script, "kgFromJin", text) == str(units.kg_from_jin(text.strip())), text
    assert js(script, "kgFromJin", "1.001") == "0.501"  # float arithmetic gave 0.500


@pytest.mark.parametrize("unit", ["kg", "jin"])
def test_script_reads_a_typed_weight_as_the_form_does(script, unit):
    for text in NUMBERS + ["1,5", "0,001"]:
        assert js(script, "toKg", text, unit) == weight_in_kg(text, unit), (text, unit)
        if "," not in text:
            assert js(script, "toKg", text, unit) == str(units.to_kg(text, unit)), (text, unit)
    for text in NOT_NUMBERS:
        assert js(script, "toKg", text, unit) is None, text
        with pytest.raises(ValueError):
            units.to_kg(text, unit)


def test_script_shows_jin_exactly(script):
    for kg in ("0.501", "12.500", "0.001", "999.999", "15"):
        assert js(script, "jinFromKg", kg) == str(units.jin(kg)), kg
    assert js(script, "one", "0.25") == "0.3" and js(script, "one", "42.5") == "42.5"
