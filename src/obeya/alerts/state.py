"""One alert per condition until it clears: the ``alert_state`` table in the warehouse.

::

    alert_state (
      rule_id        VARCHAR    the rule's id in the rules file
      condition_key  VARCHAR    the condition's stable key (a KPI and member, a site, ...)
      first_seen     TIMESTAMP  the run that first found the condition (this episode)
      last_seen      TIMESTAMP  the latest run that still found it
      cleared_at     TIMESTAMP  the first run that no longer found it; NULL while open
      notified_at    TIMESTAMP  when every channel of the rule took the alert; NULL until then
      title          VARCHAR    the condition's title when first seen
    )

An *episode* is one row: it opens when a run finds a condition with no open row of
the same rule and key, stays open while later runs find it (``last_seen`` moves),
and closes (``cleared_at`` set) on the first run that does not find it. A condition
that comes back opens a new episode, so it is alerted again. An open episode whose
``notified_at`` is still NULL (a channel failed) is sent again on the next run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from obeya.alerts.evaluate import Condition
from obeya.warehouse import Backend, Warehouse

__all__ = [
    "STATE_TABLE",
    "Episode",
    "Transition",
    "ensure_state_table",
    "history",
    "mark_notified",
    "open_episodes",
    "plan",
    "reconcile",
]

STATE_TABLE = "alert_state"
_DDL = f"""CREATE TABLE IF NOT EXISTS {STATE_TABLE} (
  rule_id VARCHAR NOT NULL,
  condition_key VARCHAR NOT NULL,
  first_seen TIMESTAMP NOT NULL,
  last_seen TIMESTAMP NOT NULL,
  cleared_at TIMESTAMP,
  notified_at TIMESTAMP,
  title VARCHAR
)"""


@dataclass(frozen=True, slots=True)
class Episode:
    rule_id: str
    key: str
    first_seen: datetime
    last_seen: datetime
    notified_at: datetime | None


@dataclass(frozen=True, slots=True)
class Transition:
    """What one run changed for one rule.

    ``to_send`` are the conditions to alert now: new episodes, and open ones never
    delivered; ``ongoing`` were open and still hold; ``cleared`` are the keys that
    no longer hold.
    """

    to_send: tuple[Condition, ...]
    new: tuple[str, ...]
    ongoing: tuple[str, ...]
    cleared: tuple[str, ...]


def _sql(wh: Warehouse, text: str) -> str:
    return text.replace("?", "%s") if wh.backend is Backend.POSTGRES else text


def ensure_state_table(wh: Warehouse) -> None:
    with wh.transaction() as cur:
        cur.execute(_DDL)


def open_episodes(wh: Warehouse, rule_id: str) -> dict[str, Episode]:
    """The open episodes of a rule, by condition key (none when the table is missing)."""
    if STATE_TABLE not in wh.existing_tables():
        return {}
    rows = wh.sql_arrow(
        f"SELECT condition_key, first_seen, last_seen, notified_at FROM {STATE_TABLE} "
        "WHERE rule_id = ? AND cleared_at IS NULL",
        [rule_id],
    ).to_pylist()
    return {
        str(r["condition_key"]): Episode(
            rule_id, str(r["condition_key"]), r["first_seen"], r["last_seen"], r["notified_at"]
        )
        for r in rows
    }


def plan(episodes: dict[str, Episode], active: Sequence[Condition]) -> Transition:
    """The transition from the open episodes to the conditions found (no writes)."""
    found = {c.key: c for c in active}
    new = tuple(k for k in found if k not in episodes)
    ongoing = tuple(k for k in found if k in episodes)
    cleared = tuple(sorted(k for k in episodes if k not in found))
    unsent = tuple(k for k in ongoing if episodes[k].notified_at is None)
    return Transition(tuple(found[k] for k in (*new, *unsent)), new, ongoing, cleared)


def reconcile(
    wh: Warehouse, rule_id: str, active: Sequence[Condition], now: datetime
) -> Transition:
    """Open, extend and close the rule's episodes for the conditions found, in one
    transaction, and say which conditions to alert."""
    ensure_state_table(wh)
    change = plan(open_episodes(wh, rule_id), active)
    titles = {c.key: c.title for c in active}
    with wh.transaction() as cur:
        for key in change.new:  # the conditions of one rule: a handful of rows
            cur.execute(
                _sql(wh, f"INSERT INTO {STATE_TABLE} VALUES (?, ?, ?, ?, NULL, NULL, ?)"),
                [rule_id, key, now, now, titles[key]],
            )
        for key in change.ongoing:
            cur.execute(
                _sql(
                    wh,
                    f"UPDATE {STATE_TABLE} SET last_seen = ? WHERE rule_id = ? AND condition_key = ? AND cleared_at IS NULL",
                ),
                [now, rule_id, key],
            )
        for key in change.cleared:
            cur.execute(
                _sql(
                    wh,
                    f"UPDATE {STATE_TABLE} SET cleared_at = ? WHERE rule_id = ? AND condition_key = ? AND cleared_at IS NULL",
                ),
                [now, rule_id, key],
            )
    return change


def mark_notified(wh: Warehouse, rule_id: str, key: str, now: datetime) -> None:
    """Record that every channel took the alert of the open episode."""
    with wh.transaction() as cur:
        cur.execute(
            _sql(
                wh,
                f"UPDATE {STATE_TABLE} SET notified_at = ? WHERE rule_id = ? AND condition_key = ? AND cleared_at IS NULL",
            ),
            [now, rule_id, key],
        )


def history(wh: Warehouse) -> list[dict[str, Any]]:
    """Every episode, oldest first (for ``obeya alerts`` listings and tests)."""
    if STATE_TABLE not in wh.existing_tables():
        return []
    rows: list[dict[str, Any]] = wh.sql_arrow(
        f"SELECT * FROM {STATE_TABLE} ORDER BY first_seen, rule_id, condition_key"
    ).to_pylist()
    return rows
