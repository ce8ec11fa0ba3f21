"""Incomes against hand calculations, the lines and bands at their edges, entries and their bad inputs."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from farm.errors import Invalid, NotFound
from farm.inputs.land import PaymentIn
from farm.inputs.livelihoods import IncomeEntryIn
from farm.services import land, livelihoods, payroll
from farm.vocab import IncomeBand
from tests.land.factories import make_contract, make_household
from tests.livelihoods.conftest import TODAY

D = Decimal

# By hand: rent 5,000 + 3,000 = 8,000; wages September (closed) 300 + 2 + 160 = 462, October (open)
# 150 + 12.34 + 160 = 322.34, so 784.34; other 2,400 + 1,000 − 600 = 2,800.
# Total 11,584.34 for 4 members: 2,896.085, i.e. 2,896.09 per person, below the line of 7,300.


def test_year_income_by_hand(session, village):
    rows = livelihoods.year_incomes(session, 2026, TODAY)
    row = rows[village.home.id]
    assert (row.members, row.rent, row.wages, row.dividends, row.other) == (4, D("8000.00"), D("784.34"), 0,
                                                                           D("2800.00"))
    assert row.total == D("11584.34") and row.per_capita == D("2896.09")
    assert row.line == D("7300.00") and row.band == IncomeBand.BELOW_LINE
    empty = rows[village.other.id]
    assert (empty.total, empty.per_capita, empty.band) == (0, 0, IncomeBand.BELOW_LINE)
    assert set(rows) == {village.home.id, village.other.id}


def test_sources_by_hand(session, village):
    home = village.home.id
    assert livelihoods.rent_received(session, date(2026, 1, 1), date(2027, 1, 1)) == {home: D("8000.00")}
    assert livelihoods.rent_received(session, date(2026, 3, 1), date(2026, 7, 1)) == {home: D("5000.00")}
    assert livelihoods.rent_received(session, date(2025, 1, 1), date(2026, 1, 1)) == {home: D("9000.00")}
    wages = livelihoods.wages_by_month(session, ["2026-08", "2026-09", "2026-10", "2026-11"])
    assert wages == {(home, "2026-09"): D("462.00"), (home, "2026-10"): D("322.34")}
    assert livelihoods.other_income(session, 2026) == {home: D("2800.00")}
    assert livelihoods.other_income(session, 2025) == {home: D("999.00")}
    park = livelihoods.park_income_by_month(session, ["2026-03", "2026-07", "2026-09", "2026-10"])
    assert park == {(home, "2026-03"): D("5000.00"), (home, "2026-07"): D("3000.00"),
                    (home, "2026-09"): D("462.00"), (home, "2026-10"): D("322.34")}
    assert livelihoods.dividends(session, date(2026, 1, 1), date(2027, 1, 1)) == {}


def test_closed_month_is_read_from_its_stored_lines(session, village):
    """A closed month counts what was paid, even where the records were changed afterwards."""
    home = village.home.id
    village.alice.daily_wage = D("999.00")
    session.commit()
    wages = livelihoods.wages_by_month(session, ["2026-09", "2026-10"])
    assert wages[(home, "2026-09")] == D("462.00")  # stored lines
    assert wages[(home, "2026-10")] == D("999.00") + D("12.34") + D("160.00")  # computed now
    assert payroll.payroll(session, "2026-10")[village.alice.id].total == D("1011.34")


def test_household_months_by_hand(session, village):
    year = livelihoods.household_months(session, village.home.id, 2026, TODAY)
    assert [m.month for m in year.months] == [f"2026-{m:02d}" for m in range(1, 12)]
    by_month = {m.month: (m.rent, m.wages) for m in year.months if m.total}
    assert by_month == {"2026-03": (D("5000.00"), 0), "2026-07": (D("3000.00"), 0),
                        "2026-09": (0, D("462.00")), "2026-10": (0, D("322.34"))}
    assert sum(m.total for m in year.months) + year.income.other == year.income.total == D("11584.34")
    assert [(e.kind, e.amount) for e in year.entries] == [("transfer", D("2400.00")), ("business", D("1000.00")),
                                                          ("costs", D("600.00"))]
    with pytest.raises(NotFound):
        livelihoods.household_months(session, 999999, 2026, TODAY)


def test_projection_by_hand(session, village):
    """Received 8,000 + 784.34; rent still due 1,000 (12-15); average of Aug-Oct (0 + 462 + 322.34) / 3 = 261.45
    for December and November: 522.90; other 2,800. 13,107.24 for 4: 3,276.81."""
    p = livelihoods.projected(session, 2026, TODAY)[village.home.id]
    assert p.total == D("13107.24") and p.per_capita == D("3276.81") and p.band == IncomeBand.BELOW_LINE
    assert p.figures == {
        "members": 4, "rent_received": "8000.00", "wages_received": "784.34", "dividends": "0.00",
        "rent_due": "1000.00", "average_wages": "261.45", "months_left": 2, "wages_ahead": "522.90",
        "other": "2800.00", "total": "13107.24", "per_capita": "3276.81", "line": "7300.00",
        "near_limit": "10950.00", "band": "below_line"}
    # Once the 12-15 rent is paid it counts as received, not as due.
    contract = next(c for c in village.home.contracts if c.number == "TZ-2025-009")
    land.record_payment(session, contract.id, PaymentIn(paid_on=date(2026, 12, 15), amount=D("1000")),
                        today=date(2026, 12, 15))
    later = livelihoods.projected(session, 2026, date(2026, 12, 15))[village.home.id]
    assert later.figures["rent_received"] == "9000.00" and later.figures["rent_due"] == "0.00"
    # A past year is what was received.
    past = livelihoods.projected(session, 2025, TODAY)[village.home.id]
    assert past.total == D("9999.00") and past.figures["months_left"] == 0


def test_lines_hold_until_a_later_year_sets_another(session, village):
    assert livelihoods.line_for(session, 2019) is None
    assert [livelihoods.line_for(session, y) for y in (2020, 2021, 2022, 2023, 2026)] == [
        D("4000.00"), D("6000.00"), D("6000.00"), D("7300.00"), D("7300.00")]
    livelihoods.set_line(session, 2026, D("7600"), today=TODAY)
    assert livelihoods.line_for(session, 2026) == D("7600.00") and livelihoods.line_for(session, 2025) == D("7300.00")
    assert [r.year for r in livelihoods.lines(session)] == [2020, 2021, 2023, 2026]
    with pytest.raises(Invalid) as bad:
        livelihoods.set_line(session, 2028, D("8000"), today=TODAY)
    assert "year" in bad.value.fields
    with pytest.raises(Invalid):
        livelihoods.set_line(session, 2026, D("0"), today=TODAY)


@pytest.mark.parametrize("per_capita, band", [
    ("7299.99", IncomeBand.BELOW_LINE), ("7300.00", IncomeBand.NEAR_LINE), ("10949.99", IncomeBand.NEAR_LINE),
    ("10950.00", IncomeBand.ABOVE), ("0", IncomeBand.BELOW_LINE)])
def test_band_edges(per_capita, band):
    assert livelihoods.band_of(D(per_capita), D("7300")) == band


def test_band_without_a_line_and_the_factor_setting(session, village):
    assert livelihoods.band_of(D("100"), None) is None
    assert livelihoods.band_of(D("7999.99"), D("4000"), D("2")) == IncomeBand.NEAR_LINE
    from farm.services import settings
    settings.put(session, "livelihoods.near_factor", "2")
    assert livelihoods.near_factor(session, 2026) == D("2")


def test_entries_refuse_bad_input(session, village):
    official = village.users["official"]
    with pytest.raises(NotFound):
        livelihoods.add_income(session, 999999, IncomeEntryIn(year=2026, kind="transfer", amount=D("1")), official,
                               today=TODAY)
    with pytest.raises(Invalid) as bad:
        livelihoods.add_income(session, village.home.id, IncomeEntryIn(year=2027, kind="transfer", amount=D("1")),
                               official, today=TODAY)
    assert "year" in bad.value.fields
    from farm.inputs import parse
    for body in ({"year": 2026, "kind": "transfer", "amount": "abc"}, {"year": 2026, "kind": "gift", "amount": 1},
                 {"year": 2026, "kind": "transfer", "amount": 0}, {"year": 2026, "kind": "transfer", "amount": -5},
                 {"year": "2026", "kind": "transfer", "amount": 1}):
        with pytest.raises(Invalid):
            parse(IncomeEntryIn, body, strict=True)
    session.rollback()
    assert livelihoods.other_income(session, 2026) == {village.home.id: D("2800.00")}


def test_delete_and_correct_keep_who_and_when(session, village):
    official, manager = village.users["official"], village.users["manager"]
    entries = livelihoods.income_entries(session, village.home.id, 2026)
    cost = next(e for e in entries if e.kind == "costs")
    new = livelihoods.correct_income(session, village.home.id, cost.id,
                                     IncomeEntryIn(year=2026, kind="costs", amount=D("800")), manager, today=TODAY)
    assert cost.voided_at is not None and cost.voided_by_id == manager.id and new.replaces_id == cost.id
    assert livelihoods.other_income(session, 2026) == {village.home.id: D("2600.00")}
    transfer = next(e for e in entries if e.kind == "transfer")
    livelihoods.delete_income(session, village.home.id, transfer.id, official)
    assert transfer.voided_by_id == official.id
    assert livelihoods.other_income(session, 2026) == {village.home.id: D("200.00")}
    with pytest.raises(Invalid):
        livelihoods.delete_income(session, village.home.id, transfer.id, official)
    with pytest.raises(NotFound):  # an entry of another household is none of this one
        livelihoods.delete_income(session, village.other.id, new.id, official)
    assert len(livelihoods.income_entries(session, village.home.id, 2026)) == 4


def test_year_in_the_future_is_refused(session, village):
    with pytest.raises(Invalid):
        livelihoods.year_incomes(session, 2027, TODAY)
    with pytest.raises(Invalid):
        livelihoods.projected(session, 2027, TODAY)
    with pytest.raises(Invalid):
        livelihoods.parse_year("20x6", TODAY)
    assert livelihoods.parse_year("", TODAY) == 2026


def test_rent_received_counts_each_household_by_payment_day(session):
    one, two = make_household(session), make_household(session, name="李桂兰")
    a = make_contract(session, one)
    b = make_contract(session, two, number="TZ-B", codes=("P-B",))
    today = date(2025, 6, 1)
    for contract, day, amount in ((a, date(2024, 3, 1), "8000"), (a, date(2025, 3, 1), "8000"),
                                  (a, date(2025, 4, 1), "100.50"), (b, date(2024, 12, 31), "5")):
        land.record_payment(session, contract.id, PaymentIn(paid_on=day, amount=D(amount)), today=today)
    session.commit()
    assert livelihoods.rent_received(session, date(2025, 1, 1), date(2026, 1, 1)) == {one.id: D("8100.50")}
    assert livelihoods.rent_received(session, date(2024, 1, 1), date(2025, 1, 1)) == {one.id: D("8000.00"),
                                                                                        two.id: D("5.00")}


def test_projection_early_in_the_year_counts_the_rent_still_due(session, village):
    """On 1 February nothing of 2026 is received yet: both leases' dues (8,000 on 03-01, 1,000 on 12-15) are still
    due; no wages in November, December or January; other 2,800. 11,800 for 4: 2,950."""
    p = livelihoods.projected(session, 2026, date(2026, 2, 1))[village.home.id]
    assert (p.figures["rent_received"], p.figures["rent_due"], p.figures["months_left"]) == ("0.00", "9000.00", 11)
    assert p.total == D("11800.00") and p.per_capita == D("2950.00")
    # On 1 March the first instalment (5,000) is in: 3,000 of the 03-01 due is left, and the 12-15 due.
    p = livelihoods.projected(session, 2026, date(2026, 3, 1))[village.home.id]
    assert (p.figures["rent_received"], p.figures["rent_due"]) == ("5000.00", "4000.00")


def _busier_october(session, village):
    """October (open) made busier: 王秀英 picks 7.5 kg (at the default 0.20: 1.50) with 3 crates (at 0.50: 1.50);
    王小军's wage rises to 180 from 10-15 and he works on 10-20 (the month is then read in two stretches)."""
    from sqlalchemy import select

    from farm.models.harvest import Harvest
    from farm.services import people
    from tests.livelihoods.conftest import attend

    sample = session.scalar(select(Harvest))
    session.add(Harvest(greenhouse_id=sample.greenhouse_id, planting_id=sample.planting_id, crop_id=sample.crop_id,
                        weight_kg=D("7.5"), crates=3, grade="premium", harvested_at=sample.harvested_at,
                        day=date(2026, 10, 6), worker_id=village.alice.id, entered_by_id=sample.entered_by_id))
    people.set_wage(session, village.bob.id, D("180.00"), date(2026, 10, 15))
    attend(session, date(2026, 10, 20), [village.bob])
    session.commit()


