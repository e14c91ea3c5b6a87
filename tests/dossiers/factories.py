"""Dossier factories and helpers: a published procedure with a form and a document,
an applicant, officials of the agency; `dossier_in(state)` that walks the real
services to any state, and `DossierFactory` (one Trait per state) that writes the same
rows straight to the database, without the services' checks and PDF rendering.

Walk the services (`world.dossier_in`) when the test is about how a dossier got there
(the transitions themselves, the forms they issue); build with the factory
(`world.dossier_built`) when the test only needs a dossier in that state.
tests/dossiers/test_factories.py checks that both give the same dossier."""

from __future__ import annotations

import hashlib
import io
import secrets
import zipfile

import factory
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dossiers import services
from dossiers.constants import (
    Action,
    ActorRole,
    FileKind,
    PaymentPurpose,
    ReturnMode,
    StandardForm,
    Status,
    Visibility,
)
from dossiers.models import (
    Dossier,
    DossierDocument,
    IssuedDocument,
    StoredFile,
)
from dossiers.queues import name_key, name_words
from identity.constants import OfficialRole
from identity.models import OfficialMembership
from procedures.calendar import WorkingCalendar
from procedures.constants import ChannelMethod
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


def official_of(agency, role: str):
    """The first official holding `role` in `agency`, made when there is none."""
    membership = (
        OfficialMembership.objects.filter(agency=agency, role=role)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else make_official(role, agency.code)


class StoredFileFactory(factory.django.DjangoModelFactory):
    """A file in someone's document store (a small PDF unless told otherwise)."""

    class Meta:
        model = StoredFile

    owner = factory.SubFactory(UserFactory)
    name = "giay-to.pdf"
    content_type = "application/pdf"
    size = factory.LazyAttribute(lambda o: len(o.content))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())
    kind = FileKind.UPLOAD
    file = factory.LazyAttribute(lambda o: ContentFile(o.content, name="upload"))

    class Params:
        content = PDF
        result = factory.Trait(name="kq.pdf", kind=FileKind.RESULT)


# The services' path from a new draft to each state, the one `World.dossier_in` walks:
# (action, who acts, the state after it).
_FILED = [(Action.SUBMIT, ActorRole.APPLICANT, Status.SUBMITTED)]
_RECEIVED = [*_FILED, (Action.RECEIVE, ActorRole.RECEPTIONIST, Status.RECEIVED)]
_ASSIGNED = [*_RECEIVED, (Action.ASSIGN, ActorRole.RECEPTIONIST, Status.PROCESSING)]
_PROPOSED = [*_ASSIGNED, (Action.PROPOSE, ActorRole.SPECIALIST, Status.AWAITING_APPROVAL)]
_APPROVED = [*_PROPOSED, (Action.APPROVE, ActorRole.LEADER, Status.RESULT_READY)]
PATHS = {
    Status.DRAFT: [],
    Status.DISCARDED: [(Action.DISCARD, ActorRole.APPLICANT, Status.DISCARDED)],
    Status.SUBMITTED: _FILED,
    Status.DESK_SUPPLEMENT: [
        *_FILED,
        (Action.REQUEST_SUPPLEMENT, ActorRole.RECEPTIONIST, Status.DESK_SUPPLEMENT),
    ],
    Status.WITHDRAWN: [*_FILED, (Action.WITHDRAW, ActorRole.APPLICANT, Status.WITHDRAWN)],
    Status.REFUSED: [*_FILED, (Action.REFUSE, ActorRole.RECEPTIONIST, Status.REFUSED)],
    Status.RECEIVED: _RECEIVED,
    Status.PROCESSING: _ASSIGNED,
    Status.SUPPLEMENT_REQUESTED: [
        *_ASSIGNED,
        (Action.REQUEST_SUPPLEMENT, ActorRole.SPECIALIST, Status.SUPPLEMENT_REQUESTED),
    ],
    Status.AWAITING_PAYMENT: [
        *_ASSIGNED,
        (Action.REQUIRE_PAYMENT, ActorRole.SPECIALIST, Status.AWAITING_PAYMENT),
    ],
    Status.STOPPED: [*_ASSIGNED, (Action.STOP, ActorRole.SPECIALIST, Status.STOPPED)],
    Status.AWAITING_APPROVAL: _PROPOSED,
    Status.RESULT_READY: _APPROVED,
    Status.RETURNED: [
        *_APPROVED,
        (Action.RETURN_RESULT, ActorRole.RECEPTIONIST, Status.RETURNED),
    ],
}
# What the walk writes along the way, as World.dossier_in gives it.
NOTES = {
    Action.WITHDRAW: "Nộp nhầm",
    Action.REFUSE: "Sai thẩm quyền",
    Action.REQUEST_SUPPLEMENT: "Thiếu bản sao giấy khai sinh",
    Action.REQUIRE_PAYMENT: "Lệ phí",
    Action.STOP: "Không đủ điều kiện",
}
OBLIGATION = 50000
FORMS = {
    Action.RECEIVE: StandardForm.RECEIPT,
    Action.REFUSE: StandardForm.REFUSAL,
    Action.REQUEST_SUPPLEMENT: StandardForm.SUPPLEMENT,
    Action.STOP: StandardForm.STOP,
}
INTERNAL = {Action.PROPOSE}


