"""The notification centre: only one's own notifications, keyset pages, the bell."""

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import services
from notifications.models import Notification
from tests.identity.factories import UserFactory

pytestmark = pytest.mark.django_db


def make(user, n, **kw):
    return [
        services.notification_create(
            key=f"test:{user.pk}:{i}:{kw.get('kind', 'received')}",
            user=user,
            kind=kw.get("kind", "received"),
            title=f"Thông báo {i}",
            body="Hồ sơ đã được tiếp nhận.",
            link="/ho-so/",
            dossier=None,
        )
        for i in range(n)
    ]


@pytest.fixture
def alice(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_list_pages_with_a_keyset_and_bounded_queries(client, alice, django_assert_max_num_queries):
    make(alice, 45)
    with django_assert_max_num_queries(8):
        first = client.get(reverse("notifications:list"))
    assert first.status_code == 200
    rows = first.context["page"].rows
    assert len(rows) == 20 and rows[0].title == "Thông báo 44"
    cursor = first.context["page"].next_cursor
    with django_assert_max_num_queries(8):
        third = client.get(reverse("notifications:list"), {"sau": "x"})
    assert third.status_code == 200  # a bad cursor is the first page, not an error
    seen = [r.pk for r in rows]
    while cursor:
        page = client.get(reverse("notifications:list"), {"sau": cursor})
        seen += [r.pk for r in page.context["page"].rows]
        cursor = page.context["page"].next_cursor
    assert len(seen) == len(set(seen)) == 45


def test_htmx_asks_for_more_rows_only(client, alice):
    make(alice, 25)
    cursor = client.get(reverse("notifications:list")).context["page"].next_cursor
    more = client.get(reverse("notifications:list"), {"sau": cursor}, HTTP_HX_REQUEST="true")
    assert b"<h1" not in more.content and b"Th\xc3\xb4ng b\xc3\xa1o 0" in more.content


def test_bell_count_is_one_query_whatever_the_number(client, alice, django_assert_num_queries):
    make(alice, 3)
    # The session's first page also asks once whether the account needs a second factor.
    client.get(reverse("notifications:bell"))
    with django_assert_num_queries(2):  # the user (sessions live in Redis), the count
        response = client.get(reverse("notifications:bell"))
    assert b">3<" in response.content
    make(alice, 60, kind="paid")
    with django_assert_num_queries(2):
        response = client.get(reverse("notifications:bell"))
    assert b">63<" in response.content


def test_bell_for_anonymous_shows_no_count(client):
    response = client.get(reverse("notifications:bell"))
    assert response.status_code == 200 and b"badge" not in response.content


def test_mark_one_and_all_as_read(client, alice):
    one, *_rest = make(alice, 3)
    response = client.post(reverse("notifications:read", args=[one.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/ho-so/"
    one.refresh_from_db()
    assert one.read_at is not None
    assert b">2<" in client.get(reverse("notifications:bell")).content
    client.post(reverse("notifications:read-all"))
    assert not Notification.objects.filter(user=alice, read_at=None).exists()
    assert b"badge" not in client.get(reverse("notifications:bell")).content


def test_a_citizen_never_sees_or_touches_anothers_notifications(client, alice):
    bob = UserFactory()
    bobs = make(bob, 2)
    page = client.get(reverse("notifications:list"))
    assert page.context["page"].rows == []
    # URL walk over Bob's ids (and beyond): all 404, nothing changes.
    for pk in [n.pk for n in bobs] + [bobs[-1].pk + 1]:
        assert client.post(reverse("notifications:read", args=[pk])).status_code == 404
    client.post(reverse("notifications:read-all"))
    assert Notification.objects.filter(user=bob, read_at=None).count() == 2


def test_anonymous_is_sent_to_sign_in(client):
    for url in (reverse("notifications:list"), reverse("notifications:preferences")):
        response = client.get(url)
        assert response.status_code == 302 and "dang-nhap" in response["Location"]
    assert client.post(reverse("notifications:read-all")).status_code == 302


def test_reading_twice_keeps_the_first_time(alice):
    (one,) = make(alice, 1)
    first = services.notification_mark_read(user=alice, notification_id=one.pk).read_at
    later = services.notification_mark_read(user=alice, notification_id=one.pk).read_at
    assert first == later and first <= timezone.now()


def test_open_link_never_leaves_the_site(client, alice):
    bad = services.notification_create(
        key="evil",
        user=alice,
        kind="x",
        title="x",
        body="",
        link="https://evil.example/",
        dossier=None,
    )
    response = client.post(reverse("notifications:read", args=[bad.pk]), {"open": "1"})
    assert response["Location"] == reverse("notifications:list")


def test_preferences_form_on_the_profile_page_saves(client, alice):
    profile = client.get(reverse("portal:account"))
    assert b'name="citizen_channel"' in profile.content
    assert b'name="official_email"' not in profile.content  # citizens only
    response = client.post(
        reverse("notifications:preferences"), {"citizen_channel": "sms", "language": "en"}
    )
    assert response.status_code == 302
    pref = alice.notification_preference
    assert (pref.citizen_channel, pref.language, pref.official_email) == ("sms", "en", "digest")


def test_bad_preference_writes_nothing(client, alice):
    response = client.post(
        reverse("notifications:preferences"), {"citizen_channel": "pigeon", "language": "vi"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not hasattr(alice, "notification_preference") or not alice.notification_preference.pk


def test_officials_choose_their_email_rhythm(client):
    from identity.constants import OfficialRole
    from tests.helpers import force_login_verified
    from tests.identity.factories import make_official

    official = make_official(OfficialRole.SPECIALIST, "000.00.11.H29")
    force_login_verified(client, official)
    page = client.get(reverse("notifications:preferences"))
    assert b'name="official_email"' in page.content
    client.post(
        reverse("notifications:preferences"),
        {"citizen_channel": "email", "official_email": "immediate", "language": "vi"},
    )
    assert official.notification_preference.official_email == "immediate"
