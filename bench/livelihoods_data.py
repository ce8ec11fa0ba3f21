"""A big park for the livelihoods benchmarks: 3,000 households and 600 workers over five years.

Writes, with bulk inserts, into the database a URL names (migrated here first; it should be empty):
households (members, labour, status), one land contract each with its parcel and its rent payments (some late,
some in two instalments, this year's sometimes unpaid), workers belonging to households, five years of jobs with
attendance and harvests, every month before today's closed with its payroll lines (priced by
farm.services.payroll), other income entries per household and year, and the monitoring lines. A few workers stop
working six weeks before `today` and a few households' rent is overdue, so the warning rules have something to find.

    .venv/bin/python bench/livelihoods_data.py sqlite:////tmp/big.db [--today 2026-11-28] [--households 3000]
        [--workers 600] [--years 5]

From another benchmark: `from bench.livelihoods_data import fill; fill(url, today)`.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text  # noqa: E402

from farm import clock  # noqa: E402
from farm.clock import month_of, month_range, next_month  # noqa: E402
from farm.db import Database  # noqa: E402
from farm.migrate import upgrade  # noqa: E402
from farm.models.harvest import Harvest  # noqa: E402
from farm.models.land import Household, LandContract, Parcel, RentPayment  # noqa: E402
from farm.models.livelihoods import IncomeEntry, IncomeLine  # noqa: E402
from farm.models.people import Assignment, Job, PayrollLine, PayrollMonth, Worker  # noqa: E402
from farm.services import payroll  # noqa: E402
from farm.vocab import Grade, HouseholdStatus, IncomeKind, JobKind  # noqa: E402
from tests.factories import make_crop, make_park, make_planting, make_user  # noqa: E402

GROUPS = [f"曙光村{n}组" for n in "一二三四五六七八"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "建国桂兰秀英志强海燕玉梅德胜凤英春生淑珍永福丽华"
CROPS = (("cucumber", "黄瓜", "Cucumber"), ("tomato", "西红柿", "Tomato"), ("eggplant", "茄子", "Eggplant"),
         ("pepper", "尖椒", "Pepper"))
BATCH = 20_000


def _bulk(conn, model, rows: list[dict], returning: bool = False) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        if returning:
            ids += [r[0] for r in conn.execute(insert(model).returning(model.id, sort_by_parameter_order=True),
                                               chunk)]
        else:
            conn.execute(insert(model), chunk)
    return ids


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))


def fill(url: str, today: date, households: int = 3000, workers: int = 600, years: int = 5, seed: int = 12,
         verbose: bool = False) -> dict:
    """Migrate the database at `url` and fill it; returns how many rows of each kind were written."""
    rng = random.Random(seed)
    started = time.perf_counter()

    def say(what: str) -> None:
        if verbose:
            print(f"{time.perf_counter() - started:6.1f}s {what}", flush=True)

    upgrade(url)
    database = Database(url)
    first_day = date(today.year - years + 1, 1, 1)
    with database.session_scope() as s:
        park = make_park(s, greenhouses=13)
        crops = [make_crop(s, code=c, name_zh=zh, name_en=en) for c, zh, en in CROPS]
        plantings = [make_planting(s, gh, crops[i % 4], planted_on=first_day - timedelta(days=30))
                     for i, gh in enumerate(park.greenhouses)]
        user_id = make_user(s, "manager", username="bench-manager").id
        plan = [(p.greenhouse_id, p.id, p.crop_id) for p in plantings]
    counts: dict[str, int] = {}
    with database.engine.begin() as conn:
        # Households: 1 to 6 members, about a quarter lifted out of poverty, a few monitored.
        rows = []
        for n in range(households):
            members = rng.choice((1, 2, 2, 3, 3, 4, 4, 4, 5, 6))
            status = rng.choices(list(HouseholdStatus), weights=(70, 25, 5))[0]
            rows.append({"name": _name(rng), "village_group": GROUPS[n % len(GROUPS)], "members": members,
                         "labour": rng.randint(0, members), "status": status.value,
                         "monitor_kind": "edge" if status == HouseholdStatus.MONITORED else None,
                         "phone": f"138{n:08d}", "id_number": "", "address": "", "bank_name": "",
                         "bank_account": "", "notes": ""})
        household_ids = _bulk(conn, Household, rows, returning=True)
        say(f"{len(household_ids)} households")
        # One contract each, 1 to 8 mu at 500 to 900 a mu, rent due on 03-01; paid every year, sometimes late,
        # sometimes in two instalments; this year's rent unpaid for one household in fifty.
        contract_rows, areas = [], []
        for n, hid in enumerate(household_ids):
            area = Decimal(rng.randint(10, 80)) / 10
            areas.append(area)
            contract_rows.append({
                "number": f"BENCH-{n:05d}", "household_id": hid, "use": "", "start_date": date(first_day.year, 3, 1),
                "end_date": date(first_day.year + 20, 2, 28), "rent_per_mu_year": Decimal(rng.randint(5, 9) * 100),
                "payment_month_day": "03-01", "payment_method": "bank", "status": "active", "notes": ""})
        contract_ids = _bulk(conn, LandContract, contract_rows, returning=True)
        _bulk(conn, Parcel, [{"contract_id": cid, "name": "地块", "code": f"P-{cid}", "area_mu": areas[n], "east": "",
                              "south": "", "west": "", "north": "", "land_type": "水浇地", "remarks": ""}
                             for n, cid in enumerate(contract_ids)])
        payments = []
        for n, cid in enumerate(contract_ids):
            annual = areas[n] * contract_rows[n]["rent_per_mu_year"]
            for year in range(first_day.year, today.year + 1):
                due = date(year, 3, 1)
                if due > today or (year == today.year and n % 50 == 0):
                    continue
                paid_on = min(due + timedelta(days=rng.choice((0, 0, 0, 3, 10, 40))), today)
                if n % 7 == 0:
                    half = (annual / 2).quantize(Decimal("0.01"))
                    payments.append((cid, paid_on, half))
                    payments.append((cid, min(paid_on + timedelta(days=120), today), annual - half))
                else:
                    payments.append((cid, paid_on, annual))
        _bulk(conn, RentPayment, [{"contract_id": c, "paid_on": d, "amount": a, "method": "bank", "receipt_no": "",
                                   "notes": ""} for c, d, a in payments])
        counts.update(households=len(household_ids), contracts=len(contract_ids), rent_payments=len(payments))
        say(f"{len(payments)} rent payments")
        # Workers from households (one in five households has one), 120 to 180 a day.
        working = rng.sample(household_ids, min(workers, len(household_ids)))
        worker_rows = [{"name": _name(rng), "phone": "", "village_group": "", "status": "active",
                        "daily_wage": Decimal(rng.randint(12, 18) * 10), "started_on": first_day, "notes": "",
                        "id_number": "", "skills": "", "household_id": working[n % len(working)]}
                       for n in range(workers)]
        worker_ids = _bulk(conn, Worker, worker_rows, returning=True)
        stopped = set(worker_ids[: max(workers // 40, 1)])  # stop six weeks before today
    # Jobs with attendance: each working day one job per greenhouse, each worker present three days in four.
    # Committed a month at a time: the stock totals' trigger updates the same few rows for every harvest, and
    # inside one transaction PostgreSQL keeps (and walks) every version of them, so one five-year transaction
    # slows down quadratically.
    with database.engine.connect() as conn:
        conn.begin()
        day, jobs, assignments, harvests = first_day, 0, 0, 0
        stop_day = today - timedelta(days=42)
        grades = [g.value for g in Grade]
        while day < today:
            if day.weekday() != 6:
                job_rows = [{"day": day, "kind": JobKind.HARVEST.value, "greenhouse_id": g, "hours": Decimal(8),
                             "note": ""} for g, _p, _c in plan]
                job_ids = _bulk(conn, Job, job_rows, returning=True)
                jobs += len(job_ids)
                a_rows, h_rows = [], []
                for n, wid in enumerate(worker_ids):
                    if (wid in stopped and day >= stop_day) or rng.random() > 0.75:
                        continue
                    slot = n % len(plan)
                    a_rows.append({"job_id": job_ids[slot], "worker_id": wid, "day": day, "present": True,
                                   "hours": Decimal(8)})
                    if rng.random() < 0.3:
                        greenhouse, planting, crop = plan[slot]
                        at = clock.at_local(day, dtime(7, n % 60))
                        h_rows.append({"greenhouse_id": greenhouse, "planting_id": planting, "crop_id": crop,
                                       "weight_kg": Decimal(rng.randint(200, 800)) / 10, "grade": rng.choice(grades),
                                       "crates": rng.randint(0, 4), "harvested_at": at, "day": day,
                                       "worker_id": wid, "entered_by_id": user_id, "note": "", "created_at": at,
                                       "updated_at": at, "void_reason": ""})
                _bulk(conn, Assignment, a_rows)
                _bulk(conn, Harvest, h_rows)
                assignments += len(a_rows)
                harvests += len(h_rows)
            if day.day == 1:
                conn.commit()
                conn.begin()
                say(f"{day} {assignments} attendances")
            day += timedelta(days=1)
        counts.update(jobs=jobs, attendances=assignments, harvests=harvests)
        # Other income: a transfer for lifted and monitored households, business for some, costs against it.
        entries = []
        for hid, row in zip(household_ids, rows):
            for year in range(first_day.year, today.year + 1):
                if row["status"] != HouseholdStatus.NONE.value:
                    entries.append((hid, year, IncomeKind.TRANSFER, rng.randint(8, 30) * 100 * row["members"]))
                if rng.random() < 0.6:
                    business = rng.randint(20, 120) * 100
                    entries.append((hid, year, IncomeKind.BUSINESS, business))
                    entries.append((hid, year, IncomeKind.COSTS, business * rng.randint(2, 5) // 10))
                if rng.random() < 0.3:
                    entries.append((hid, year, IncomeKind.WAGES_OTHER, rng.randint(30, 200) * 100))
        at = datetime.now(timezone.utc)
        _bulk(conn, IncomeEntry, [{"household_id": h, "year": y, "kind": k.value, "amount": Decimal(a), "note": "",
                                   "created_at": at} for h, y, k, a in entries])
        counts["income_entries"] = len(entries)
        _bulk(conn, IncomeLine, [{"year": y, "line": Decimal(v), "set_at": at}
                                 for y, v in ((2020, 4000), (2021, 6000), (2023, 7300)) if y <= today.year + 1])
        conn.commit()
    say("closing payroll months")
    # Every month before today's closed, priced by the payroll and stored in bulk.
    month, lines, closed = month_of(first_day), 0, 0
    while month_range(month)[1] <= date(today.year, today.month, 1):
        with database.session_scope() as s:
            pay = payroll.compute(s, month)
            record = PayrollMonth(month=month, closed_at=clock.at_local(month_range(month)[1]), closed_by_id=user_id)
            s.add(record)
            s.flush()
            rows = [{"payroll_id": record.id, "worker_id": wid, "kind": ln.kind, "crop_id": ln.crop_id,
                     "grade": ln.grade, "quantity": ln.quantity, "rate": ln.rate, "amount": ln.amount,
                     "days": ln.days, "hours": ln.hours, "note": ln.note}
                    for wid, p in sorted(pay.items()) for ln in p.lines]
            _bulk(s.connection(), PayrollLine, rows)
            lines += len(rows)
            closed += 1
        month = next_month(month)
    counts.update(payroll_months=closed, payroll_lines=lines)
    say(f"{closed} months closed")
    with database.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    database.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    parser.add_argument("--households", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=600)
    parser.add_argument("--years", type=int, default=5)
    args = parser.parse_args()
    today = args.today or clock.today()
    counts = fill(args.url, today, args.households, args.workers, args.years, verbose=True)
    print(" ".join(f"{k}={v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
