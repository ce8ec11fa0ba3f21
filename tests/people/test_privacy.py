"""Personal data, one rule for workers and households: masking, who sees values in full, a worker's own record."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from farm.services import land, people, privacy


def user(role: str, worker_id: int | None = None):
    return SimpleNamespace(role=role, worker_id=worker_id)


@pytest.mark.parametrize(("value", "keep", "masked"), [
    ("150303196805121234", (4, 4), "1503**********1234"),
    ("13847312345", (3, 4), "138****2345"),
    ("6228480123456781234", (4, 4), "6228***********1234"),
    ("123456789", (4, 4), "1234*6789"),  # one character more than is kept: one star
    ("12345678", (4, 4), "********"),  # no longer than what would be kept: all stars, nothing given away
    ("1234567", (3, 4), "*******"),
    ("12", (4, 4), "**"),
    ("", (4, 4), ""),
    (None, (4, 4), ""),
])
def test_mask_keeps_the_ends_and_hides_short_values(value, keep, masked):
    assert privacy.mask(value, *keep) == masked


@pytest.mark.parametrize(("role", "id_number", "bank_account", "phone"), [
    ("admin", "full", "full", "full"), ("manager", "masked", "masked", "full"),
    ("official", "masked", "masked", "full"), ("worker", "masked", "masked", "masked"),
    ("viewer", "hidden", "hidden", "hidden"),
])
def test_each_kind_of_value_per_role(role, id_number, bank_account, phone):
    assert (privacy.rule("id_number", user(role)), privacy.rule("bank_account", user(role)),
            privacy.rule("phone", user(role))) == (id_number, bank_account, phone)
    assert privacy.sees_in_full("id_number", user(role)) is (role == "admin")


def test_nobody_signed_in_sees_nothing():
    assert all(privacy.rule(kind, None) == privacy.HIDDEN for kind in privacy.KINDS)
    assert privacy.is_own(None, 3) is False


def test_own_record_needs_a_worker_on_both_sides():
    assert privacy.is_own(user("worker", 3), 3)
    assert not privacy.is_own(user("worker", 3), 4)
    # a login without a worker is nobody's own record, and a record about no worker is nobody's
    assert not privacy.is_own(user("viewer"), None)
    assert not privacy.is_own(user("worker", 3), None)


WORKER = SimpleNamespace(id=3, id_number="150303198001011234", phone="13900001111")


def test_worker_data_by_role():
    assert people.personal(WORKER, user("admin")) == {"id_number": "150303198001011234", "phone": "13900001111"}
    assert people.personal(WORKER, user("manager")) == {"id_number": "1503**********1234", "phone": "13900001111"}
    assert people.personal(WORKER, user("official")) == {"id_number": "1503**********1234", "phone": "13900001111"}
    assert people.personal(WORKER, user("viewer")) == {"id_number": "*" * 18, "phone": "*" * 11}
    assert people.personal(WORKER, None) == {"id_number": "*" * 18, "phone": "*" * 11}


def test_worker_sees_own_phone_but_not_own_id_number_in_full():
    assert people.personal(WORKER, user("worker", 3)) == {"id_number": "1503**********1234",
                                                          "phone": "13900001111"}
    assert people.personal(WORKER, user("worker", 4)) == {"id_number": "1503**********1234",
                                                          "phone": "139****1111"}


def test_worker_with_empty_personal_data():
    bare = SimpleNamespace(id=5, id_number="", phone="")
    assert people.personal(bare, user("viewer")) == {"id_number": "", "phone": ""}
    assert people.personal(bare, user("manager")) == {"id_number": "", "phone": ""}


HOUSEHOLD = SimpleNamespace(id=3, id_number="150303196805121234", bank_account="6228480123456781234",
                            phone="13847312345")


def test_household_data_by_role():
    full = {"id_number": "150303196805121234", "bank_account": "6228480123456781234", "phone": "13847312345"}
    masked = {"id_number": "1503**********1234", "bank_account": "6228***********1234", "phone": "138****2345"}
    assert land.personal(HOUSEHOLD, user("admin")) == full
    # a manager and an official call households, but never read an ID number or a bank account in full
    assert land.personal(HOUSEHOLD, user("manager")) == dict(masked, phone="13847312345")
    assert land.personal(HOUSEHOLD, user("official")) == dict(masked, phone="13847312345")
    assert land.personal(HOUSEHOLD, user("viewer")) == {"id_number": "*" * 18, "bank_account": "*" * 19,
                                                         "phone": "*" * 11}
    # a household is never a worker's own record, even when the ids happen to match
    assert land.personal(HOUSEHOLD, user("worker", 3)) == masked