def _code(o):
    # The same per agency and day counter as a real submission (services.dossier_code_next).
    return services.dossier_code_next(o.receiving_agency, o.at)


def _due(o):
    return services.compute_due_at(o, o.at)


_filed = {"code": factory.LazyAttribute(_code), "submitted_at": factory.SelfAttribute("at")}


def _transfer_due(o):
    return services.transfer_due_at(o.at, WorkingCalendar.load())


_received = {
    **_filed,
    "received_at": factory.SelfAttribute("at"),
    "due_at": factory.LazyAttribute(_due),
    "transfer_due_at": factory.LazyAttribute(_transfer_due),
}
_assigned = {
    **_received,
    "assignee": factory.LazyAttribute(
        lambda o: official_of(o.competent_agency, OfficialRole.SPECIALIST)
    ),
}
_finished = {"finished_at": factory.SelfAttribute("at")}
_paused = {"paused_at": factory.SelfAttribute("at")}


class DossierFactory(factory.django.DjangoModelFactory):
    """A dossier in any state, written straight to the database: one Trait per state
    (`DossierFactory(processing=True)`), with what the services would have left behind
    on the way there: the complete declaration and files of the draft, the hash-chained
    log (one row per step of `PATHS[state]`, by the officials of the agencies), the
    standard forms the steps issued (a placeholder PDF: nothing is rendered), the code,
    dates, assignee, payments and result.

    No service check runs: the factory is for tests that need a dossier in a state,
    not for the transitions (those walk the services: `World.dossier_in`).
    test_factories.py compares each state with the walked one."""

    class Meta:
        model = Dossier
        skip_postgeneration_save = True

    version = factory.SubFactory(VersionFactory, published=True)
    case = factory.SubFactory(CaseFactory, version=factory.SelfAttribute("..version"))
    applicant = factory.SubFactory(UserFactory)
    applicant_name = factory.LazyAttribute(lambda o: name_key(o.applicant.full_name))
    applicant_name_words = factory.LazyAttribute(lambda o: name_words(o.applicant_name))
    receiving_agency = factory.SubFactory(AgencyFactory)
    competent_agency = factory.SelfAttribute("receiving_agency")
    channel = ChannelMethod.ONLINE
    status = Status.DRAFT
    form_data = factory.LazyFunction(lambda: {"full_name": "Phạm Thu Hà"})
    created_at = factory.SelfAttribute("at")
    updated_at = factory.SelfAttribute("at")

    class Params:
        at = factory.LazyFunction(timezone.now)
        draft = factory.Trait(status=Status.DRAFT)
        discarded = factory.Trait(status=Status.DISCARDED)
        submitted = factory.Trait(status=Status.SUBMITTED, **_filed)
        desk_supplement = factory.Trait(status=Status.DESK_SUPPLEMENT, **_filed)
        withdrawn = factory.Trait(status=Status.WITHDRAWN, **_filed, **_finished)
        refused = factory.Trait(status=Status.REFUSED, **_filed, **_finished)
        received = factory.Trait(status=Status.RECEIVED, **_received)
        processing = factory.Trait(status=Status.PROCESSING, **_assigned)
        supplement_requested = factory.Trait(
            status=Status.SUPPLEMENT_REQUESTED, **_assigned, **_paused
        )
        awaiting_payment = factory.Trait(status=Status.AWAITING_PAYMENT, **_assigned, **_paused)
        stopped = factory.Trait(status=Status.STOPPED, **_assigned, **_finished)
        awaiting_approval = factory.Trait(status=Status.AWAITING_APPROVAL, **_assigned)
        result_ready = factory.Trait(status=Status.RESULT_READY, **_assigned)
        returned = factory.Trait(
            status=Status.RETURNED, **_assigned, **_finished, return_mode=ReturnMode.IN_PERSON
        )

    @factory.post_generation
    def history(obj, create, extracted, **kwargs):
        if create:
            _write_history(obj)


