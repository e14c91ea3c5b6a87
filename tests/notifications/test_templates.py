"""Admin-editable wording, rendered in a sandbox with a fixed context."""

import pytest
from django.core import mail
from django.urls import reverse

from dossiers.constants import Status
from notifications import services as notify_services
from notifications.models import Notification, NotificationTemplate
from notifications.rendering import compile_errors, render_message

pytestmark = pytest.mark.django_db


def test_an_admin_template_rewords_the_message(world, deliver):
    NotificationTemplate.objects.create(
        kind="submitted",
        language="vi",
        subject="Đã nhận hồ sơ {{ code }}",
        body="Kính gửi {{ name }}: hồ sơ {{ code }} ({{ procedure }}). {{ next_step }} {{ link }}",
    )
    dossier = world.dossier_in(Status.SUBMITTED)
    deliver()
    note = Notification.objects.get(user=world.applicant)
    assert note.title == f"Đã nhận hồ sơ {dossier.code}"
    assert mail.outbox[0].body.startswith(
        f"Kính gửi {world.applicant.full_name}: hồ sơ {dossier.code}"
    )
    assert mail.outbox[0].subject == note.title
    # The notification centre keeps a short line and links to the dossier itself.
    assert "http" not in note.body and "Kính gửi" not in note.body
    assert len(note.body) < 300 and note.link == dossier.get_absolute_url()


def test_english_and_vietnamese_defaults(world):
    dossier = world.dossier_in(Status.RECEIVED)
    kw = {"kind": "received", "dossier": dossier, "user": world.applicant, "audience": "citizen"}
    vi = render_message(language="vi", **kw)
    en = render_message(language="en", **kw)
    assert "The dossier was received" in en.body and "What to do next" in en.body
    assert "The dossier was received" not in vi.body and dossier.code in vi.subject
    assert vi.link == reverse("portal:dossier-detail", args=[dossier.ref])
    official = render_message(language="en", **{**kw, "audience": "official"})
    assert official.link == reverse("backoffice:dossier", args=[dossier.ref])
    assert "Assign the dossier" in official.body


@pytest.mark.parametrize(
    "source",
    [
        '{% include "base.html" %}',
        '{% extends "base.html" %}',
        "{% load static %}",
        "{% if %}",
    ],
)
def test_the_sandbox_refuses_loading_and_including(source):
    assert compile_errors(source)


def test_templates_reach_only_the_fixed_context(world):
    NotificationTemplate.objects.create(
        kind="received",
        language="vi",
        subject="{{ user.password }}{{ dossier.applicant.id_number }}{{ settings.SECRET_KEY }}x",
        body="{{ code }}",
    )
    dossier = world.dossier_in(Status.RECEIVED)
    message = render_message(
        kind="received", dossier=dossier, user=world.applicant, audience="citizen", language="vi"
    )
    assert message.subject == "x"


def test_a_broken_saved_template_falls_back_to_the_default(world):
    NotificationTemplate.objects.create(
        kind="received", language="vi", subject="{% if code %}{{ code }}", body="{{ code }}"
    )
    dossier = world.dossier_in(Status.RECEIVED)
    message = render_message(
        kind="received", dossier=dossier, user=world.applicant, audience="citizen", language="vi"
    )
    assert message.subject.startswith(dossier.code)


def test_admin_form_refuses_a_template_that_does_not_compile(admin_client):
    response = admin_client.post(
        reverse("admin:notifications_notificationtemplate_add"),
        {
            "kind": "received",
            "language": "vi",
            "subject": "{% include 'x' %}",
            "body": "ok",
            "sms": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert not NotificationTemplate.objects.exists()


def test_preference_language_picks_the_template(world, deliver):
    NotificationTemplate.objects.create(kind="submitted", language="en", subject="EN", body="b")
    NotificationTemplate.objects.create(kind="submitted", language="vi", subject="VI", body="b")
    notify_services.preference_save(
        user=world.applicant, citizen_channel="none", official_email="digest", language="en"
    )
    world.dossier_in(Status.SUBMITTED)
    deliver()
    assert Notification.objects.get(user=world.applicant).title == "EN"
    assert Notification.objects.get(user=world.receptionist).title == "VI"
