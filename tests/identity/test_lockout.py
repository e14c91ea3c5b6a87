"""Sign-in lockouts: per (account, address), account-wide after many addresses, and an
audit log that does not grow with every refused attempt."""

import pytest
from django.core import mail
from django.test import Client

from identity.models import AccountEvent
from tests.identity.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"


@pytest.fixture
def owner():
    return UserFactory(citizen=True, email="chu@example.vn")


def _sign_in(address, identifier, password):
    client = Client(REMOTE_ADDR=address)
    response = client.post("/dang-nhap/", {"username": identifier, "password": password})
    return response, client


def test_an_attacker_locks_only_himself_out(owner, settings):
    settings.AXES_FAILURE_LIMIT = 3
    attacker = Client(REMOTE_ADDR=ATTACKER)
    codes = [
        attacker.post("/dang-nhap/", {"username": "0987000111", "password": "wrong"}).status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 429, 429, 429]

    # The owner, from home, signs in with the right password.
    response, home = _sign_in("198.51.100.20", "0987000111", PASSWORD)
    assert response.status_code == 302
    assert home.session["_auth_user_id"] == str(owner.pk)

    # From the attacker's address even the right password waits for the pause.
    response, there = _sign_in(ATTACKER, "079190000777", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in there.session


def test_refused_attempts_do_not_count_towards_the_account_lock(owner, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.ACCOUNT_LOCK_FAILURE_LIMIT = 5
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(20):
        attacker.post("/dang-nhap/", {"username": "0987000111", "password": "wrong"})

    response, _client = _sign_in("198.51.100.20", "0987000111", PASSWORD)
    assert response.status_code == 302


def test_many_addresses_lock_the_account_and_the_owner_is_told_once(
    owner, settings, sms_outbox, django_capture_on_commit_callbacks
):
    settings.AXES_FAILURE_LIMIT = 3
    settings.ACCOUNT_LOCK_FAILURE_LIMIT = 12
    codes = []
    with django_capture_on_commit_callbacks(execute=True):
        # Two failures from each address: never enough for a pair's lock.
        for n in range(6):
            for _ in range(2):
                response, _client = _sign_in(f"10.0.3.{n}", "0987000111", "wrong")
                codes.append(response.status_code)
    assert codes[:11] == [200] * 11
    assert codes[11] == 429  # the failure that reaches the limit gets the pause page

    response, client = _sign_in("198.51.100.20", "0987000111", PASSWORD)
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in response.content.decode()
    assert "_auth_user_id" not in client.session

    # More attempts from yet more addresses: no second notice, no second row.
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            assert _sign_in(f"10.0.4.{n}", "0987000111", "wrong")[0].status_code == 429
    events = AccountEvent.objects.filter(user=owner, kind="locked_out")
    assert [event.data for event in events] == [{"scope": "account"}]
    assert [message.to for message in mail.outbox] == [["chu@example.vn"]]
    assert "tạm dừng" in mail.outbox[0].subject or "paused" in mail.outbox[0].subject
    assert [message["phone"] for message in sms_outbox.messages()] == [owner.phone]


def test_the_account_lock_ends_with_the_pause(owner, settings):
    from django.core.cache import cache

    settings.AXES_FAILURE_LIMIT = 3
    settings.ACCOUNT_LOCK_FAILURE_LIMIT = 2
    for n in range(2):
        _sign_in(f"10.0.5.{n}", "0987000111", "wrong")
    assert _sign_in("198.51.100.20", "0987000111", PASSWORD)[0].status_code == 429

    cache.delete(f"identity:account-lock:account-{owner.pk}")  # the pause has passed
    assert _sign_in("198.51.100.20", "0987000111", PASSWORD)[0].status_code == 302


def test_twenty_attempts_during_a_lockout_add_one_audit_row(owner, settings):
    settings.AXES_FAILURE_LIMIT = 3
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(3):
        attacker.post("/dang-nhap/", {"username": "0987000111", "password": "wrong"})
    before = AccountEvent.objects.count()

    for n in range(20):
        password = PASSWORD if n % 2 else "wrong"
        response = attacker.post("/dang-nhap/", {"username": "0987000111", "password": password})
        assert response.status_code == 429

    assert AccountEvent.objects.count() == before
    assert AccountEvent.objects.filter(kind="locked_out").count() == 1
    assert AccountEvent.objects.filter(kind="sign_in_failed").count() == 2


def test_failures_for_names_without_an_account_write_no_audit_rows(settings):
    settings.AXES_FAILURE_LIMIT = 3
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for n in range(10):
        attacker.post("/dang-nhap/", {"username": f"nobody{n % 2}@example.vn", "password": "x"})

    assert not AccountEvent.objects.exists()


def test_one_address_spraying_many_accounts_is_paused(owner, settings):
    """One password tried against many accounts from one address: the pair lock never
    engages (one try per account), the address-wide count does; other addresses and
    the owner elsewhere are not affected."""
    settings.ADDRESS_LOCK_FAILURE_LIMIT = 4
    victims = [UserFactory(email=f"nan-nhan{n}@example.vn") for n in range(6)]
    sprayer = Client(REMOTE_ADDR=ATTACKER)
    codes = [
        sprayer.post(
            "/dang-nhap/", {"username": victim.email, "password": "Matkhau@123"}
        ).status_code
        for victim in victims
    ]
    assert codes == [200, 200, 200, 200, 429, 429]

    # Even the right password of another account waits at that address.
    response, there = _sign_in(ATTACKER, "0987000111", PASSWORD)
    assert response.status_code == 429 and "_auth_user_id" not in there.session
    # Elsewhere, the owner signs in.
    response, home = _sign_in("198.51.100.20", "0987000111", PASSWORD)
    assert response.status_code == 302
    assert home.session["_auth_user_id"] == str(owner.pk)