def test_open_month_read_at_once_agrees_with_each_payslip(session, village):
    """By hand, October: 王秀英 150 + 1.50 + 1.50 + 12.34 = 165.34; 王小军 160 + 180 = 340; the household 505.34.
    September (closed, stored lines): 302 + 160 = 462. The incomes and the payslips agree to the fen."""
    _busier_october(session, village)
    alice, bob, carol, home = village.alice.id, village.bob.id, village.carol.id, village.home.id
    everyone = payroll.compute(session, "2026-10")
    for worker_id in (alice, bob, carol):
        slip = payroll.get_worker_pay(session, "2026-10", worker_id)
        assert [(ln.kind, ln.quantity, ln.rate, ln.amount) for ln in slip.lines] == \
               [(ln.kind, ln.quantity, ln.rate, ln.amount) for ln in everyone.get(worker_id, slip).lines]
    assert [(ln.kind, ln.quantity, ln.amount) for ln in everyone[alice].lines] == [
        ("wage", 1, D("150.00")), ("piece", D("7.5"), D("1.50")), ("crate", 3, D("1.50")),
        ("adjustment", 1, D("12.34"))]
    assert [(ln.kind, ln.rate, ln.amount) for ln in everyone[bob].lines] == [
        ("wage", D("160.00"), D("160.00")), ("wage", D("180.00"), D("180.00"))]
    months = ["2026-09", "2026-10"]
    assert payroll.totals(session, months) == {
        (alice, "2026-09"): D("302.00"), (bob, "2026-09"): D("160.00"), (carol, "2026-09"): D("150.00"),
        (alice, "2026-10"): D("165.34"), (bob, "2026-10"): D("340.00")}
    wages = {(home, "2026-09"): D("462.00"), (home, "2026-10"): D("505.34")}
    assert livelihoods.wages_by_month(session, months) == wages
    assert livelihoods.wages_by_month(session, months, home) == wages  # one household: its workers one by one
    assert livelihoods.wages_total(session, months) == {home: D("967.34")}
    assert livelihoods.year_incomes(session, 2026, TODAY)[home].wages == D("967.34")


def test_linkage_report_and_income_report_agree_to_the_fen(session, village):
    """The 联农带农 report's wages are the same payroll totals the income report adds up."""
    from farm.services import linkage

    _busier_october(session, village)
    report = linkage.report(session, 2026, today=TODAY)
    [line] = [h for h in report.households if h.household_id == village.home.id]
    assert line.figures.wages_paid == livelihoods.year_incomes(session, 2026, TODAY)[village.home.id].wages
    assert line.figures.wages_paid == D("967.34")
    assert report.unhoused_total.wages_paid == D("150.00")  # 赵红, in no household
    assert report.totals.wages_paid == D("1117.34")
