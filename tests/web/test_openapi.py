"""Schemathesis against the OpenAPI document: generated requests, authenticated with
an admin's API token on a throw-away copy of the company, must never crash the
server and must answer as the document says (status codes, content types, response
schemas, the Allow header, refusal without credentials), with a bounded number of
examples per operation.

The operations that run a whole engine (a forecast, a scenario with the base, a
briefing's PDF and slides) are left out to keep the run short; their role checks are
in test_routes.py. One check is left out: ``positive_data_acceptance`` expects every schema-valid
request to succeed, but the API rightly answers 400 to well-formed requests that
name, say, an unknown KPI or a SQL statement that is not a query.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from tests.web.conftest import Site, make_site


@pytest.fixture(scope="module")
def api_site(tmp_path_factory: pytest.TempPathFactory, company_file: Path) -> Site:
    return make_site(tmp_path_factory.mktemp("openapi"), company_file)


@pytest.fixture(scope="module")
def api_schema(api_site: Site) -> schemathesis.BaseSchema:
    # the coverage phase (every boundary of every parameter) is left out to keep the
    # run short; the fuzzing phase draws max_examples cases per operation
    # only schema-valid (positive) requests: FastAPI accepts some schema-violating ones
    # on purpose (a repeated query parameter keeps the last value), which the negative
    # mode would report
    config = SchemathesisConfig.from_dict(
        {"phases": {"coverage": {"enabled": False}}, "generation": {"mode": "positive"}}
    )
    return schemathesis.openapi.from_asgi(
        "/api/v1/openapi.json",
        api_site.app,
        config=config,
        headers={"Authorization": f"Bearer {api_site.tokens['ada']}"},
    )


schema = schemathesis.pytest.from_fixture("api_schema").exclude(
    name=[
        "POST /api/v1/forecasts",
        "POST /api/v1/briefings",
        "POST /api/v1/scenarios/{name}/run",
    ]
)


@schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
def test_read_api_conforms(case: schemathesis.Case, api_site: Site) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_site.tokens['ada']}"},
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )


def test_document_declares_the_token_scheme(api_site: Site) -> None:
    document = api_site.api("vic").get("/api/v1/openapi.json").json()
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    paths = set(document["paths"])
    assert {
        "/api/v1/scorecard",
        "/api/v1/kpis",
        "/api/v1/kpis/{kpi}/rows",
        "/api/v1/loads",
    } <= paths
    assert all(p.startswith("/api/v1/") for p in paths)
