"""Queue filters and sorts: each sort pages through a keyset with no duplicates and no
gaps, filters combine, the URL keeps them, bad filter input is explained, and a page
costs the same number of queries at any data size."""

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from django.db.models import F
from django.utils import timezone

from dossiers import queues
from dossiers.constants import RUNNING, Status
from dossiers.models import Dossier
from identity.models import User
from procedures.constants import ChannelMethod
from tests.backoffice.queue_data import clone_many
from tests.backoffice.worlds import two_wards
from tests.dossiers.factories import World
from tests.helpers import force_login_verified
from tests.procedures.factories import FieldFactory, ProcedureFactory, VersionFactory

pytestmark = pytest.mark.django_db

ORDERS = {
    "due": [F("due_at").asc(nulls_last=True), F("pk").asc()],
    "received": [F("received_at").desc(nulls_last=True), F("pk").desc()],
    "code": [F("code").asc(nulls_last=True), F("pk").asc()],
}


@pytest.fixture
def world():
    w = World()
    w.template = w.dossier_built(Status.RECEIVED)
    clone_many(w.template, 30)
    return w


def _walk(user, filters, size=4):
    scope = queues.official_scope(user)
    seen, after, pages = [], None, 0
    while True:
        page = queues.dossier_list_for_queue(scope=scope, filters=filters, after=after, size=size)
        seen += [d.pk for d in page.rows]
        pages += 1
        assert pages < 100, "the keyset does not advance"
        if not page.next_cursor:
            return seen
        after = page.next_cursor


@pytest.mark.parametrize("sort", ["due", "received", "code"])
def test_every_sort_pages_without_duplicates_or_gaps(world, sort):
    seen = _walk(world.leader, queues.Filters(queue="all", sort=sort))
    expected = list(
        Dossier.objects.exclude(status=Status.DRAFT)
        .order_by(*ORDERS[sort])
        .values_list("pk", flat=True)
    )
    assert len(expected) == 31
    assert seen == expected
    assert len(set(seen)) == len(seen)


def test_received_sort_with_a_filter_pages_the_filtered_rows(world):
    filters = queues.Filters(queue="all", sort="received", status=Status.PROCESSING)
    seen = _walk(world.leader, filters, size=3)
    expected = list(
        Dossier.objects.filter(status=Status.PROCESSING)
        .order_by(*ORDERS["received"])
        .values_list("pk", flat=True)
    )
    assert seen == expected and expected


def test_a_forged_cursor_gives_the_first_page(world):
    scope = queues.official_scope(world.leader)
    first = queues.dossier_list_for_queue(scope=scope, filters=queues.Filters(), size=5)
    for forged in ("nonsense", "bnVsbA", "WyJ4IiwxXQ", "W251bGwsIngiXQ"):
        page = queues.dossier_list_for_queue(
            scope=scope, filters=queues.Filters(), after=forged, size=5
        )
        assert [d.pk for d in page.rows] == [d.pk for d in first.rows]


def _pks(user, **filters):
    page = queues.dossier_list_for_queue(
        scope=queues.official_scope(user), filters=queues.Filters(**filters), size=500
    )
    return {d.pk for d in page.rows}


def test_the_filter_lists_follow_the_catalogue_though_they_are_cached(client, world):
    """The procedure and field lists are cached (backoffice.queue_state.catalogue_choices):
    a procedure given to the agency, or renamed, shows at once; one taken away goes."""
    force_login_verified(client, world.leader)
    before = client.get("/mot-cua/?hang-doi=all").content.decode()
    assert world.procedure.name in before

    added = ProcedureFactory(
        name="Cấp giấy phép thử bộ nhớ đệm", field=FieldFactory(name="Lĩnh vực mới")
    )
    added.executing_agencies.set([world.agency])
    world.procedure.name = "Tên thủ tục đã đổi"
    world.procedure.save()
    after = client.get("/mot-cua/?hang-doi=all").content.decode()
    assert "Cấp giấy phép thử bộ nhớ đệm" in after
    assert "Lĩnh vực mới" in after
    assert "Tên thủ tục đã đổi" in after

    added.executing_agencies.clear()
    assert "Cấp giấy phép thử bộ nhớ đệm" not in client.get("/mot-cua/").content.decode()
    # A choice that is not in the agency's list is refused, not silently ignored.
    page = client.get(f"/mot-cua/?hang-doi=all&procedure={added.pk}").content.decode()
    assert 'class="field-error"' in page


