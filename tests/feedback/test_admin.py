"""Django admin shows feedback and its history read-only."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_admin_lists_and_shows_feedback_read_only(admin_client, send):
    item = send()
    changelist = admin_client.get(reverse("admin:feedback_feedback_changelist"))
    assert changelist.status_code == 200 and item.code in changelist.content.decode()
    page = admin_client.get(reverse("admin:feedback_feedback_change", args=[item.pk]))
    assert page.status_code == 200
    assert admin_client.get(reverse("admin:feedback_feedbacklog_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:feedback_feedback_add")).status_code == 403
    delete = reverse("admin:feedback_feedback_delete", args=[item.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
