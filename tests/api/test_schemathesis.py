"""schemathesis against the live schema: every operation, a bounded number of generated
requests each, with a seeded API client (all scopes) and a dossier to find; no server
error, and every response conforms to the schema (status, content type, body)."""

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.constants import Scope
from config.wsgi import application
from dossiers.constants import Status
from tests.dossiers.factories import World

pytestmark = pytest.mark.django_db

EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Statuses any endpoint may give for a malformed request that never reaches the view's
# documented contract (DRF's parser and content negotiation).
FRAMEWORK = {400, 405, 406, 415}
STATUS_PATH = "/api/v1/dossiers/{code}/status"


@pytest.fixture
def connections_kept_open():
    """The WSGI handler closes the database connection after each request, as Django's
    test client prevents: the test's transaction lives on that connection."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_no_server_error_and_every_response_conforms(
    make_client, settings, fake_pdf, connections_kept_open
):
    settings.API_ANON_RATE = "100000/minute"
    world = World()
    dossier = world.dossier_built(Status.SUBMITTED)
    issued = make_client([world.agency], scopes=list(Scope.values), rate="100000/minute")
    headers = {"Authorization": f"Bearer {issued.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        def run(case):
            # A dossier the client reaches, so that generated bodies meet the views'
            # own checks and the services rather than only the 404 of unknown codes.
            if "code" in (case.path_parameters or {}) and case.operation.path != STATUS_PATH:
                case.path_parameters["code"] = dossier.code
            response = case.call(headers=headers)
            if response.status_code in FRAMEWORK and response.status_code not in _documented(case):
                assert response.status_code < 500
                return
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)[:20000]


def _documented(case) -> set[int]:
    return {
        int(code) for code in case.operation.definition.raw.get("responses", {}) if code.isdigit()
    }