def test_field_procedure_channel_and_received_range_filters(world):
    other_field = FieldFactory()
    other = ProcedureFactory(field=other_field)
    other.executing_agencies.set([world.agency])
    version = VersionFactory(procedure=other, published=True)
    moved = list(Dossier.objects.exclude(pk=world.template.pk).order_by("pk")[:3])
    Dossier.objects.filter(pk__in=[d.pk for d in moved]).update(
        version=version, channel=ChannelMethod.DIRECT
    )
    moved_pks = {d.pk for d in moved}

    assert _pks(world.leader, field=other_field.pk) == moved_pks
    assert _pks(world.leader, procedure=other.pk) == moved_pks
    assert _pks(world.leader, channel=ChannelMethod.DIRECT) == moved_pks
    assert not _pks(world.leader, field=world.procedure.field_id) & moved_pks

    day = timezone.localtime(world.template.received_at).date()
    on_day = {
        pk
        for pk, at in Dossier.objects.exclude(received_at=None).values_list("pk", "received_at")
        if timezone.localtime(at).date() == day
    }
    assert _pks(world.leader, received_from=day, received_to=day) == on_day
    # Not yet received dossiers have no received date: a range leaves them out.
    assert not _pks(world.leader, received_from=day - dt.timedelta(days=60)) & set(
        Dossier.objects.filter(status=Status.SUBMITTED).values_list("pk", flat=True)
    )


def test_due_state_filters_split_running_dossiers(world, settings):
    settings.BACKOFFICE_DUE_SOON_DAYS = 2
    now = timezone.now()
    running = list(
        Dossier.objects.filter(status__in=RUNNING).order_by("pk").values_list("pk", flat=True)
    )
    late, soon, later = running[0], running[1], running[2]
    Dossier.objects.filter(pk=later).update(due_at=now + dt.timedelta(days=40))
    Dossier.objects.filter(pk=late).update(due_at=now - dt.timedelta(hours=2))
    Dossier.objects.filter(pk=soon).update(due_at=now + dt.timedelta(minutes=30))
    overdue, due_soon = _pks(world.leader, due="overdue"), _pks(world.leader, due="due_soon")
    on_time = _pks(world.leader, due="on_track")
    assert late in overdue and soon in due_soon and later in on_time
    assert not (overdue & due_soon) and not (overdue & on_time) and not (due_soon & on_time)
    assert on_time and all(d.due_at >= now for d in Dossier.objects.filter(pk__in=on_time))


def test_search_by_code_prefix_id_number_and_name(world):
    User.objects.filter(pk=world.applicant.pk).update(id_number="079200001234")
    everyone = _pks(world.leader)
    assert _pks(world.leader, q="079200001234") == everyone
    assert _pks(world.leader, q="07920000") == set()  # ID numbers match exactly
    code = Dossier.objects.get(pk=world.template.pk).code
    assert _pks(world.leader, q=code) == {world.template.pk}
    assert _pks(world.leader, q=code.lower()) == {world.template.pk}
    assert _pks(world.leader, q="000.00.31.h29-261127-0001") == set(
        Dossier.objects.filter(code__startswith="000.00.31.H29-261127-0001").values_list(
            "pk", flat=True
        )
    )


def test_search_by_the_end_of_a_code(world):
    """What an official reads off a slip or hears at the counter: the day's number,
    with or without its day, with or without the leading zeros."""
    code = Dossier.objects.get(pk=world.template.pk).code
    day, number = code.split("-")[-2:]
    ending_with = {
        suffix: set(Dossier.objects.filter(code__endswith=suffix).values_list("pk", flat=True))
        for suffix in (f"-{number}", f"-{day}-{number}")
    }
    assert world.template.pk in ending_with[f"-{day}-{number}"]
    assert _pks(world.leader, q=f"{day}-{number}") == ending_with[f"-{day}-{number}"]
    assert _pks(world.leader, q=number) == ending_with[f"-{number}"]
    assert _pks(world.leader, q=f"-{number}") == ending_with[f"-{number}"]
    assert _pks(world.leader, q=number.lstrip("0")) == ending_with[f"-{number}"]
    assert _pks(world.leader, q=f"{day}-9999") == set()


def test_another_agency_never_appears_whatever_the_filters(client):
    a, b = two_wards()
    clone_many(b.dossier_built(Status.RECEIVED), 10, start=100)
    a.dossier_built(Status.RECEIVED)
    b_pks = set(Dossier.objects.filter(receiving_agency=b.agency).values_list("pk", flat=True))
    for sort in ("due", "received", "code"):
        assert not _pks(a.leader, sort=sort) & b_pks
        assert not _pks(a.leader, sort=sort, q="000.00.32") & b_pks


def test_next_page_link_carries_every_filter(client, world):
    force_login_verified(client, world.leader)
    url = "/mot-cua/?hang-doi=all&sort=code&channel=online"
    body = client.get(url).content.decode()
    href = body.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    kept = parse_qs(urlparse(href.replace("&amp;", "&")).query)
    assert kept["sort"] == ["code"] and kept["channel"] == ["online"] and kept["sau"]
    second = client.get(href.replace("&amp;", "&")).content.decode()
    first_codes = {d.code for d in Dossier.objects.order_by("code")[:25]}
    assert not any(code in second for code in first_codes if code)


