"""The greenhouse page names the land contracts its land is under and their households (in force first); roles
without the land permission do not see that part."""
from __future__ import annotations

import pytest

from farm.services import land
from tests.conftest import login
from tests.factories import PASSWORD, make_park
from tests.land.factories import make_contract, make_household

pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def covered(session, users):
    park = make_park(session, greenhouses=3)
    wang = make_household(session, name="王建国", group="曙光村一组", status="lifted")
    li = make_household(session, name="李秀英", group="曙光村二组", status="none")
    old = make_contract(session, wang, number="TZ-2019-004", codes=("P-OLD",), start_date="2019-03-01",
                        end_date="2022-02-28", greenhouses=["GH-001"])
    new = make_contract(session, wang, number="TZ-2024-001", codes=("P-1",), greenhouses=["GH-001"])
    shared = make_contract(session, li, number="TZ-2024-002", codes=("P-2",), greenhouses=["GH-001", "GH-002"])
    session.commit()
    return park, {"old": old, "new": new, "shared": shared}


def test_greenhouse_contracts_in_force_first_with_their_households(session, covered):
    park, made = covered
    gh1, gh2, gh3 = park.greenhouses
    rows = land.greenhouse_contracts(session, gh1.id)
    assert [c.number for c in rows][-1] == "TZ-2019-004"  # the expired one last
    assert {c.number for c in rows[:2]} == {"TZ-2024-001", "TZ-2024-002"}
    assert [c.number for c in land.greenhouse_contracts(session, gh2.id)] == ["TZ-2024-002"]
    assert land.greenhouse_contracts(session, gh3.id) == []


@pytest.mark.parametrize("role", ["manager", "viewer", "admin"])
def test_greenhouse_page_shows_its_contracts_and_households(client, covered, role):
    _park, made = covered
    login(client, role, PASSWORD)
    page = client.get("/greenhouses/GH-001").get_data(as_text=True)
    section = page[page.index("土地与农户"):]
    section = section[:section.index("</section>")]
    for c in made.values():
        assert f'/land/contracts/{c.id}"' in section and c.number in section
    assert "王建国" in section and "李秀英" in section and "曙光村二组" in section
    assert "脱贫户" in section  # the household's category
    assert section.index("TZ-2024-001") < section.index("TZ-2019-004")
    other = client.get("/greenhouses/GH-003").get_data(as_text=True)
    assert "没有土地流转合同涉及此大棚" in other


def test_greenhouse_page_refused_to_roles_without_the_park(client, covered):
    for role in ("worker", "official"):
        login(client, role, PASSWORD)
        assert client.get("/greenhouses/GH-001").status_code == 403
