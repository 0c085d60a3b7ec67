"""Schemathesis against /api/v1/openapi.json: every operation, called with generated (valid and
invalid) parameters and bodies by a signed-in owner, answers without a server error and with a
response that matches its declared schema.

Fast profile here (SCHEMA_EXAMPLES=5 examples per operation, derandomised: the same requests
every run, and only the examples and fuzzing phases); `make bench` runs the long profile
(bench/fuzz.py sets SCHEMA_EXAMPLES and adds the coverage phase, which alone sends thousands of
boundary requests and took most of the 10 minutes the suite spent here).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from xfinances.core import actions
from xfinances.wsgi import application

EXAMPLES = int(os.environ.get("SCHEMA_EXAMPLES", "5"))
#: Status codes answered, for the figures `make bench` prints (pytest -s shows them).
ANSWERED: Counter[int] = Counter()


# Read once at collection: the API's description needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
schema.config.phases.update(phases=os.environ.get("SCHEMA_PHASES", "examples,fuzzing").split(","))


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """The calls go straight to the WSGI application, whose request_finished signal closes the
    database connection (CONN_MAX_AGE 0): on PostgreSQL that closed the test's own transaction
    under every later call. Django's test client disconnects the same handler."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def owner_headers(company, make_member, actor_system) -> dict[str, str]:
    owner = make_member(company, "owner")
    token = actions.issue_api_token(actor_system, owner).raw
    return {"Authorization": f"Bearer {token}", "X-Company": company.eik}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("FUZZ_RANDOM", "") == "",
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_operation_answers_within_its_schema(case, owner_headers):
    response = case.call_and_validate(
        headers=owner_headers, checks=[not_a_server_error, response_schema_conformance]
    )
    ANSWERED[response.status_code] += 1
    # The token is accepted: the operations are exercised, not refused at the door. (Cases
    # that test a missing or altered Authorization header are expected to get 401.)
    sent = response.request.headers.get("Authorization")
    if sent == owner_headers["Authorization"]:
        assert response.status_code not in (401, 403), (case.method, case.path, response.text)


@pytest.fixture(scope="module", autouse=True)
def report_statuses() -> Iterator[None]:
    yield
    if ANSWERED:
        total = sum(ANSWERED.values())
        print(f"\nschemathesis: {total} requests, statuses {dict(sorted(ANSWERED.items()))}")
