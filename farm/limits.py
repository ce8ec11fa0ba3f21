"""Bounds every input is held to, so that a value the databases cannot hold is a 4xx answer and never a 500."""
from __future__ import annotations

# The largest INTEGER on PostgreSQL (SQLite's are wider): ids are looked up as INTEGER, so a larger one would
# overflow in the database. Alerts' ids are BIGINT, but the park will not raise two thousand million alerts.
MAX_ID = 2**31 - 1
# How deeply a JSON body may nest: the deepest input (a contract's parcels) needs four levels.
MAX_JSON_DEPTH = 32
