"""The calendar admin shows a chosen year: national public holidays and make-up
days from the `holidays` package, with the overrides on top."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from procedures.calendar import WorkingCalendar, working_days_in_year, year_days
from procedures.models import CalendarOverride
from tests.helpers import force_login_verified

pytestmark = pytest.mark.django_db

URL = "/admin/procedures/calendaroverride/year/"


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 12)
    return force_login_verified(client, user)


def test_year_days_list_holidays_make_up_days_and_overrides():
    CalendarOverride.objects.create(
        date=dt.date(2026, 12, 31), kind="day_off", name="Nghỉ tổng kết năm"
    )
    CalendarOverride.objects.create(date=dt.date(2026, 2, 20), kind="working_day", name="Trực Tết")

    days = {d.date: d for d in year_days(2026)}

    assert days[dt.date(2026, 2, 17)].name == "Tết Nguyên Đán"
    assert not days[dt.date(2026, 2, 17)].is_working_day
    assert days[dt.date(2026, 4, 26)].name == "Ngày Giỗ Tổ Hùng Vương"
    assert days[dt.date(2026, 8, 22)].is_working_day  # national make-up Saturday
    override = days[dt.date(2026, 2, 20)]
    assert (override.source, override.is_working_day) == ("override", True)
    assert override.replaces == "Mùng bốn Tết Nguyên Đán"
    assert days[dt.date(2026, 12, 31)].name == "Nghỉ tổng kết năm"
    assert list(days) == sorted(days)
    assert year_days(2026, language="en")[0].name == "New Year's Day"


def test_working_days_in_year_follows_the_calendar():
    national = working_days_in_year(2026, WorkingCalendar())
    CalendarOverride.objects.create(date=dt.date(2026, 12, 31), kind="day_off", name="x")

    assert working_days_in_year(2026) == national - 1


def test_admin_year_page_lists_the_year(admin_client):
    override = CalendarOverride.objects.create(
        date=dt.date(2026, 12, 31), kind="day_off", name="Nghỉ tổng kết năm"
    )

    html = admin_client.get(f"{URL}?year=2026").content.decode()

    for date in ("16/02/2026", "20/02/2026", "26/04/2026", "02/09/2026", "22/08/2026"):
        assert date in html
    assert "Tết Nguyên Đán" in html and "Nghỉ tổng kết năm" in html
    assert f"/admin/procedures/calendaroverride/{override.pk}/change/" in html
    assert str(working_days_in_year(2026)) in html
    assert "?year=2025" in html and "?year=2027" in html


def test_admin_changelist_links_to_the_year_page(admin_client):
    html = admin_client.get("/admin/procedures/calendaroverride/").content.decode()
    assert URL in html
    assert "Ngày lễ trong năm" in html  # "Public holidays of the year", in Vietnamese


@pytest.mark.parametrize("year", ["abc", "", "99999", "-5"])
def test_admin_year_page_survives_bad_years(admin_client, year):
    assert admin_client.get(f"{URL}?year={year}").status_code == 200


def test_admin_year_page_needs_the_view_permission(client):
    staff = get_user_model().objects.create_user("staff", "s@example.org", "x" * 12)
    staff.is_staff = True
    staff.save()
    force_login_verified(client, staff)

    assert client.get(URL).status_code == 403
