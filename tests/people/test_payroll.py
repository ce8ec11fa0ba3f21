"""Payroll arithmetic: a hand-checked month, rates changing mid-month, closing, adjustments, and properties."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from farm.errors import Conflict, Invalid
from farm.inputs.people import JobIn
from farm.services import payroll, people
from farm.services import settings as park_settings
from farm.services.payroll import DayWork, Picked, Timeline, price
from farm.units import fen
from tests.people.conftest import add_harvest

# "Today" and "now" stand still through each test (and cannot roll over midnight under it).
pytestmark = pytest.mark.usefixtures("frozen_clock")

D = Decimal


def plan(session, day, workers, hours="8", kind="harvest"):
    return people.create_job(session, JobIn.model_validate(
        {"kind": kind, "greenhouse": "GH-001", "date": day.isoformat(), "workers": [w.id for w in workers],
         "hours": hours}))


def attend(session, job, present=True, hours=None):
    people.record_attendance(session, [(a.id, present, D(hours) if hours else a.hours) for a in job.assignments])


def september(session, farm):
    """The hand-checked month of 王秀英 (alice)."""
    a = farm.alice
    people.set_wage(session, a.id, D("160.00"), date(2026, 9, 15))
    payroll.set_piece_rate(session, "cucumber", "premium", date(2026, 9, 1), D("0.30"))
    payroll.set_piece_rate(session, "cucumber", "premium", date(2026, 9, 16), D("0.35"))
    payroll.set_piece_rate(session, "cucumber", "grade1", date(2026, 9, 1), D("0.20"))
    attend(session, plan(session, date(2026, 9, 10), [a]), hours="8")
    attend(session, plan(session, date(2026, 9, 20), [a]), hours="6.5")
    attend(session, plan(session, date(2026, 9, 21), [a]), present=False)
    add_harvest(session, farm, a, date(2026, 9, 10), "10.333", crates=2)
    add_harvest(session, farm, a, date(2026, 9, 20), "20.5", crates=1)
    add_harvest(session, farm, a, date(2026, 9, 20), "3.125", grade="grade1")
    add_harvest(session, farm, a, date(2026, 9, 10), "100", voided=True)
    add_harvest(session, farm, a, date(2026, 10, 1), "50")  # next month
    payroll.add_adjustment(session, a.id, "2026-09", D("12.34"), "奖励")


def test_payroll_hand_checked_month(session, farm):
    september(session, farm)
    pay = payroll.payroll(session, "2026-09")[farm.alice.id]
    lines = [(ln.kind, ln.quantity, ln.rate, ln.amount) for ln in pay.lines]
    assert lines == [
        ("wage", 1, D("150.00"), D("150.00")),
        ("wage", 1, D("160.00"), D("160.00")),
        ("piece", D("3.125"), D("0.20"), D("0.63")),   # 0.625 rounds half up
        ("piece", D("10.333"), D("0.30"), D("3.10")),  # 3.0999
        ("piece", D("20.5"), D("0.35"), D("7.18")),    # 7.175 at the rate in force from 09-16
        ("crate", 3, D("0.50"), D("1.50")),
        ("adjustment", 1, D("12.34"), D("12.34")),
    ]
    assert pay.days == 2 and pay.hours == D("14.5") and pay.piece_kg == D("33.958")
    assert pay.wage == D("310.00") and pay.piece_pay == D("12.41") and pay.total == D("334.75")


def test_payroll_default_wage_setting_applies_by_date(session, farm):
    farm.alice.daily_wage = None
    park_settings.put(session, "pay.daily_wage", "120", date(2026, 9, 1))
    park_settings.put(session, "pay.daily_wage", "130", date(2026, 9, 15))
    attend(session, plan(session, date(2026, 9, 14), [farm.alice]))
    attend(session, plan(session, date(2026, 9, 15), [farm.alice]))
    pay = payroll.payroll(session, "2026-09")[farm.alice.id]
    assert [ln.amount for ln in pay.lines] == [D("120.00"), D("130.00")] and pay.total == D("250.00")


def test_payroll_two_jobs_one_day_pay_one_daily_wage(session, farm):
    attend(session, plan(session, date(2026, 9, 14), [farm.alice], hours="4"))
    attend(session, plan(session, date(2026, 9, 14), [farm.alice], hours="5", kind="packing"))
    pay = payroll.payroll(session, "2026-09")[farm.alice.id]
    assert pay.days == 1 and pay.hours == 9 and pay.wage == D("150.00")


def test_payroll_closed_month_is_frozen(session, farm):
    september(session, farm)
    payroll.close_month(session, "2026-09", farm.users["manager"].id)
    session.commit()
    before = payroll.payroll(session, "2026-09")[farm.alice.id].total
    # a harvest corrected afterwards changes what the records say, not what was paid
    add_harvest(session, farm, farm.alice, date(2026, 9, 25), "40")
    assert payroll.payroll(session, "2026-09")[farm.alice.id].total == before == D("334.75")
    assert payroll.drift(session, "2026-09") == {farm.alice.id: D("14.00")}
    with pytest.raises(Conflict):
        plan(session, date(2026, 9, 30), [farm.alice])
    job = people.jobs_on(session, date(2026, 9, 10))[0]
    with pytest.raises(Conflict):
        attend(session, job, present=False)
    with pytest.raises(Conflict):
        people.mark_done(session, job.id)
    with pytest.raises(Conflict):
        payroll.add_adjustment(session, farm.alice.id, "2026-09", D("1"), "late")
    with pytest.raises(Conflict):
        payroll.set_piece_rate(session, "cucumber", "premium", date(2026, 9, 20), D("1"))
    with pytest.raises(Conflict):
        people.set_wage(session, farm.alice.id, D("1"), date(2026, 9, 20))
    with pytest.raises(Conflict):
        payroll.close_month(session, "2026-09")
    session.rollback()
    # the correction goes into the next month with its reason
    payroll.add_adjustment(session, farm.alice.id, "2026-10", D("14.00"), "9月采摘更正")
    oct_pay = payroll.payroll(session, "2026-10")[farm.alice.id]
    assert oct_pay.adjustments == D("14.00")


def test_payroll_cannot_close_a_month_not_yet_ended(session, farm):
    from farm import clock

    with pytest.raises(Conflict):
        payroll.close_month(session, clock.month_of(clock.today()))
    with pytest.raises(Invalid):
        payroll.close_month(session, "2026-13")


def test_payroll_adjustment_needs_reason_and_worker(session, farm):
    with pytest.raises(Invalid):
        payroll.add_adjustment(session, farm.alice.id, "2026-10", D("1"), "  ")
    with pytest.raises(Invalid):
        payroll.add_adjustment(session, 9999, "2026-10", D("1"), "x")


# --- properties (pure arithmetic) -----------------------------------------------------------------

GRADES = ("premium", "grade1", "grade2", "offgrade")
money = st.decimals(min_value=0, max_value=500, places=2)
rate = st.decimals(min_value=0, max_value=3, places=4)
kg = st.decimals(min_value=D("0.001"), max_value=300, places=3)
days = st.integers(min_value=0, max_value=29).map(lambda n: date(2026, 9, 1) + timedelta(days=n))


@st.composite
def months(draw):
    workers = draw(st.lists(st.integers(1, 5), min_size=1, max_size=5, unique=True))
    work = [DayWork(draw(st.sampled_from(workers)), draw(days), draw(st.decimals(0, 12, places=2)))
            for _ in range(draw(st.integers(0, 20)))]
    picked = [Picked(draw(st.sampled_from(workers)), draw(days), draw(st.integers(1, 3)), draw(st.sampled_from(GRADES)),
                     draw(kg), draw(st.integers(0, 5))) for _ in range(draw(st.integers(0, 30)))]
    adjustments = [(draw(st.sampled_from(workers)), draw(st.decimals(-100, 100, places=2)), "r")
                   for _ in range(draw(st.integers(0, 3)))]
    # rates that change on random days of the month
    wage_changes = {w: Timeline(draw(money), [(draw(days), draw(money)) for _ in range(draw(st.integers(0, 2)))])
                    for w in workers}
    piece_changes = {(c, g): Timeline(draw(rate), [(draw(days), draw(rate)) for _ in range(draw(st.integers(0, 2)))])
                     for c in (1, 2, 3) for g in GRADES}
    crate = Timeline(draw(rate), [(draw(days), draw(rate))])
    return work, picked, adjustments, wage_changes, piece_changes, crate


def _price(work, picked, adjustments, wages, pieces, crate):
    return price(work, picked, adjustments, lambda w, d: wages[w].at(d), lambda c, g, d: pieces[(c, g)].at(d),
                 crate.at)


@settings(max_examples=150, deadline=None)
@given(months())
def test_payroll_total_is_sum_of_lines_to_the_fen(month):
    for pay in _price(*month).values():
        assert all(line.amount == fen(line.amount) for line in pay.lines)
        assert pay.total == sum((line.amount for line in pay.lines), D(0))
        assert pay.total == pay.wage + pay.piece_pay + pay.adjustments


@settings(max_examples=150, deadline=None)
@given(months())
def test_payroll_pays_each_day_at_the_rate_in_force(month):
    work, picked, adjustments, wages, pieces, crate = month
    pays = _price(*month)
    for worker_id, pay in pays.items():
        present = {w.day for w in work if w.worker_id == worker_id}
        # the exact value per day, grouped by rate, then rounded once per line: never more than half a fen per line
        exact_wage = sum((wages[worker_id].at(d) for d in present), D(0))
        wage_lines = [ln for ln in pay.lines if ln.kind == "wage"]
        assert pay.days == len(present)
        assert abs(pay.wage - exact_wage) <= D("0.005") * len(wage_lines)
        exact_piece = sum((p.kg * pieces[(p.crop_id, p.grade)].at(p.day) for p in picked if p.worker_id == worker_id),
                          D(0))
        piece_lines = [ln for ln in pay.lines if ln.kind == "piece"]
        assert abs(pay.picking_pay - exact_piece) <= D("0.005") * len(piece_lines)
        assert pay.piece_kg == sum((p.kg for p in picked if p.worker_id == worker_id), D(0))
        for ln in piece_lines:
            assert ln.amount == fen(ln.quantity * ln.rate)


@settings(max_examples=50, deadline=None)
@given(months())
def test_payroll_order_of_records_does_not_matter(month):
    work, picked, adjustments, wages, pieces, crate = month
    a = _price(work, picked, adjustments, wages, pieces, crate)
    b = _price(list(reversed(work)), list(reversed(picked)), adjustments, wages, pieces, crate)
    assert {k: v.total for k, v in a.items()} == {k: v.total for k, v in b.items()}


def _by_stretch(work, picked, cuts):
    """What the database hands the payroll for a month (payroll._gather): the days cut at every rate change, and
    per worker and stretch the distinct days present and their hours, the kilograms and crates per crop and grade,
    each row dated on its stretch's first day."""
    def first_of(day):
        return max(c for c in cuts if c <= day)

    hours: dict = {}
    for w in work:
        hours[(w.worker_id, w.day)] = hours.get((w.worker_id, w.day), D(0)) + w.hours
    stretch_work: dict = {}
    for (worker_id, day), h in hours.items():
        row = stretch_work.setdefault((worker_id, first_of(day)), [0, D(0)])
        row[0] += 1
        row[1] += h
    stretch_picked: dict = {}
    for p in picked:
        row = stretch_picked.setdefault((p.worker_id, first_of(p.day), p.crop_id, p.grade), [D(0), 0])
        row[0] += p.kg
        row[1] += p.crates
    return ([DayWork(w, first, h, n) for (w, first), (n, h) in stretch_work.items()],
            [Picked(w, first, c, g, k, n) for (w, first, c, g), (k, n) in stretch_picked.items()])


