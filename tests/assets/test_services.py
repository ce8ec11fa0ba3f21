"""The asset rules by hand: depreciation and net value on fixed days, returns and arrears, the dividend split to
the fen, distributions within what was received, ledgers whose totals equal their rows, the workbook."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from farm.errors import Conflict, Invalid
from farm.inputs.assets import AssetIn, AssetStatusIn, DistributionIn, DividendSplitIn, ReturnIn
from farm.models.assets import Asset, AssetChange, AssetReturn, Distribution, DistributionLine
from farm.services import assets
from tests.assets.factories import asset_data, make_asset
from tests.factories import make_park
from tests.land.factories import make_household

TODAY = date(2026, 11, 28)
D = Decimal


def test_service_months_count_full_months_from_the_month_after_hand_over():
    start = date(2020, 6, 15)
    assert assets.service_months(start, date(2020, 6, 30)) == 0  # the month of hand-over does not count
    assert assets.service_months(start, date(2020, 7, 30)) == 0  # July has not ended
    assert assets.service_months(start, date(2020, 7, 31)) == 1
    assert assets.service_months(start, date(2025, 12, 31)) == 66
    assert assets.service_months(start, date(2025, 12, 31), disposed_on=date(2021, 2, 3)) == 8  # Jul..Feb


def test_depreciation_and_net_value_on_fixed_days(session):
    make_park(session)
    asset = make_asset(session)
    assert asset.value == D("120000.00")
    # (120,000 − 6,000) / 10 = 11,400 a year, 950 a month, from July 2020.
    assert assets.accumulated_depreciation(asset, date(2020, 6, 30)) == D("0.00")
    assert assets.accumulated_depreciation(asset, date(2020, 7, 31)) == D("950.00")
    assert assets.accumulated_depreciation(asset, date(2025, 12, 30)) == D("61750.00")  # 65 months
    assert assets.accumulated_depreciation(asset, date(2025, 12, 31)) == D("62700.00")  # 66 months
    assert assets.net_value(asset, date(2025, 12, 31)) == D("57300.00")
    # After ten years it stays at the residual value.
    assert assets.net_value(asset, date(2030, 6, 30)) == D("6000.00")
    assert assets.net_value(asset, date(2040, 1, 31)) == D("6000.00")
    assert assets.accumulated_depreciation(asset, date(2019, 1, 1)) == D("0.00")  # before it was built


def test_depreciation_is_rounded_once_to_the_fen(session):
    make_park(session)
    asset = make_asset(session, code="R1", fiscal="100000", village="0.01", residual_value="0.01",
                       depreciation_years=3, handed_over_on=None, built_on="2024-01-10")
    # 100,000 over 36 months: one month is 2,777.777… → 2,777.78; seven months 19,444.444… → 19,444.44.
    assert assets.accumulated_depreciation(asset, date(2024, 2, 29)) == D("2777.78")
    assert assets.accumulated_depreciation(asset, date(2024, 8, 31)) == D("19444.44")


def test_return_due_is_six_percent_of_public_funds_for_the_months_of_service(session):
    make_park(session)
    asset = make_asset(session, funding=[{"source": "fiscal", "amount": "60000"},
                                         {"source": "east_west", "amount": "20000"},
                                         {"source": "social", "amount": "10000"},
                                         {"source": "company", "amount": "30000"}])
    assert assets.public_funds(asset) == D("90000.00")
    assert assets.annual_return(asset) == D("5400.00")
    assert assets.return_due(asset, 2020) == D("2700.00")  # July to December
    assert assets.return_due(asset, 2021) == D("5400.00")
    assert assets.return_due(asset, 2019) == D("0.00")
    fixed = make_asset(session, code="F1", return_percent=None, return_fixed="3000")
    assert assets.return_due(fixed, 2021) == D("3000.00")


def test_returns_arrears_and_overdue(session):
    make_park(session)
    make_asset(session, built_on="2022-12-01", handed_over_on="2022-12-20")
    assert assets.due_date(session, 2023) == date(2024, 3, 30)  # 90 days after the year's end
    year = assets.year_return(session, 2023, TODAY)
    assert (year.due, year.received, year.outstanding, year.overdue) == (D("5400.00"), D("0.00"), D("5400.00"), True)
    assets.record_return(session, ReturnIn(year=2023, amount=D("5000"), paid_on=date(2024, 4, 2)), today=TODAY)
    year = assets.year_return(session, 2023, TODAY)
    assert (year.received, year.outstanding, year.overdue) == (D("5000.00"), D("400.00"), True)
    reminders = assets.return_reminders(session, TODAY)
    assert [(r.kind, r.year, r.amount) for r in reminders] == [
        ("return_overdue", 2023, D("400.00")), ("return_overdue", 2024, D("5400.00")),
        ("return_overdue", 2025, D("5400.00"))]
    totals = assets.return_totals(session, TODAY)
    assert totals.overdue == D("11200.00") and totals.overdue_years == [2023, 2024, 2025]
    assert totals.due == D("5400.00")  # the whole of 2026, due on 2027-03-31: owed, not yet late
    assert assets.return_totals(session, TODAY, assets.return_years(session, TODAY)) == totals  # the panel's way
    # Due soon: within 30 days of 2027-03-31.
    soon = assets.return_reminders(session, date(2027, 3, 10))
    assert ("return_due", 2026) in [(r.kind, r.year) for r in soon]


@pytest.mark.parametrize("body, field", [
    ({"year": 2023, "amount": "5400.01", "paid_on": "2024-04-01"}, "amount"),  # more than is owed
    ({"year": 2023, "amount": "10", "paid_on": "2026-12-01"}, "paid_on"),  # in the future
    ({"year": 2023, "amount": "10", "paid_on": "2022-12-31"}, "paid_on"),  # before the year
    ({"year": 2027, "amount": "10", "paid_on": "2026-01-01"}, "year"),
])
def test_record_return_refuses(session, body, field):
    make_park(session)
    make_asset(session, built_on="2022-12-01", handed_over_on="2022-12-20")
    with pytest.raises(Invalid) as refused:
        assets.record_return(session, ReturnIn.model_validate(body), today=TODAY)
    assert field in refused.value.fields
    assert session.query(AssetReturn).count() == 0


def test_asset_refusals_store_nothing(session):
    make_park(session)
    cases = [
        (asset_data(value="120000.01"), "value"),
        (asset_data(funding=[]), "funding"),
        (asset_data(greenhouses=["GH-001", "GH-999"]), "greenhouses"),
        (asset_data(residual_value="200000"), "residual_value"),
        (asset_data(handed_over_on="2019-01-01"), "handed_over_on"),
        (asset_data(return_fixed="100"), "return_fixed"),
        (asset_data(operator_kind="household"), "operator_household_id"),
    ]
    for data, field in cases:
        with pytest.raises(Invalid) as refused:
            assets.create_asset(session, AssetIn.model_validate(data))
        assert field in refused.value.fields, data
    assert session.query(Asset).count() == 0
    make_asset(session)
    with pytest.raises(Conflict):
        make_asset(session)


def test_asset_value_matching_funding_is_accepted_and_the_change_log_keeps_each_change(session, ):
    make_park(session)
    asset = make_asset(session, value="120000.00", greenhouses=["gh-001", "GH-002"])
    assert [g.code for g in asset.greenhouses] == ["GH-001", "GH-002"]
    assert asset.owner == "村集体经济组织" or asset.owner == "The village collective"
    assets.update_asset(session, asset.id, AssetIn.model_validate(asset_data(name="一号棚", greenhouses=["GH-001"])))
    with pytest.raises(Invalid) as refused:
        assets.change_status(session, asset.id, AssetStatusIn(status="disposed", approval="海南区农牧局〔2026〕3号"),
                             today=TODAY)
    assert "reason" in refused.value.fields
    assets.change_status(session, asset.id, AssetStatusIn(status="disposed", on=date(2026, 5, 10), reason="风灾损毁",
                                                          approval="海南区农牧局〔2026〕3号"), today=TODAY)
    changes = session.query(AssetChange).order_by(AssetChange.id).all()
    assert [c.action for c in changes] == ["created", "updated", "status"]
    assert changes[1].before["name"] == "1号日光温室" and changes[1].after["name"] == "一号棚"
    assert changes[1].before["greenhouses"] == ["GH-001", "GH-002"] and changes[1].after["greenhouses"] == ["GH-001"]
    assert changes[2].before["status"] == "in_use" and changes[2].after["status"] == "disposed"
    # Disposed in May 2026: it depreciates through May, and its 2026 return is five months' worth.
    assert assets.accumulated_depreciation(asset, TODAY) == assets.accumulated_depreciation(asset, date(2026, 5, 31))
    assert assets.return_due(asset, 2026) == D("2250.00")
    with pytest.raises(Conflict):
        assets.change_status(session, asset.id, AssetStatusIn(status="in_use"), today=TODAY)


def _households(session):
    return [make_household(session, name=n, members=m, status=s, id_number="", bank_account="")
            for n, m, s in (("甲", 1, "lifted"), ("乙", 2, "monitored"), ("丙", 4, "lifted"), ("丁", 5, "none"))]


def test_dividend_split_by_members_to_the_fen_with_the_remainder_placed(session):
    people = _households(session)
    eligible = assets.dividend_households(session)
    assert {h.name for h in eligible} == {"甲", "乙", "丙"}
    split = assets.split_dividend(eligible, D("100"), "members", "retained")
    shares = {h.name: s for h, s in split.shares}
    # 100 over 7 members: 14.285… → 14.28, 28.571… → 28.57, 57.142… → 57.14; one fen is left.
    assert shares == {"甲": D("14.28"), "乙": D("28.57"), "丙": D("57.14")}
    assert split.remainder == D("0.01") and split.remainder_to == "retained" and split.total == D("100.00")
    equal = assets.split_dividend(eligible, D("100"), "equal", "public_works")
    assert {s for _, s in equal.shares} == {D("33.33")} and equal.remainder == D("0.01")
    assert people


def test_distribution_within_received_and_dividends_by_household(session):
    make_park(session)
    people = _households(session)
    make_asset(session, built_on="2022-12-01", handed_over_on="2022-12-20")
    assets.record_return(session, ReturnIn(year=2024, amount=D("5400"), paid_on=date(2025, 3, 1)), today=TODAY)
    distribution = assets.distribute_dividends(session, DividendSplitIn(year=2024, amount=D("1000"),
                                                                        weighting="members", public_works=D("2000"),
                                                                        paid_on=date(2025, 4, 1)), today=TODAY)
    lines = {(line.kind, line.household_id): line.amount for line in distribution.lines}
    # 1,000 over 7 members: 142.85, 285.71, 571.42 = 999.98; the 0.02 left are retained.
    assert lines == {("dividend", people[0].id): D("142.85"), ("dividend", people[1].id): D("285.71"),
                     ("dividend", people[2].id): D("571.42"), ("public_works", None): D("2000.00"),
                     ("retained", None): D("0.02")}
    assert distribution.total == D("3000.00")
    got = assets.dividends_by_household(session, date(2025, 1, 1), date(2026, 1, 1))
    assert got == {people[0].id: D("142.85"), people[1].id: D("285.71"), people[2].id: D("571.42")}
    assert assets.dividends_by_household(session, date(2025, 4, 2), date(2026, 1, 1)) == {}
    # 2,400 are left of 2024's 5,400: 2,400.01 is refused, and so is a dividend to a household not monitored.
    refused_cases = [
        ({"kind": "public_job", "person": "李四", "amount": "2400.01"}, "lines"),
        ({"kind": "dividend", "household_id": people[3].id, "amount": "10"}, "lines.0.household_id"),
        ({"kind": "dividend", "amount": "10"}, "lines.0.household_id"),
        ({"kind": "dividend", "household_id": 99999, "amount": "10"}, "lines.0.household_id"),
    ]
    for line, field in refused_cases:
        with pytest.raises(Invalid) as refused:
            assets.record_distribution(session, DistributionIn.model_validate({"year": 2024, "lines": [line]}),
                                       today=TODAY)
        assert field in refused.value.fields
    with pytest.raises(Invalid):  # nothing received for 2025
        assets.record_distribution(session, DistributionIn.model_validate(
            {"year": 2025, "lines": [{"kind": "retained", "amount": "1"}]}), today=TODAY)
    assert session.query(Distribution).count() == 1 and session.query(DistributionLine).count() == 5
    assets.record_distribution(session, DistributionIn.model_validate(
        {"year": 2024, "lines": [{"kind": "public_job", "person": "李四", "amount": "2400"}]}), today=TODAY)
    assert assets.year_return(session, 2024, TODAY).available == D("0.00")


def test_apportion_adds_up_exactly():
    assert assets.apportion(D("100"), [D(1), D(1), D(1)]) == [D("33.34"), D("33.33"), D("33.33")]
    assert assets.apportion(D("10"), [D(0), D(0)]) == [D("0.00"), D("0.00")]
    shares = assets.apportion(D("1234.57"), [D("3"), D("7"), D("11"), D("0")])
    assert sum(shares) == D("1234.57") and shares[3] == D("0.00")


def _ledger_park(session):
    make_park(session)
    make_asset(session, code="A1", greenhouses=["GH-001"])
    make_asset(session, code="A2", category="public", kind="road", fiscal="33333.33", village="11111.11",
               residual_value="0", return_percent=None, built_on="2021-05-05", handed_over_on=None)
    make_asset(session, code="A3", kind="irrigation", fiscal="50000", village="0.01", residual_value="2500",
               depreciation_years=7, funding=[{"source": "east_west", "amount": "40000.03"},
                                              {"source": "social", "amount": "9999.99"},
                                              {"source": "company", "amount": "12345.67"}],
               built_on="2023-02-11", handed_over_on="2023-04-01", return_percent="6.5")
    assets.record_return(session, ReturnIn(year=2024, amount=D("7777.77"), paid_on=date(2025, 3, 1)), today=TODAY)
    assets.record_distribution(session, DistributionIn.model_validate(
        {"year": 2024, "lines": [{"kind": "public_works", "amount": "3333.33"}]}), today=TODAY)


def test_ledgers_totals_equal_their_rows_in_every_view(session):
    _ledger_park(session)
    book = assets.ledgers(session, 2024, TODAY)
    assert book.as_of == date(2024, 12, 31) and len(book.assets) == 3
    total = book.total
    for view in (book.by_category.values(), book.by_source.values()):
        summed = assets.Figures()
        for figures in view:
            summed.add(figures)
        assert summed == total
    assert book.by_year[-1] == (2024, total)
    assert [y for y, _ in book.by_year] == [2020, 2021, 2022, 2023, 2024]
    assert total.received == D("7777.77") and total.distributed == D("3333.33")
    assert total.value == D("120000.00") + D("44444.44") + D("62345.69")
    for row in book.assets:
        assert row.figures.net_value == row.figures.value - row.figures.accumulated
    # A3's public funds are 50,000.02; 6.5 % is 3,250.00 a year; in 2024 the full year.
    a3 = next(r for r in book.assets if r.asset.code == "A3")
    assert a3.figures.return_due == D("3250.00")
    # The funding sources' values are the funding lines themselves.
    assert book.by_source["east_west"].value == D("40000.03") and book.by_source["fiscal"].value == D("123333.33")
    # The year's payments are shared by return due: A1 5,400 and A3 3,250 of 8,650 (A2 owes nothing).
    a2 = next(r for r in book.assets if r.asset.code == "A2")
    assert a2.figures.received == D("0.00") and a3.figures.received + book.assets[0].figures.received == D("7777.77")


def test_ledger_workbook_opens_with_a_sheet_per_ledger_and_totals(session, app):
    _ledger_park(session)
    with app.test_request_context():
        data = assets.ledger_workbook(session, 2024, TODAY)
    book = load_workbook(io.BytesIO(data))
    assert len(book.sheetnames) == 6
    summary = book[book.sheetnames[0]]
    rows = list(summary.iter_rows(values_only=True))
    assert len(rows) == 5  # header, three ledgers, total
    assert rows[-1][1] == sum(r[1] for r in rows[1:4])
    assert D(str(rows[-1][1])) == D("226790.13")
    operating = book[book.sheetnames[2]]
    codes = [r[0] for r in operating.iter_rows(min_row=2, values_only=True)]
    assert codes[:2] == ["A1", "A3"]
