"""Sales pages: stock, shipments (送货单) with their printable delivery note and payments, buyers and their price
lists, packing sessions and pack sizes, losses, receivables by age; the dashboard panel."""
from __future__ import annotations

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm import clock, units
from farm.db import request_session
from farm.inputs import parse
from farm.inputs.sales import BuyerIn, CancelIn, LossIn, PackingIn, PackSizeIn, PaymentIn, PriceIn, ShipmentIn
from farm.permissions import allow
from farm.services import crops, people, sales, settings, stock
from farm.services.park import get_park
from farm.vocab import BuyerKind, Grade, LossReason, PackUnit, PaymentMethod, ReceivableAge
from farm.web import PARK, FormState, act_and_redirect, form_action, form_input, nav
from farm.web.dashboard import panel
from farm.web.exports import export_format, send_table
from farm.web.trace import BASIS_LABELS

bp = Blueprint("sales", __name__, url_prefix="/sales")
nav("sales.index", _l("Stock and sales"), PARK, 40)
nav("sales.shipments", _l("Shipments"), PARK, 41)
nav("sales.buyers", _l("Buyers"), PARK, 42)
nav("sales.receivables", _l("Receivables"), PARK, 43)

# Rows of the shipment form (empty rows are left out).
LINE_ROWS = 4
LINE_FIELDS = ("crop", "grade", "weight_kg", "units", "price_per_kg")


def _panel(session) -> dict:
    today = clock.today()
    shipped = sales.today_shipments(session, today)
    rows = sales.receivables(session, today)
    return {"stock": stock.stock(session, with_empty=False), "today": shipped, "day": today.isoformat(),
            "today_kg": sum((line.weight_kg for s in shipped for line in s.lines), 0),
            "today_total": sum((s.total for s in shipped), 0), "receivables": sales.receivable_totals(rows),
            "overdue_buyers": [r for r in rows if r.overdue > 0][:5]}


panel("sales/_dashboard.html", _panel, "reports.read", 30)
bp.add_app_template_filter(units.per_jin, "per_jin")


def _crop_options(session) -> list[tuple[str, object]]:
    return [(c.code, c) for c in crops.list_crops(session)]


# --- stock -----------------------------------------------------------------------------------------

@bp.get("/")
@allow("reports.read")
def index():
    db = request_session()
    today = clock.today()
    return render_template("sales/index.html", rows=stock.stock(db), today=today,
                           shipments=sales.today_shipments(db, today),
                           losses=list(db.scalars(stock.losses_query(None, None).limit(20))))


# --- shipments --------------------------------------------------------------------------------------

@bp.get("/shipments")
@allow("reports.read")
def shipments():
    db = request_session()
    since, until = clock.parse_range(request.args.get("from"), request.args.get("to"))
    buyer_id = request.args.get("buyer", type=int)
    if since is None and until is None:
        since = clock.today().replace(day=1)
    rows = list(db.scalars(sales.shipments_query(since, until, buyer_id)))
    return render_template("sales/shipments.html", rows=rows, settled=sales.settled, since=since, until=until,
                           buyer_id=buyer_id, buyers=sales.list_buyers(db),
                           total=sum((s.total for s in rows if not s.cancelled), 0),
                           weight=sum((line.weight_kg for s in rows for line in s.lines), 0))


def _shipment_data(form) -> dict:
    """The shipment form as ShipmentIn reads it: rows lines-N-field, empty rows and fields left out."""
    lines = []
    for n in range(LINE_ROWS):
        row = {f: (form.get(f"lines-{n}-{f}") or "").strip() for f in LINE_FIELDS}
        if not (row["weight_kg"] or row["units"]):
            continue
        lines.append({k: v for k, v in row.items() if v != ""})
    data = {k: v for k, v in {"buyer_id": form.get("buyer_id", ""), "date": form.get("date", ""),
                              "note": form.get("note", "")}.items() if v.strip() != ""}
    return {**data, "lines": lines}


