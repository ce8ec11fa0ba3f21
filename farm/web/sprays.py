"""Spraying-record pages: the records (by greenhouse and month), the phone-friendly record form, the product list."""
from __future__ import annotations

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from farm import clock
from farm.db import request_session
from farm.inputs.sprays import ProductIn, SprayIn
from farm.permissions import allow
from farm.services import crops as crop_service
from farm.services import park, people, sprays
from farm.vocab import DoseUnit
from farm.web import PARK, FormState, form_action, form_input, nav

bp = Blueprint("sprays", __name__, url_prefix="/sprays")
# The product form's field of a crop's own interval: crop_phi_<crop code>.
CROP_FIELD = "crop_phi_"
nav("sprays.index", _l("Spraying records"), PARK, 21)


@bp.get("")
@allow("park.read")
def index():
    db = request_session()
    month = clock.parse_month(request.args.get("month"), "month", default=clock.month_of(clock.today()))
    first, until = clock.month_range(month)
    greenhouse = (request.args.get("greenhouse") or "").strip().upper() or None
    rows = list(db.scalars(sprays.spray_query(db, greenhouse, first, until)))
    return render_template("sprays/index.html", rows=rows, month=month, greenhouse=greenhouse,
                           previous=clock.previous_month(month), next=clock.next_month(month),
                           greenhouses=[g.code for g in park.list_greenhouses(db)],
                           running=sprays.running(db), today=clock.today())


@bp.route("/new", methods=["GET", "POST"])
@allow("sprays.manage")
def new():
    db = request_session()
    values = {"greenhouse": (request.args.get("gh") or "").upper(), "dose_unit": DoseUnit.ML.value,
              "applied_at": clock.local(clock.now()).strftime("%Y-%m-%dT%H:%M")}

    def save():
        spray = sprays.record_spray(db, form_input(SprayIn), g.user)
        return (url_for("sprays.index", greenhouse=spray.greenhouse.code, month=clock.month_of(spray.day)),
                _("Spray saved: harvest in %(greenhouse)s is allowed from %(date)s.", greenhouse=spray.greenhouse.code,
                  date=spray.harvest_allowed_from.isoformat()))

    state = form_action(values, save)
    if not isinstance(state, FormState):
        return state
    houses = park.list_greenhouses(db)
    planted = {gh.code: park.current_planting(gh) for gh in houses}
    return state.render("sprays/form.html", products=sprays.list_products(db, active_only=True),
                        greenhouses=houses, workers=people.worker_choices(db), units=DoseUnit.choices(),
                        crop_of={code: p.crop.code for code, p in planted.items() if p is not None},
                        crop_intervals=sprays.crop_intervals)


@bp.get("/products")
@allow("park.read")
def products():
    return render_template("sprays/products.html", products=sprays.list_products(request_session()))


def _product_form(product_id: int | None = None):
    db = request_session()
    product = sprays.get_product(db, product_id) if product_id is not None else None
    values = {"active": True}
    if product is not None:
        values = {name: getattr(product, name) for name in ProductIn.model_fields if name != "crop_intervals"}
        values.update({CROP_FIELD + code: days for code, days in sprays.crop_intervals(product).items()})

    def save():
        by_crop = {name[len(CROP_FIELD):]: value for name, value in request.form.items()
                   if name.startswith(CROP_FIELD) and value.strip()}
        sprays.save_product(db, form_input(ProductIn, active="active" in request.form, crop_intervals=by_crop),
                            product_id)
        return url_for("sprays.products"), _("Product saved.")

    state = form_action(values, save)
    if not isinstance(state, FormState):
        return state
    if request.method == "POST":
        state.values["active"] = "active" in request.form
        # An interval refused for a crop is shown at that crop's field.
        for name in [n for n in state.errors if n.startswith("crop_intervals.")]:
            state.errors[CROP_FIELD + name.split(".", 1)[1]] = state.errors.pop(name)
    return state.render("sprays/product_form.html", product=product, crops=crop_service.list_crops(db),
                        crop_field=CROP_FIELD)


@bp.route("/products/new", methods=["GET", "POST"])
@allow("sprays.manage")
def product_new():
    return _product_form()


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@allow("sprays.manage")
def product_edit(product_id: int):
    return _product_form(product_id)
