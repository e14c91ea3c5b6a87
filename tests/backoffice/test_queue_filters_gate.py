"""The back-office 403 says which problem it is: a missing role (ask for it) is not the
same as a dossier of another agency (nobody here can act on it)."""

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from backoffice.gate import NotYourDossier, RoleRequired, forbidden, official_required
from tests.dossiers.factories import World
from tests.helpers import force_login_verified

pytestmark = pytest.mark.django_db


@official_required
def _not_yours(request):
    raise NotYourDossier


@official_required
def _no_role(request):
    raise RoleRequired("Phê duyệt")


def _request(client, user):
    force_login_verified(client, user)
    request = RequestFactory().get("/mot-cua/x/")
    request.user = user
    request.user.is_verified = lambda: True
    request.session = client.session
    request._messages = FallbackStorage(request)
    return request


def test_role_and_scope_refusals_read_differently(client):
    world = World()
    request = _request(client, world.receptionist)

    theirs = _not_yours(request)
    role = _no_role(request)

    assert theirs.status_code == role.status_code == 403
    theirs_html, role_html = theirs.content.decode(), role.content.decode()
    assert "Hồ sơ này không thuộc các cơ quan của bạn." in theirs_html
    assert "Vấn đề không nằm ở vai trò của bạn" in theirs_html
    assert "Vai trò của bạn không cho phép thao tác: Phê duyệt." in role_html
    assert "quản trị" in role_html  # ask the agency's administrator for the role
    assert "không thuộc các cơ quan" not in role_html


def test_unknown_reason_is_a_programming_error(rf):
    with pytest.raises(ValueError):
        forbidden(rf.get("/"), "whatever")
