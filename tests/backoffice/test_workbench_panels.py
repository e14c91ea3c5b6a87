"""The workbench's action panels: a closed panel carries no form (its form is fetched
when it is opened, or the page is asked again with that panel open when there is no
script), and the fetch is refused like the action it leads to."""

import re

import pytest
from django.test import Client

from dossiers.constants import Action, Status
from tests.backoffice.worlds import two_wards
from tests.dossiers.factories import World
from tests.helpers import force_login_verified
from tests.identity.factories import make_official
from web.dossier_actions import ACTIONS

pytestmark = pytest.mark.django_db

# (status, who): between them every action of the workbench but the apology, the
# desk's supplement of a paper dossier and recording a paper result.
SITUATIONS = [
    (Status.SUBMITTED, "receptionist"),
    (Status.RECEIVED, "receptionist"),
    (Status.PROCESSING, "specialist"),
    (Status.AWAITING_APPROVAL, "leader"),
    (Status.RESULT_READY, "receptionist"),
]


def _url(dossier, query=""):
    return f"/mot-cua/ho-so/{dossier.ref}/{query}"


def _form_url(dossier, action):
    return f"/mot-cua/ho-so/{dossier.ref}/thao-tac/{action}/mau/"


def _panels(html) -> dict[str, str]:
    """Each action panel of the page: action -> the panel's HTML (not the consultation's
    panel, which is no action of the table)."""
    found = re.findall(
        r'<details class="bo-action" id="action-([\w-]+)"(.*?)</details>', html, re.S
    )
    return {action: panel for action, panel in found if action in ACTIONS}


@pytest.fixture
def world():
    return World()


@pytest.mark.parametrize(("status", "who"), SITUATIONS)
def test_each_panel_is_closed_without_a_form_and_fetches_its_own(client, world, status, who):
    dossier = world.dossier_built(status)
    force_login_verified(client, getattr(world, who))
    html = client.get(_url(dossier)).content.decode()
    panels = _panels(html)
    assert panels, "some action is open to this official"
    # No field of any action is on the page: the forms come when a panel opens.
    assert not re.search(r'id="id_({})_'.format("|".join(ACTIONS)), html)
    for action, panel in panels.items():
        assert not panel.startswith(" open")
        assert "<form" not in panel and "<textarea" not in panel and "<input" not in panel
        assert f'hx-get="{_form_url(dossier, action)}"' in panel
        assert f'href="?hanh-dong={action}#action-{action}"' in panel

        fragment = client.get(_form_url(dossier, action))
        assert fragment.status_code == 200, action
        body = fragment.content.decode()
        assert body.startswith("<form") and body.rstrip().endswith("</form>")
        assert f'action="/mot-cua/ho-so/{dossier.ref}/thao-tac/{action}/"' in body
        assert "csrfmiddlewaretoken" in body
        for name in ACTIONS[action][0](dossier).fields:
            assert f'name="{name}"' in body and f'id="id_{action}_{name}"' in body
        assert re.search(r'<button class="button button--primary[^"]*" type="submit">', body)


def test_the_situations_cover_the_actions(world):
    from dossiers import queues

    covered = set()
    for status, who in SITUATIONS:
        dossier = world.dossier_built(status)
        scope = queues.official_scope(getattr(world, who))
        covered |= {a for a, _ in queues.official_actions(dossier, scope)}
    missing = set(ACTIONS) - covered
    assert missing <= {Action.APOLOGISE, Action.SUPPLEMENT, Action.RECORD_RESULT}, missing


def test_without_script_the_link_opens_the_page_with_that_panel_and_its_form(client, world):
    dossier = world.dossier_built(Status.SUBMITTED)
    force_login_verified(client, world.receptionist)

    response = client.get(_url(dossier, f"?hanh-dong={Action.REFUSE}"))

    assert response.status_code == 200
    panels = _panels(response.content.decode())
    refuse = panels.pop(Action.REFUSE)
    assert refuse.startswith(" open>") and "hx-get" not in refuse.split(">")[0]
    assert '<label for="id_refuse_reason">' in refuse and 'name="reason"' in refuse
    assert panels and all("<form" not in p for p in panels.values())
    # An action not open here (or unknown) opens nothing.
    for asked in (Action.APPROVE, "khong-co"):
        html = client.get(_url(dossier, f"?hanh-dong={asked}")).content.decode()
        assert all("<form" not in p for p in _panels(html).values())


def test_a_post_with_errors_shows_the_page_with_that_panel_open_and_its_errors(client, world):
    dossier = world.dossier_built(Status.SUBMITTED)
    force_login_verified(client, world.receptionist)

    response = client.post(f"/mot-cua/ho-so/{dossier.ref}/thao-tac/refuse/", {"reason": ""})

    assert response.status_code == 400
    panels = _panels(response.content.decode())
    refuse = panels.pop(Action.REFUSE)
    assert refuse.startswith(" open>")
    assert 'class="field-error" id="id_refuse_reason_error"' in refuse
    assert all("<form" not in p for p in panels.values())


def test_the_form_of_another_agencys_dossier_is_not_found():
    a, b = two_wards()
    theirs = b.dossier_in(Status.SUBMITTED)
    client = force_login_verified(Client(), a.receptionist)
    assert client.get(_form_url(theirs, Action.RECEIVE)).status_code == 404


def test_a_form_the_official_may_not_use_is_refused(client, world):
    processing = world.dossier_built(Status.PROCESSING)
    force_login_verified(client, world.receptionist)
    # The state offers it, none of the receptionist's roles may: 403, as the POST says.
    assert client.get(_form_url(processing, Action.PROPOSE)).status_code == 403
    # The state does not offer it (any more), or no such action: not found.
    assert client.get(_form_url(processing, Action.RECEIVE)).status_code == 404
    assert client.get(_form_url(processing, "khong-co")).status_code == 404
    # A GET only: the POST is the action itself.
    assert client.post(_form_url(processing, Action.NOTE)).status_code == 405


def test_the_assign_form_costs_the_same_queries_whatever_the_number_of_specialists(
    client, world, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    dossier = world.dossier_built(Status.RECEIVED)
    force_login_verified(client, world.receptionist)
    url = _form_url(dossier, Action.ASSIGN)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(4):
        make_official("specialist", world.agency.code, full_name=f"Chuyên viên {n}")
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert "Chuyên viên 3" in html
    assert len(many) == len(few) <= 12


def test_the_page_and_a_form_stay_within_their_query_budgets(
    client, world, django_assert_max_num_queries
):
    dossier = world.dossier_built(Status.PROCESSING)
    force_login_verified(client, world.specialist)
    client.get(_url(dossier))
    with django_assert_max_num_queries(11):
        client.get(_url(dossier))
    with django_assert_max_num_queries(10):
        client.get(_form_url(dossier, Action.PROPOSE))


def test_the_page_shows_the_catalogue_as_it_is_now(client, world):
    """The dossier's procedure and agencies come from the catalogue's cache: a
    catalogue write shows on the next view."""
    dossier = world.dossier_built(Status.PROCESSING)
    force_login_verified(client, world.specialist)
    assert world.agency.name in client.get(_url(dossier)).content.decode()
    procedure = dossier.version.procedure
    world.agency.name = "Ủy ban nhân dân phường Đổi Tên"
    world.agency.save()
    procedure.name = "Thủ tục đã đổi tên"
    procedure.save()
    html = client.get(_url(dossier)).content.decode()
    assert "Ủy ban nhân dân phường Đổi Tên" in html and "Thủ tục đã đổi tên" in html