def test_bad_filter_input_is_explained_and_ignored(client, world):
    force_login_verified(client, world.leader)
    body = client.get(
        "/mot-cua/?hang-doi=all&received_from=2026-11-20&received_to=2026-11-01&sort=x"
    ).content.decode()
    assert "Ngày kết thúc trước ngày bắt đầu" in body
    assert world.template.code in body  # the bad range was dropped, not applied


@pytest.mark.parametrize(
    "query",
    [
        "hang-doi=all",
        "hang-doi=all&sort=received&status=received",
        "hang-doi=all&sort=code&q=000.00",
        "hang-doi=all&q=Ph%E1%BA%A1m+Thu+H%C3%A0",
        "hang-doi=mine&q=pham+thu",
        "hang-doi=all&due=on_track&channel=online",
    ],
)
def test_a_page_costs_the_same_number_of_queries_at_two_sizes(
    client, django_assert_num_queries, query
):
    world = World()
    template = world.dossier_built(Status.RECEIVED)
    clone_many(template, 5)
    force_login_verified(client, world.leader)
    url = f"/mot-cua/?{query}"
    client.get(url)  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    htmx = {"HX-Request": "true"}
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    with CaptureQueriesContext(connection) as small_list:
        client.get(url, headers=htmx)
    # The htmx refresh skips the counts, tabs and memberships.
    assert len(small_list.captured_queries) < len(small.captured_queries)
    clone_many(template, 200, start=10)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(len(small_list.captured_queries)):
        assert client.get(url, headers=htmx).status_code == 200


def test_search_by_the_name_or_its_beginning_without_accents(world):
    everyone = _pks(world.leader)  # all filed by Phạm Thu Hà
    assert everyone
    for term in ("Phạm Thu Hà", "pham thu ha", "  PHAM   thu  HA ", "Phạm Thu", "pham", "Phạ"):
        assert _pks(world.leader, q=term) == everyone, term
    # Its last words in full: the given names.
    for term in ("Thu Hà", "thu  ha", "THU HA"):
        assert _pks(world.leader, q=term) == everyone, term
    # Not the beginning of the name nor its last words, longer than it, a part of a
    # word at the end, or two letters (refused).
    for term in ("Phạm Thu Hà Anh", "Ngô Văn", "thu h", "ph", "Hà"):
        assert _pks(world.leader, q=term) == set(), term
    assert _pks(world.leader, q="pham thu ha", status=Status.PROCESSING) == {
        pk for pk in everyone if Dossier.objects.get(pk=pk).status == Status.PROCESSING
    }


def test_a_name_with_its_own_dossiers_is_told_apart(world):
    other = User.objects.create(username="tam", full_name="Ngô  Văn Tám")
    mine = world.dossier_built(Status.PROCESSING, applicant=other)
    assert mine.applicant_name == "ngo van tam"
    assert _pks(world.leader, q="ngô văn tám") == {mine.pk}
    assert _pks(world.leader, q="Ngô Văn") == {mine.pk}
    assert _pks(world.leader, q="Văn Tám") == {mine.pk}
    assert _pks(world.leader, q="Tám") == {mine.pk}
    assert mine.pk not in _pks(world.leader, q="Phạm Thu Hà")


def test_a_renamed_account_is_found_by_its_new_name_only(world):
    everyone = _pks(world.leader)
    applicant = world.applicant
    applicant.full_name = "Đặng  Thị Thu Hà"
    applicant.save(update_fields=["full_name"])
    assert _pks(world.leader, q="dang thi thu ha") == everyone
    assert _pks(world.leader, q="Thị Thu Hà") == everyone
    assert _pks(world.leader, q="Phạm Thu Hà") == set()
    # A change that leaves the name alone rewrites nothing.
    User.objects.filter(pk=applicant.pk).update(phone="0912345678")
    assert set(Dossier.objects.values_list("applicant_name", flat=True)) == {"dang thi thu ha"}


def test_another_agencys_dossiers_never_match_the_name():
    a, b = two_wards()
    theirs = clone_many(b.dossier_built(Status.RECEIVED), 5)
    ours = a.dossier_built(Status.RECEIVED)
    assert {d.applicant_name for d in theirs} == {ours.applicant_name} == {"pham thu ha"}
    assert _pks(a.leader, q="Phạm Thu Hà") == {ours.pk}
    assert _pks(b.leader, q="Phạm Thu Hà") == {d.pk for d in theirs} | {
        d.pk for d in Dossier.objects.filter(receiving_agency=b.agency)
    }


def test_a_name_fragment_under_three_letters_is_explained(client, world):
    force_login_verified(client, world.leader)
    body = client.get("/mot-cua/?hang-doi=all&q=H%C3%A0").content.decode()
    assert "Nhập ít nhất ba chữ cái của tên." in body
    # The search was dropped, not applied: the queue lists its dossiers.
    assert "Không có hồ sơ nào" not in body
    assert body.count("000.00.31.H29-") >= 25
