"""Dossier factories and helpers: a published procedure with a form and a document,
an applicant, officials of the agency, and `dossier_in(state)` that walks the real
services to any state (so every fixture has a valid log chain)."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers import services
from dossiers.constants import Status
from identity.constants import OfficialRole
from tests.identity.factories import UserFactory, make_official
from tests.procedures.factories import (
    AgencyFactory,
    CaseFactory,
    ChannelFactory,
    DocumentFactory,
    FeeFactory,
    FormFieldFactory,
    ProcedureFactory,
    VersionFactory,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf(name="giay-to.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def docx(name="to-khai.docx"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, buf.getvalue())


class World:
    """One procedure, one agency, its officials and two citizens."""

    def __init__(self, *, fee: int | None = None):
        self.agency = AgencyFactory(code="000.00.31.H29", name="Ủy ban nhân dân phường Bến Thành")
        self.procedure = ProcedureFactory(online_level="full")
        self.version = VersionFactory(procedure=self.procedure, published=True)
        channel = ChannelFactory(version=self.version, processing_time=3)
        if fee:
            FeeFactory(channel=channel, amount=fee)
        self.case = CaseFactory(version=self.version, name="Đăng ký lần đầu")
        self.document = DocumentFactory(case=self.case, name="Tờ khai đăng ký")
        FormFieldFactory(version=self.version, key="full_name", label_vi="Họ và tên")
        FormFieldFactory(version=self.version, key="purpose", label_vi="Mục đích", required=False)
        self.procedure.executing_agencies.set([self.agency])
        self.applicant = UserFactory(full_name="Phạm Thu Hà")
        self.other = UserFactory(full_name="Ngô Văn Bình")
        code = self.agency.code
        self.receptionist = make_official(OfficialRole.RECEPTIONIST, code, full_name="Lan")
        self.specialist = make_official(OfficialRole.SPECIALIST, code, full_name="Minh")
        self.leader = make_official(OfficialRole.LEADER, code, full_name="Nam")

    def draft(self, **kw):
        return services.dossier_create_draft(
            applicant=kw.pop("applicant", self.applicant),
            version=self.version,
            case=self.case,
            receiving_agency=self.agency,
            **kw,
        )

    def complete_draft(self):
        dossier = self.draft()
        services.dossier_save_declaration(
            dossier_id=dossier.pk, actor=self.applicant, data={"full_name": "Phạm Thu Hà"}
        )
        services.dossier_attach_file(
            dossier_id=dossier.pk,
            actor=self.applicant,
            required_document_id=self.document.pk,
            upload=pdf(),
        )
        return dossier

    def dossier_in(self, state: str):
        """A dossier brought to `state` through the services."""
        d = self.complete_draft()
        pk, a = d.pk, self.applicant
        if state == Status.DRAFT:
            return _reload(d)
        if state == Status.DISCARDED:
            services.dossier_discard(dossier_id=pk, actor=a)
            return _reload(d)
        services.dossier_submit(dossier_id=pk, actor=a)
        if state == Status.SUBMITTED:
            return _reload(d)
        if state == Status.WITHDRAWN:
            services.dossier_withdraw(dossier_id=pk, actor=a, reason="Nộp nhầm")
            return _reload(d)
        if state == Status.REFUSED:
            services.dossier_refuse(dossier_id=pk, actor=self.receptionist, reason="Sai thẩm quyền")
            return _reload(d)
        services.dossier_receive(dossier_id=pk, actor=self.receptionist)
        if state == Status.RECEIVED:
            return _reload(d)
        services.dossier_assign(dossier_id=pk, actor=self.receptionist, assignee=self.specialist)
        if state == Status.PROCESSING:
            return _reload(d)
        if state == Status.SUPPLEMENT_REQUESTED:
            services.dossier_request_supplement(
                dossier_id=pk, actor=self.specialist, note="Thiếu bản sao giấy khai sinh"
            )
            return _reload(d)
        if state == Status.AWAITING_PAYMENT:
            services.dossier_require_payment(
                dossier_id=pk, actor=self.specialist, amount=50000, reason="Lệ phí"
            )
            return _reload(d)
        if state == Status.STOPPED:
            services.dossier_stop(dossier_id=pk, actor=self.specialist, reason="Không đủ điều kiện")
            return _reload(d)
        services.dossier_propose(dossier_id=pk, actor=self.specialist)
        if state == Status.AWAITING_APPROVAL:
            return _reload(d)
        services.dossier_approve(dossier_id=pk, actor=self.leader, result_upload=pdf("kq.pdf"))
        if state == Status.RESULT_READY:
            return _reload(d)
        services.dossier_return_result(dossier_id=pk, actor=self.receptionist)
        assert state == Status.RETURNED, state
        return _reload(d)


def _reload(d):
    d.refresh_from_db()
    return d
