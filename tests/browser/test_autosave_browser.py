"""Autosave in Chromium: typing into the declaration saves the draft after a pause and
the status line says when, without pressing any button."""

import re

from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from dossiers.models import Dossier
from tests.dossiers.factories import World


def test_typing_saves_the_draft_and_says_when(live_server, page, axe_check):
    world = World()
    draft = world.draft()
    client = Client()
    client.force_login(world.applicant)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )

    page.goto(f"{live_server.url}/ho-so/{draft.ref}/soan/")
    status = page.locator("#autosave-status")
    expect(status).to_have_text("")
    page.get_by_label(re.compile("^Họ và tên")).fill("Phạm Thu Hà")

    expect(status).to_have_text(re.compile(r"^Đã lưu bản nháp lúc \d\d:\d\d\s*$"), timeout=10000)
    assert Dossier.objects.get(pk=draft.pk).form_data["full_name"] == "Phạm Thu Hà"
    axe_check(page, "declaration with the autosave status")