@bp.route("/shipments/new", methods=["GET", "POST"])
@allow("sales.manage")
def shipment_new():
    db = request_session()
    values = {"date": clock.today().isoformat(), "buyer_id": request.args.get("buyer", "")}

    def save():
        data = parse(ShipmentIn, _shipment_data(request.form))
        confirmed = request.form.get("confirm_prices") == "1"
        shipment = sales.create_shipment(db, data, g.user, confirm_far_prices=confirmed)
        return url_for("sales.shipment", shipment_id=shipment.id), _("Shipment %(number)s saved.",
                                                                      number=shipment.number)

    state = form_action(values, save)
    if not isinstance(state, FormState):
        return state
    asks_confirmation = any(k.endswith("price_per_kg") for k in state.errors)
    return state.render("sales/shipment_form.html", buyers=sales.list_buyers(db, active_only=True),
                        crop_options=_crop_options(db), grades=Grade.choices(), rows=range(LINE_ROWS),
                        stock_rows=stock.stock(db, with_empty=False), asks_confirmation=asks_confirmation,
                        warn_percent=settings.get(db, "sales.price_warn_percent"))


@bp.get("/shipments/<int:shipment_id>")
@allow("reports.read")
def shipment(shipment_id: int):
    db = request_session()
    s = sales.get_shipment(db, shipment_id)
    return render_template("sales/shipment.html", shipment=s, settled=sales.settled(s),
                           sources=stock.sources(db, [line.id for line in s.lines]),
                           methods=PaymentMethod.choices(), today=clock.today())


@bp.get("/shipments/<int:shipment_id>/note")
@allow("reports.read")
def shipment_note(shipment_id: int):
    db = request_session()
    s = sales.get_shipment(db, shipment_id)
    with force_locale("zh_CN"):  # the note is a Chinese document whatever the interface language
        grades = {grade.value: grade.label for grade in Grade}
    return render_template("sales/note.html", shipment=s, park=get_park(db), grades_zh=grades)


@bp.post("/shipments/<int:shipment_id>/cancel")
@allow("sales.manage")
def shipment_cancel(shipment_id: int):
    db = request_session()
    sales.get_shipment(db, shipment_id)

    def do():
        form = request.form.to_dict()
        form["payments_as_credit"] = "1" if form.get("payments_as_credit") else "0"
        shipment = sales.cancel_shipment(db, shipment_id, parse(CancelIn, form), g.user)
        return _("Shipment %(number)s cancelled; its produce is back in stock.", number=shipment.number)

    return act_and_redirect(do, url_for("sales.shipment", shipment_id=shipment_id))


@bp.post("/shipments/<int:shipment_id>/payments")
@allow("sales.manage")
def payment_new(shipment_id: int):
    db = request_session()

    def do():
        data = form_input(PaymentIn)
        sales.record_payment(db, shipment_id, data, g.user)
        return _("Payment recorded.")

    sales.get_shipment(db, shipment_id)
    return act_and_redirect(do, url_for("sales.shipment", shipment_id=shipment_id))


# --- buyers and prices -------------------------------------------------------------------------------

@bp.get("/buyers")
@allow("reports.read")
def buyers():
    db = request_session()
    kind = BuyerKind.get(request.args.get("kind"))
    return render_template("sales/buyers.html", buyers=sales.list_buyers(db, kind), kind=kind,
                           kinds=BuyerKind.choices(), personal=sales.personal)


@bp.get("/buyers/<int:buyer_id>")
@allow("reports.read")
def buyer(buyer_id: int):
    db = request_session()
    b = sales.get_buyer(db, buyer_id)
    today = clock.today()
    return render_template("sales/buyer.html", buyer=b, seen=sales.personal(b, g.user), today=today,
                           current=sales.current_prices(db, b.id, today), history=sales.price_history(db, b.id),
                           shipments=list(db.scalars(sales.shipments_query(None, None, b.id).limit(20))),
                           settled=sales.settled, owed=sales.receivables(db, today, b.id),
                           crop_options=_crop_options(db), grades=Grade.choices())


def _buyer_form(existing=None):
    db = request_session()
    values = {"kind": BuyerKind.CANTEEN.value, "active": True}
    if existing is not None:
        values = {name: getattr(existing, name) for name in BuyerIn.model_fields}

    def save():
        form = request.form.to_dict()
        form["consumption_aid"] = "1" if form.get("consumption_aid") else "0"
        form["active"] = "1" if form.get("active") else "0"
        data = parse(BuyerIn, form)
        saved = sales.create_buyer(db, data) if existing is None else sales.update_buyer(db, existing.id, data)
        return url_for("sales.buyer", buyer_id=saved.id), _("Buyer saved.")

    state = form_action(values, save)
    if not isinstance(state, FormState):
        return state
    return state.render("sales/buyer_form.html", buyer=existing, kinds=BuyerKind.choices())


