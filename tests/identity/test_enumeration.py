"""Doors that name an account answer the same whether or not it exists, do the same
work in the request (what differs runs in a worker: identity.tasks), and are
rate-limited per client address and per typed ID number, email or phone."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from identity.models import BusinessMembership, SignUpRequest
from tests.identity.factories import UserFactory
from tests.identity.test_sign_up import GOOD

pytestmark = pytest.mark.django_db

TOO_MANY = "thử quá nhiều lần"
CODE_NOT_VALID = "Mã không đúng hoặc không còn hiệu lực"


def _text(response) -> str:
    """The page without its CSRF tokens (64 letters and digits, new on every page)."""
    return re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode())


def _shapes(queries) -> list[str]:
    """The SQL of each query with its values blanked: the same list means the same
    work, whatever rows the values named."""
    return [re.sub(r"'[^']*'|\b\d+\b", "?", query["sql"]) for query in queries if query["sql"]]


def _ask(client, path, data, capture):
    """POST `data`, then run what it queued (as the worker would, after the answer).
    Returns (status, Location, the page it leads to, the request's SQL shapes)."""
    with capture(execute=False) as callbacks, CaptureQueriesContext(connection) as queries:
        response = client.post(path, data)
    with capture(execute=True):
        for callback in callbacks:
            callback()
    page = _text(client.get(response["Location"])) if response.status_code == 302 else ""
    return response.status_code, response.get("Location"), page, _shapes(queries)


# --- Sign-up ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "existing",
    [
        {"citizen": True, "phone": "0911000222"},
        {"email": "HOA@example.vn"},
        {"phone": "0987000111"},
    ],
    ids=["id-number", "email", "phone"],
)
def test_sign_up_answers_alike_and_tells_the_existing_owner(
    existing, sms_outbox, django_capture_on_commit_callbacks
):
    fresh = _ask(Client(), "/dang-ky/", GOOD, django_capture_on_commit_callbacks)
    assert fresh[:2] == (302, "/dang-ky/xac-nhan/")
    sent_sms, sent_mail = len(sms_outbox.messages()), len(mail.outbox)
    assert (sent_sms, sent_mail) == (1, 1)  # the new sign-up's code and link
    owner = UserFactory(**existing)

    taken = _ask(Client(), "/dang-ky/", GOOD, django_capture_on_commit_callbacks)

    assert taken == fresh
    assert get_user_model().objects.get() == owner
    assert SignUpRequest.objects.count() == 1  # the first one's, still waiting
    # The owner is told, by email and SMS; the typed contacts that are not the
    # owner's get nothing.
    [notice] = mail.outbox[sent_mail:]
    assert notice.to == [owner.email]
    assert "Có người đã thử tạo tài khoản mới" in notice.body
    assert "/quen-mat-khau/" in notice.body
    texts = sms_outbox.messages()[sent_sms:]
    assert [sms["phone"] for sms in texts] == ([owner.phone] if owner.phone else [])


