"""Two officials act on the same dossier at the same moment, each on its own database
connection: exactly one wins, the other is told the dossier changed, nothing of theirs
is written (row lock + state check in the service)."""

import threading

import pytest
from django.db import connection
from django.test import Client

from dossiers.constants import Action, Status
from identity.constants import OfficialRole
from tests.dossiers.factories import World
from tests.helpers import force_login_verified
from tests.identity.factories import make_official


@pytest.mark.django_db(transaction=True)
def test_receive_and_refuse_at_once_exactly_one_wins():
    world = World()
    dossier = world.dossier_in(Status.SUBMITTED)
    colleague = make_official(OfficialRole.RECEPTIONIST, world.agency.code, full_name="Hoa")
    first = force_login_verified(Client(), world.receptionist)
    second = force_login_verified(Client(), colleague)
    url = f"/mot-cua/ho-so/{dossier.ref}/thao-tac/"
    barrier = threading.Barrier(2)
    pages = {}

    def act(name, client, action, data):
        try:
            barrier.wait(timeout=10)
            pages[name] = client.post(url + action + "/", data, follow=True).content.decode()
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=("receive", first, "receive", {"note": ""})),
        threading.Thread(target=act, args=("refuse", second, "refuse", {"reason": "Trùng"})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    dossier.refresh_from_db()
    done = dossier.log.filter(action__in=[Action.RECEIVE, Action.REFUSE])
    assert done.count() == 1
    winner = done.get().action
    assert dossier.status == (Status.RECEIVED if winner == Action.RECEIVE else Status.REFUSED)
    loser = "refuse" if winner == Action.RECEIVE else "receive"
    assert "người khác đã xử lý trước" in pages[loser]
    assert "Đã thực hiện" in pages[winner]
