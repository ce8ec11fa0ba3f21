"""Every page of the demo park, opened by every role, renders well-formed: never a 500, a plain <title>, unique ids."""
from __future__ import annotations

from html.parser import HTMLParser

from sqlalchemy import select

from farm import clock
from farm.demo import DEMO_LOGINS
from farm.models.park import Greenhouse
from farm.models.sensors import LatestReading
from tests.conftest import login

# Real values from the demo park for URL arguments.
ARGS = {"code": "GH-001", "user_id": 1, "harvest_id": 1, "household_id": 1, "contract_id": 1, "worker_id": 1,
        "planting_id": 1, "job_id": 1}


class PageCheck(HTMLParser):
    """Collects what makes a page malformed: markup inside <title>, repeated ids."""

    def __init__(self):
        super().__init__()
        self.in_title = False
        self.title = ""
        self.problems: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        if self.in_title:
            self.problems.append(f"<{tag}> inside <title>")
        if tag == "title":
            self.in_title = True
        for name, value in attrs:
            if name == "id":
                if value in self.ids:
                    self.problems.append(f"id {value!r} used twice")
                self.ids.add(value)

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title:
            self.title += data


def _page_urls(app):
    month = clock.today().strftime("%Y-%m")
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "health.healthz") or rule.rule.startswith("/api/"):
            continue
        if rule.rule.endswith((".xlsx", ".csv")) or "export" in rule.endpoint:
            continue
        values = {name: ARGS.get(name, month if name == "month" else 1) for name in rule.arguments}
        yield rule.build(values, append_unknown=False)[1]


def test_pages_render_for_every_role(app, session, demo):
    urls = sorted(set(_page_urls(app)))
    assert len(urls) > 20
    for username, role, password in DEMO_LOGINS:
        client = app.test_client()
        assert login(client, username, password).status_code == 302
        for url in urls:
            response = client.get(url)
            where = f"{url} as {role}"
            assert response.status_code < 500, where
            if response.status_code != 200 or not response.content_type.startswith("text/html"):
                continue
            check = PageCheck()
            check.feed(response.get_data(as_text=True))
            assert check.problems == [], where
            assert check.title.strip(), where



def test_pages_greenhouse_shows_metric_names_in_chinese(client, session, demo):
    greenhouse = session.scalar(select(Greenhouse).where(Greenhouse.code == "GH-001"))
    session.add(LatestReading(greenhouse_id=greenhouse.id, metric="co2", value=812.0, ts=clock.now()))
    session.commit()
    login(client, "manager", "manager-demo-2026")
    page = client.get("/greenhouses/GH-001").get_data(as_text=True)
    assert "812" in page
    assert "<dt>co2</dt>" not in page and "<dt>二氧化碳</dt>" in page