def test_the_owner_is_told_once_an_hour(sms_outbox, django_capture_on_commit_callbacks):
    owner = UserFactory(citizen=True)
    for _ in range(3):
        _ask(Client(), "/dang-ky/", GOOD, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert len(sms_outbox.messages()) == 1


def test_sign_up_is_limited_per_address_and_per_id_number(settings):
    settings.ACCOUNT_DOOR_RATE = 2
    UserFactory(citizen=True)  # holds GOOD's ID number: it counts all the same
    client = Client(REMOTE_ADDR="10.0.10.1")
    codes = [client.post("/dang-ky/", GOOD).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    assert TOO_MANY in client.post("/dang-ky/", GOOD).content.decode()
    other = Client(REMOTE_ADDR="10.0.10.2")
    assert other.post("/dang-ky/", GOOD).status_code == 429  # the same ID number


def test_sign_up_is_limited_per_typed_phone(settings):
    """One phone typed into many sign-ups (to flood it with codes) from many addresses."""
    settings.ACCOUNT_DOOR_RATE = 2
    people = ["079190000777", "079190000778", "079190000779"]
    codes = [
        Client(REMOTE_ADDR=f"10.0.11.{n}")
        .post("/dang-ky/", {**GOOD, "id_number": id_number, "email": ""})
        .status_code
        for n, id_number in enumerate(people)
    ]
    assert codes == [302, 302, 429]


def test_the_sign_up_code_page_is_rate_limited(settings, django_capture_on_commit_callbacks):
    settings.ACCOUNT_DOOR_RATE = 2
    client = Client(REMOTE_ADDR="10.0.12.1")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/dang-ky/", GOOD)
    codes = [client.post("/dang-ky/xac-nhan/", {"code": "000000"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


# --- Password reset ---------------------------------------------------------------------


def test_sms_reset_answers_alike_for_an_account_a_paused_phone_and_an_unknown_one(
    sms_outbox, django_capture_on_commit_callbacks
):
    UserFactory(citizen=True)  # phone 0987000111
    data = {"identifier": "0987000111"}
    known = _ask(Client(), "/quen-mat-khau/", data, django_capture_on_commit_callbacks)
    # A second ask within the minute: no new code, and no "wait" that would tell.
    paused = _ask(Client(), "/quen-mat-khau/", data, django_capture_on_commit_callbacks)
    unknown = _ask(
        Client(),
        "/quen-mat-khau/",
        {"identifier": "0900000000"},
        django_capture_on_commit_callbacks,
    )

    assert known == paused == unknown
    assert known[:2] == (302, "/quen-mat-khau/ma-sms/")
    assert [sms["phone"] for sms in sms_outbox.messages()] == ["0987000111"]


def test_email_reset_answers_alike(django_capture_on_commit_callbacks):
    owner = UserFactory(email="hoa@example.vn")
    known = _ask(
        Client(),
        "/quen-mat-khau/",
        {"identifier": "hoa@example.vn"},
        django_capture_on_commit_callbacks,
    )
    unknown = _ask(
        Client(),
        "/quen-mat-khau/",
        {"identifier": "ai@example.vn"},
        django_capture_on_commit_callbacks,
    )

    assert known == unknown
    assert [m.to for m in mail.outbox] == [[owner.email]]


def _code_page(client, code="123456"):
    response = client.post(
        "/quen-mat-khau/ma-sms/",
        {"code": code, "new_password1": "Moc-Chau-2026-moi", "new_password2": "Moc-Chau-2026-moi"},
    )
    return response.status_code, _text(response)


def test_the_reset_code_page_answers_alike(
    settings, sms_outbox, django_capture_on_commit_callbacks
):
    settings.CONTACT_CODE_MAX_ATTEMPTS = 2
    UserFactory(citizen=True)
    known, unknown = Client(), Client()
    with django_capture_on_commit_callbacks(execute=True):
        known.post("/quen-mat-khau/", {"identifier": "0987000111"})
    unknown.post("/quen-mat-khau/", {"identifier": "0900000000"})
    code = re.search(r"\b(\d{6})\b", sms_outbox.messages()[-1]["message"])[1]
    wrong = "123456" if code != "123456" else "654321"

    # A wrong code, then one past the attempts the code allows: the same for both.
    for _ in range(3):
        answer = _code_page(known, wrong)
        assert answer == _code_page(unknown, wrong)
        assert answer[0] == 200
        assert CODE_NOT_VALID in answer[1]
    # The right code once over the attempts is refused like any other.
    assert CODE_NOT_VALID in _code_page(known, code)[1]


def test_the_reset_code_page_is_rate_limited(settings):
    settings.ACCOUNT_DOOR_RATE = 2
    client = Client(REMOTE_ADDR="10.0.13.1")
    client.post("/quen-mat-khau/", {"identifier": "0900000000"})
    assert [_code_page(client)[0] for _ in range(3)] == [200, 200, 429]


def test_sms_reset_is_limited_per_address_and_per_phone(settings):
    settings.ACCOUNT_DOOR_RATE = 2
    client = Client(REMOTE_ADDR="10.0.8.1")
    codes = [
        client.post("/quen-mat-khau/", {"identifier": f"090000000{n}"}).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]
    assert TOO_MANY in client.post("/quen-mat-khau/", {"identifier": "0900000009"}).content.decode()

    # One phone from many addresses is limited too, account or not.
    codes = [
        Client(REMOTE_ADDR=f"10.0.9.{n}")
        .post("/quen-mat-khau/", {"identifier": "0911111111"})
        .status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]


# --- Business members -------------------------------------------------------------------


@pytest.fixture
def representative():
    from identity.models import Business

    user = UserFactory(citizen=True)
    business = Business.objects.create(
        enterprise_code="0100109106", name="Demo", legal_representative="A"
    )
    BusinessMembership.objects.create(business=business, user=user, role="representative")
    client = Client()
    client.force_login(user)
    return client, business


@pytest.mark.parametrize(
    ("contact", "unknown"),
    [("ke-toan@example.vn", "ai-do@example.vn"), ("0912345678", "0933333333")],
)
def test_inviting_answers_alike_for_an_account_and_for_none(
    representative, contact, unknown, sms_outbox, django_capture_on_commit_callbacks
):
    """The answer, the member list and the request's SQL are the same; only the
    worker, after the answer, tells the owner."""
    client, business = representative
    now = "2024-01-01T00:00:00Z"
    owner = UserFactory(
        full_name="Trần Văn Kế Toán",
        email="ke-toan@example.vn",
        phone="0912345678",
        email_verified_at=now,
        phone_verified_at=now,
    )
    url = f"/tai-khoan/doanh-nghiep/{business.pk}/thanh-vien/"

    def invite(member):
        answer = _ask(
            client, url, {"member": member, "role": "staff"}, django_capture_on_commit_callbacks
        )
        # Only this one invitation on the page, so that both pages can be compared.
        business.invitations.all().delete()
        return answer

    sent_mail = len(mail.outbox)
    known = invite(contact)
    told = mail.outbox[sent_mail:]
    nobody = invite(unknown)

    def page(answer, typed):
        # The invitation's own number differs (a new row each time); nothing else may.
        return re.sub(r"/loi-moi/\d+/", "/loi-moi/N/", answer[2]).replace(typed, "CONTACT")

    known_page = page(known, contact)
    assert known[:2] == nobody[:2] == (302, url)
    assert known_page == page(nobody, unknown)
    assert known[3] == nobody[3]
    assert "Đã gửi lời mời tới CONTACT" in known_page
    assert owner.display_name not in known_page
    assert not owner.businesses.exists()
    assert [m.to for m in told] == [[owner.email]]
    assert len(mail.outbox) == sent_mail + 1  # nothing to a contact without an account


def test_add_member_is_rate_limited(representative, settings):
    settings.ACCOUNT_DOOR_RATE = 2
    client, business = representative
    url = f"/tai-khoan/doanh-nghiep/{business.pk}/thanh-vien/"
    for n in range(2):
        assert client.post(url, {"member": f"x{n}@example.vn", "role": "staff"}).status_code == 302
    response = client.post(url, {"member": "x9@example.vn", "role": "staff"})
    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
