"""The demo CA of `make run`: a certificate per demo agency and leader, trusted."""

import pytest

from dossiers import documents
from dossiers.constants import Status
from signing import demo
from signing.models import SigningCertificate
from signing.validation import Outcome, validate_pdf
from tests.dossiers.factories import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_ca_on(settings, tmp_path):
    settings.SIGNING_DEMO_CA = True
    settings.SIGNING_DEMO_CA_DIR = str(tmp_path / "ca")
    settings.SIGNING_TRUST_ROOTS_DIR = str(tmp_path / "trust")


def test_seed_gives_agencies_and_leaders_trusted_certificates(demo_ca_on, client):
    world = World()
    assert demo.seed_signing([world.agency.code]) == 2  # the agency and its leader
    assert demo.seed_signing([world.agency.code]) == 0  # idempotent
    assert SigningCertificate.objects.get(official=world.leader, active=True)
    dossier = world.dossier_in(Status.RECEIVED)
    assert validate_pdf(dossier.issued.get().file.open("rb").read()).outcome == Outcome.VALID
    content = documents.render("05", dossier, data={})
    assert validate_pdf(content).outcome == Outcome.NOT_SIGNED
    response = client.get("/xac-thuc/goc-demo.pem")
    assert response.status_code == 200 and b"BEGIN CERTIFICATE" in response.content


def test_no_demo_root_outside_development(settings, client):
    settings.SIGNING_DEMO_CA = False
    assert demo.seed_signing(["000.00.31.H29"]) == 0
    assert client.get("/xac-thuc/goc-demo.pem").status_code == 404
