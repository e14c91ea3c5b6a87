"""The agency's own evaluation of a finished dossier on the workbench, for the
officials of its agencies."""

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.constants import Status
from tests.dossiers.factories import World
from tests.helpers import force_login_verified

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_pdf")]


@pytest.fixture
def world(db):
    return World()


def test_the_workbench_shows_the_agencys_evaluation_once_finished(client, world):
    dossier = world.dossier_in(Status.RESULT_READY)
    force_login_verified(client, world.receptionist)
    url = reverse("backoffice:dossier", kwargs={"ref": dossier.ref})
    assert 'id="h-assessment"' not in client.get(url).content.decode()
    services.dossier_return_result(dossier_id=dossier.pk, actor=world.receptionist)
    html = client.get(url).content.decode()
    assert "Cơ quan tự đánh giá hồ sơ" in html
    assert "Tiếp nhận đúng hạn" in html and "Chuyển xử lý đúng hạn" in html
    assert "Không áp dụng" in html  # no supplement, never late