def _write_history(dossier: Dossier) -> None:
    """The rows the services write on the way to `dossier.status` (see DossierFactory)."""
    now = dossier.created_at
    record = services.dossier_log_record
    applicant = dossier.applicant
    record(
        dossier=dossier,
        actor=applicant,
        role=ActorRole.APPLICANT,
        action=Action.CREATE,
        to_status=Status.DRAFT,
    )
    # The complete draft: one file for each document the case asks for.
    attached = [
        DossierDocument.objects.create(
            dossier=dossier,
            required_document=doc,
            file=StoredFileFactory(owner=applicant),
        )
        for doc in dossier.case.documents.all()
    ]
    people = {
        ActorRole.APPLICANT: applicant,
        ActorRole.RECEPTIONIST: None,
        ActorRole.SPECIALIST: dossier.assignee,
        ActorRole.LEADER: None,
    }
    previous = Status.DRAFT
    for action, role, target in PATHS[dossier.status]:
        agency = (
            dossier.receiving_agency if role == ActorRole.RECEPTIONIST else dossier.competent_agency
        )
        if people[role] is None:
            people[role] = official_of(agency, role)
        actor = people[role]
        data: dict = {}
        if action == Action.SUBMIT:
            data["documents"] = [{"name": d.file.name, "sha256": d.file.sha256} for d in attached]
            fee = services.version_fee(dossier)
            if fee:
                data["fee"] = fee
        elif action == Action.RECEIVE:
            data["due_at"] = dossier.due_at.isoformat() if dossier.due_at else None
            data["transfer_due_at"] = dossier.transfer_due_at.isoformat()
        elif action == Action.ASSIGN:
            data["assignee"] = dossier.assignee_id
            data["assignee_name"] = str(dossier.assignee)
            data["transfer"] = "late" if now > dossier.transfer_due_at else "on_time"
            data["transfer_due_at"] = dossier.transfer_due_at.isoformat()
        elif action == Action.REQUEST_SUPPLEMENT and previous == Status.SUBMITTED:
            data["phase"] = "desk"
        elif action in (Action.REQUEST_SUPPLEMENT, Action.REQUIRE_PAYMENT):
            if action == Action.REQUIRE_PAYMENT:
                data["amount"] = OBLIGATION
            else:
                data.update(phase="processing", timeliness="on_time", clock_rule="restart")
            if dossier.due_at is not None:
                data["clock"] = "paused"
        elif action == Action.RETURN_RESULT:
            data["mode"] = dossier.return_mode
            if dossier.due_at is not None:
                data["timeliness"] = (
                    "late"
                    if now > dossier.due_at
                    else (
                        "on_time"
                        if timezone.localtime(now).date()
                        == timezone.localtime(dossier.due_at).date()
                        else "early"
                    )
                )
        form = FORMS.get(action)
        if form is not None:
            number = secrets.token_hex(4).upper()
            data["document"] = {"form": form, "number": number}
        if action == Action.APPROVE:
            # The result's signature (no certificate here: unsigned, as the service logs).
            data["result"] = {"signature": {"status": "unsigned", "reason": "no certificate"}}
        entry = record(
            dossier=dossier,
            actor=actor,
            role=role,
            action=action,
            from_status=previous,
            to_status=target,
            note=NOTES.get(action, ""),
            visibility=Visibility.INTERNAL if action in INTERNAL else Visibility.PUBLIC,
            data=data,
        )
        if form is not None:
            # Issued with the action, its file written right after (dossiers.documents).
            digest = hashlib.sha256(PDF).hexdigest()
            issued = IssuedDocument(
                dossier=dossier, form=form, number=number, sha256=digest, log=entry
            )
            issued.file.save("form.pdf", ContentFile(PDF), save=False)
            issued.save(force_insert=True)
            record(
                dossier=dossier,
                actor=None,
                role=ActorRole.SYSTEM,
                action=Action.DOCUMENT_WRITTEN,
                visibility=Visibility.INTERNAL,
                data={
                    "document": {
                        "form": form,
                        "issued": issued.pk,
                        "issued_by": entry.seq,
                        "number": number,
                        "sha256": digest,
                        "signature": {
                            "status": "unsigned",
                            "reason": "no certificate",
                            "number": number,
                        },
                    }
                },
            )
        if action == Action.SUBMIT and data.get("fee"):
            services.payment_create(dossier=dossier, purpose=PaymentPurpose.FEE, amount=data["fee"])
        elif action == Action.REQUIRE_PAYMENT:
            services.payment_create(
                dossier=dossier,
                purpose=PaymentPurpose.OBLIGATION,
                amount=OBLIGATION,
                reason=NOTES[action],
            )
        elif action == Action.APPROVE:
            DossierDocument.objects.create(
                dossier=dossier,
                file=StoredFileFactory(owner=applicant, result=True),
                is_result=True,
            )
        previous = target


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
        if state == Status.DESK_SUPPLEMENT:
            services.dossier_request_supplement(
                dossier_id=pk, actor=self.receptionist, note="Thiếu bản sao giấy khai sinh"
            )
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

    def dossier_built(self, state: str, **kw):
        """A dossier in `state` like `dossier_in(state)`'s, written by DossierFactory
        (no service runs, no PDF is rendered)."""
        return DossierFactory(
            version=self.version,
            case=self.case,
            applicant=kw.pop("applicant", self.applicant),
            receiving_agency=self.agency,
            **{state: True},
            **kw,
        )


def _reload(d):
    d.refresh_from_db()
    return d