@settings(max_examples=150, deadline=None)
@given(months())
def test_payroll_priced_by_stretches_equals_priced_day_by_day(month):
    """The month read by aggregate queries, a stretch of unchanged rates at a time, pays exactly what pricing every
    day on its own pays: the same lines, to the fen."""
    work, picked, adjustments, wages, pieces, crate = month
    timelines = [*wages.values(), *pieces.values(), crate]
    cuts = {date.min} | {since for line in timelines for since, _v in line.changes}
    stretch_work, stretch_picked = _by_stretch(work, picked, cuts)
    by_day = _price(work, picked, adjustments, wages, pieces, crate)
    by_stretch = _price(stretch_work, stretch_picked, adjustments, wages, pieces, crate)

    def lines(pays):
        return {w: [(ln.kind, ln.quantity, ln.rate, ln.amount, ln.crop_id, ln.grade, ln.days, ln.hours)
                    for ln in pay.lines] for w, pay in pays.items()}

    assert lines(by_stretch) == lines(by_day)


def test_payroll_stretches_cut_the_month_where_a_rate_changes(session, farm):
    assert payroll.stretches(session, "2026-09") == [(date(2026, 9, 1), date(2026, 10, 1))]
    people.set_wage(session, farm.alice.id, D("160.00"), date(2026, 9, 15))
    payroll.set_piece_rate(session, "cucumber", "premium", date(2026, 9, 1), D("0.30"))  # on the 1st: no cut
    park_settings.put(session, "pay.crate_rate", "0.60", date(2026, 9, 20))
    park_settings.put(session, "pay.crate_rate", "0.70", date(2026, 10, 20))  # another month
    assert payroll.stretches(session, "2026-09") == [(date(2026, 9, 1), date(2026, 9, 15)),
                                                     (date(2026, 9, 15), date(2026, 9, 20)),
                                                     (date(2026, 9, 20), date(2026, 10, 1))]


