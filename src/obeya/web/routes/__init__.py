"""The built-in parts of the war room, one module per area.

Each module exposes ``part() -> Part``; :func:`builtin_parts` lists them in the
order of the navigation. ``create_app`` registers them through the same
:class:`~obeya.web.registry.Registry` an extension uses.
"""

from __future__ import annotations

from obeya.web.registry import Part

__all__ = ["builtin_parts"]


def builtin_parts() -> list[Part]:
    from obeya.web.routes import (
        account,
        admin,
        briefings,
        finance,
        forecast,
        kpis,
        loads,
        meta,
        plans,
        quality,
        scorecard,
        sql,
    )

    return [
        meta.part(),
        account.part(),
        scorecard.part(),
        kpis.part(),
        forecast.part(),
        plans.part(),
        finance.part(),
        quality.part(),
        briefings.part(),
        loads.part(),
        sql.part(),
        admin.part(),
    ]