@bp.route("/buyers/new", methods=["GET", "POST"])
@allow("sales.manage")
def buyer_new():
    return _buyer_form()


@bp.route("/buyers/<int:buyer_id>/edit", methods=["GET", "POST"])
@allow("sales.manage")
def buyer_edit(buyer_id: int):
    return _buyer_form(sales.get_buyer(request_session(), buyer_id))


@bp.post("/buyers/<int:buyer_id>/prices")
@allow("sales.manage")
def price_new(buyer_id: int):
    db = request_session()
    sales.get_buyer(db, buyer_id)

    def do():
        sales.set_price(db, buyer_id, form_input(PriceIn), g.user)
        return _("Price saved.")

    return act_and_redirect(do, url_for("sales.buyer", buyer_id=buyer_id))


# --- packing and losses ------------------------------------------------------------------------------

@bp.get("/packing")
@allow("reports.read")
def packing():
    db = request_session()
    since = clock.today().replace(day=1)
    return render_template("sales/packing.html", sessions=list(db.scalars(sales.packing_sessions(db, since))),
                           bases=BASIS_LABELS,
                           sizes=sales.pack_sizes(db), crop_options=_crop_options(db), grades=Grade.choices(),
                           units=PackUnit.choices(), workers=people.worker_choices(db), today=clock.today(), since=since)


@bp.post("/packing/sessions")
@allow("sales.manage")
def packing_new():
    db = request_session()

    def do():
        row = sales.record_packing(db, form_input(PackingIn), g.user)
        return _("Packing recorded: %(units)d units, %(kg)s kg.", units=row.units, kg=row.weight_kg)

    return act_and_redirect(do, url_for("sales.packing"))


@bp.post("/packing/sizes")
@allow("sales.manage")
def pack_size_new():
    db = request_session()

    def do():
        sales.set_pack_size(db, form_input(PackSizeIn))
        return _("Pack size saved.")

    return act_and_redirect(do, url_for("sales.packing"))


@bp.route("/losses/new", methods=["GET", "POST"])
@allow("sales.manage")
def loss_new():
    db = request_session()
    values = {"date": clock.today().isoformat(), "reason": LossReason.CULL.value,
              "crop": request.args.get("crop", ""), "grade": request.args.get("grade", "")}

    def save():
        loss = stock.record_loss(db, form_input(LossIn), g.user)
        return url_for("sales.index"), _("Loss of %(kg)s kg recorded.", kg=loss.weight_kg)

    state = form_action(values, save)
    if not isinstance(state, FormState):
        return state
    return state.render("sales/loss_form.html", crop_options=_crop_options(db), grades=Grade.choices(),
                        reasons=LossReason.choices(), stock_rows=stock.stock(db, with_empty=False))


# --- receivables ----------------------------------------------------------------------------------------

@bp.get("/receivables")
@allow("reports.read")
def receivables():
    db = request_session()
    on = clock.parse_day(request.args.get("on"), "on", default=clock.today())
    rows = sales.receivables(db, on)
    return render_template("sales/receivables.html", rows=rows, totals=sales.receivable_totals(rows), on=on,
                           ages=list(ReceivableAge), payment_days=settings.get(db, "sales.payment_days", on))


@bp.get("/receivables/export")
@allow("reports.read")
def receivables_export():
    fmt = export_format()
    db = request_session()
    on = clock.parse_day(request.args.get("on"), "on", default=clock.today())
    ages = list(ReceivableAge)
    headers = [_("Buyer"), _("Consumption aid (消费帮扶)"), *[a.label for a in ages], _("Outstanding (yuan)"),
               _("Overdue (yuan)"), _("Credit (yuan)"), _("Oldest unpaid shipment")]
    rows = [[r.buyer, _("Yes") if r.consumption_aid else "", *[r.buckets[a.value] for a in ages], r.outstanding,
             r.overdue, r.credit, r.oldest] for r in sales.receivables(db, on)]
    width = len(ages)
    return send_table(f"receivables-{on.isoformat()}", _("Receivables"), headers, rows, fmt,
                      total_columns=tuple(range(2, 2 + width + 3)))
