"""The one way a part of the war room joins the app: a :class:`Part` in a :class:`Registry`.

A part is an area of the war room (the scorecard, the P&L, data loads, ...): a
FastAPI router holding its pages and their JSON twins under ``/api/v1``, and the
entries it adds to the navigation. The built-in parts are registered through the
same :meth:`Registry.register` an extension uses: ``create_app(settings,
parts=[my_part])`` adds them after the built-ins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from obeya.errors import ConfigError
from obeya.web.auth import Role

__all__ = ["NavItem", "Part", "Registry", "flat_routes"]


@dataclass(frozen=True, slots=True)
class NavItem:
    """A link in the navigation, shown to users with ``role`` or above."""

    title: str
    path: str
    role: Role = Role.VIEWER
    order: int = 100


@dataclass(frozen=True)
class Part:
    """An area of the war room: its routes and its navigation links."""

    name: str
    router: APIRouter
    nav: tuple[NavItem, ...] = ()
    description: str = ""
    # views to compute ahead of the first viewer, given the app state (see AppState.warm)
    warmers: tuple[Callable[[Any], object], ...] = ()


@dataclass
class Registry:
    """The parts of one app, in registration order; names are unique."""

    parts: list[Part] = field(default_factory=list)

    def register(self, part: Part) -> Part:
        if any(p.name == part.name for p in self.parts):
            raise ConfigError(f"a web part named {part.name!r} is already registered")
        self.parts.append(part)
        return part

    def nav_for(self, role: Role | None) -> list[NavItem]:
        items = [n for p in self.parts for n in p.nav if role is not None and role.allows(n.role)]
        return sorted(items, key=lambda n: n.order)


def flat_routes(routes: Sequence[BaseRoute]) -> list[APIRoute]:
    """Every endpoint of an app or router, through included routers (FastAPI includes
    routers lazily, so ``app.routes`` lists the included routers themselves)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
            continue
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found += flat_routes(inner.routes)
    return found
