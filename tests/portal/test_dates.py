"""Dates read dd/mm/yyyy wherever people see one: the format modules (every date shown
without an explicit format, in both languages), the notifications' appointment, the
review page, the workbench, the dossier page and the PDFs of the filing (acknowledgement,
form 01)."""

import datetime as dt
import re

import pytest
from django import forms
from django.template import Context, Template
from django.utils import formats, timezone, translation

from dossiers import services
from dossiers.constants import Status
from dossiers.models import IssuedDocument
from notifications.rendering import build_context
from tests.dossiers.factories import pdf
from tests.dossiers.test_declaration_prefill import world as world
from tests.dossiers.test_documents import pdf_text
from tests.helpers import force_login_verified

pytestmark = pytest.mark.django_db

ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_date_without_a_format_reads_day_first(language):
    moment = timezone.make_aware(dt.datetime(1990, 3, 15, 14, 5))
    with translation.override(language):
        rendered = Template("{{ d }}|{{ t }}|{{ d|date:'SHORT_DATE_FORMAT' }}").render(
            Context({"d": dt.date(1990, 3, 15), "t": moment})
        )
        assert rendered == "15/03/1990|14:05 15/03/1990|15/03/1990"
        assert formats.date_format(dt.date(1990, 3, 5), "SHORT_DATE_FORMAT") == "05/03/1990"
        # A typed date is read day first; the ISO form of <input type="date"> still works.
        field = forms.DateField()
        assert field.clean("05/03/1990") == dt.date(1990, 3, 5)
        assert field.clean("1990-03-05") == dt.date(1990, 3, 5)
        # A date widget without its own format still renders what <input type="date"> reads.
        widget = forms.DateInput(attrs={"type": "date"})
        assert 'value="1990-03-05"' in widget.render("d", dt.date(1990, 3, 5))


def _filed(world):
    dossier = world.draft()
    services.dossier_save_declaration(
        dossier_id=dossier.pk,
        actor=world.applicant,
        data={**dossier.form_data, "full_name": "Phạm Thu Hà"},
    )
    services.dossier_attach_file(
        dossier_id=dossier.pk,
        actor=world.applicant,
        required_document_id=world.document.pk,
        upload=pdf(),
    )
    return dossier


def test_the_review_page_and_the_workbench_show_declared_dates_day_first(client, world):
    dossier = _filed(world)
    client.force_login(world.applicant)
    review = visible_text(client.get(f"/ho-so/{dossier.ref}/xem-lai/").content.decode())
    assert "04/03/1990" in review and not ISO.search(review)
    services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    services.dossier_receive(dossier_id=dossier.pk, actor=world.receptionist)
    page = visible_text(client.get(f"/ho-so/{dossier.ref}/").content.decode())
    assert not ISO.search(page)
    assert timezone.localtime(dossier.submitted_at).strftime("%d/%m/%Y") in page
    force_login_verified(client, world.receptionist)
    bench = visible_text(client.get(f"/mot-cua/ho-so/{dossier.ref}/").content.decode())
    assert "04/03/1990" in bench and not ISO.search(bench)


def test_the_filing_pdfs_and_the_notifications_show_dates_day_first(client, world):
    dossier = _filed(world)
    services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    services.dossier_receive(dossier_id=dossier.pk, actor=world.receptionist)
    dossier.refresh_from_db()
    client.force_login(world.applicant)
    acknowledgement = pdf_text(client.get(f"/ho-so/{dossier.ref}/bien-nhan.pdf").content)
    assert timezone.localtime(dossier.submitted_at).strftime("%d/%m/%Y") in acknowledgement
    assert not ISO.search(acknowledgement)
    issued = IssuedDocument.objects.get(dossier=dossier, form="01")
    with issued.file.open("rb") as f:
        form_01 = pdf_text(f.read())
    assert timezone.localtime(dossier.due_at).strftime("%d/%m/%Y") in form_01
    assert not ISO.search(form_01)
    with translation.override("vi"):
        context = build_context(
            kind="received", dossier=dossier, user=world.applicant, audience="citizen"
        )
    assert context["due_date"] == timezone.localtime(dossier.due_at).strftime("%d/%m/%Y")
    assert dossier.status == Status.RECEIVED