def test_payroll_whole_month_at_once_equals_each_workers_payslip(session, farm):
    """The month for every worker at once (what reports read) and one worker's payslip give the same lines."""
    september(session, farm)
    attend(session, plan(session, date(2026, 9, 16), [farm.alice, farm.bob]), hours="7")
    add_harvest(session, farm, farm.bob, date(2026, 9, 16), "4.2", crates=3)
    payroll.add_adjustment(session, farm.bob.id, "2026-09", D("-5.00"), "扣款")
    everyone = payroll.compute(session, "2026-09")
    assert set(everyone) == {farm.alice.id, farm.bob.id}
    for worker_id, pay in everyone.items():
        alone = payroll.compute(session, "2026-09", worker_id)[worker_id]
        assert [(ln.kind, ln.quantity, ln.rate, ln.amount) for ln in alone.lines] == \
               [(ln.kind, ln.quantity, ln.rate, ln.amount) for ln in pay.lines]
    # 王秀英: the hand-checked month and a day at 160 from 09-15: 494.75; 李建国: a day at 160, 4.2 kg at 0.35
    # (1.47), 3 crates at 0.50 (1.50), an adjustment of −5: 157.97
    assert everyone[farm.alice.id].total == D("494.75") and everyone[farm.bob.id].total == D("157.97")
    assert payroll.totals(session, ["2026-09"]) == {(farm.alice.id, "2026-09"): D("494.75"),
                                                    (farm.bob.id, "2026-09"): D("157.97")}
    assert payroll.totals_over(session, ["2026-08", "2026-09"], [farm.bob.id]) == {farm.bob.id: D("157.97")}
    # September closed (stored lines) and October open (50 kg picked on 10-01 at 0.35: 17.50)
    payroll.close_month(session, "2026-09", farm.users["manager"].id)
    assert payroll.totals(session, ["2026-09", "2026-10"], [farm.alice.id]) == {
        (farm.alice.id, "2026-09"): D("494.75"), (farm.alice.id, "2026-10"): D("17.50")}
    assert payroll.totals_over(session, ["2026-09", "2026-10"]) == {farm.alice.id: D("512.25"),
                                                                    farm.bob.id: D("157.97")}
