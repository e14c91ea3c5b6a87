"""Inter-agency consultation (liên thông, issue 6): the competent agency asks another
agency for its opinion on a dossier.

Access is a django-guardian object permission (`dossiers.view_dossier`) granted to the
consulted agency's group (`agency:<code>`), stored in `DossierGroupObjectPermission`
(direct foreign key, so the back-office scope joins it on an indexed integer). The
grant lives exactly as long as the question is open: answering it, or the dossier
reaching a final state, removes it. Officials are not mirrored into these groups:
agency membership stays in `identity.OfficialMembership` (one source of truth) and the
scope query maps the official's agencies to their groups by name.

Every write locks the dossier row and writes its log row in the same transaction
(STYLE R3). Consultations are internal: the applicant does not see them.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from dossiers import services
from dossiers.constants import (
    FINAL,
    Action,
    ActorRole,
    ConsultationStatus,
    EventKind,
    FileKind,
    Status,
    Visibility,
)
from dossiers.errors import DossierError
from dossiers.models import Consultation, Dossier, DossierGroupObjectPermission
from dossiers.outbox import emit
from dossiers.workflow import TransitionNotAllowed
from identity.constants import OfficialRole
from identity.permissions import roles_for

VIEW = "dossiers.view_dossier"
ASKING_ROLES = (OfficialRole.SPECIALIST, OfficialRole.LEADER)
ANSWERING_ROLES = (OfficialRole.SPECIALIST, OfficialRole.LEADER)
# States in which the competent agency is appraising the dossier and may ask.
ASKABLE = {
    Status.RECEIVED,
    Status.PROCESSING,
    Status.AWAITING_APPROVAL,
    Status.SUPPLEMENT_REQUESTED,
    Status.AWAITING_PAYMENT,
}


def agency_group_name(code: str) -> str:
    return f"agency:{code}"


def agency_group(agency) -> Group:
    group, _created = Group.objects.get_or_create(name=agency_group_name(agency.code))
    return group


def shared_dossier_ids(agency_codes):
    """Subquery: ids of dossiers granted (read) to any of these agencies' groups. Served
    by the (group, permission, content_object) unique index of the grant table."""
    return DossierGroupObjectPermission.objects.filter(
        group__name__in=[agency_group_name(c) for c in agency_codes],
        permission__codename="view_dossier",
        permission__content_type__app_label="dossiers",
    ).values("content_object_id")


def _role_in(user, agency, allowed) -> str:
    held = roles_for(user, agency.code)
    for role in allowed:
        if role in held:
            return role
    raise TransitionNotAllowed(f"{user} holds none of {allowed} at {agency.code}")


@transaction.atomic
def consultation_ask(
    *, dossier_id: int, actor, consulted_agency, question: str, reply_by: dt.date
) -> Consultation:
    """Open dossier (being processed) -> unchanged. A specialist or leader of the
    competent agency asks `consulted_agency`; that agency's group gets read access to
    the dossier; one internal log row."""
    question = (question or "").strip()
    if not question:
        raise DossierError(_("Write the question for the other agency."))
    if reply_by is None or reply_by < timezone.localdate():
        raise DossierError(_("The reply-by date cannot be in the past."))
    dossier = services.dossier_lock(dossier_id)
    role = _role_in(actor, dossier.competent_agency, ASKING_ROLES)
    if dossier.status not in ASKABLE:
        raise TransitionNotAllowed(f"no consultation from {dossier.status}")
    if consulted_agency is None or not consulted_agency.is_active:
        raise DossierError(_("Choose an active agency."))
    if consulted_agency.pk == dossier.competent_agency_id:
        raise DossierError(_("Choose another agency than the one deciding the dossier."))
    if not consultable(dossier, consulted_agency):
        raise DossierError(
            _("Choose an agency of the city, or a ministry that the procedure involves.")
        )
    if Consultation.objects.filter(
        dossier=dossier, consulted_agency=consulted_agency, status=ConsultationStatus.OPEN
    ).exists():
        raise DossierError(_("This agency already has an open question on this dossier."))
    consultation = Consultation.objects.create(
        dossier=dossier,
        asking_agency=dossier.competent_agency,
        consulted_agency=consulted_agency,
        asked_by=actor,
        question=question,
        reply_by=reply_by,
    )
    assign_perm(VIEW, agency_group(consulted_agency), dossier)
    entry = services.dossier_log_record(
        dossier=dossier,
        actor=actor,
        role=role,
        action=Action.CONSULT,
        note=question,
        visibility=Visibility.INTERNAL,
        data={
            "consultation": consultation.pk,
            "agency": consulted_agency.code,
            "agency_name": consulted_agency.name,
            "reply_by": reply_by.isoformat(),
            "grant": VIEW,
        },
    )
    # In the same transaction as the grant: the consulted agency hears of the question
    # exactly when it can read the dossier (notifications.subscriber reads "agency").
    emit(
        EventKind.CONSULTED,
        dossier=dossier,
        actor=actor,
        data=_event_data(consultation, entry, action=Action.CONSULT),
    )
    return consultation


def _event_data(consultation: Consultation, entry, *, action: str) -> dict:
    return {
        "action": action,
        "log": entry.pk,
        "consultation": consultation.pk,
        "agency": consultation.consulted_agency.code,
        "asking_agency": consultation.asking_agency.code,
    }


def _revoke(consultation: Consultation) -> None:
    remove_perm(VIEW, agency_group(consultation.consulted_agency), consultation.dossier)


def consultation_answer(*, consultation_id: int, actor, answer: str, upload=None) -> Consultation:
    """OPEN -> ANSWERED. A specialist or leader of the consulted agency gives the
    opinion (text, optional file kept with the dossier); the grant ends; one internal log
    row that the asking agency reads on its workbench."""
    with services.files_guard(), transaction.atomic():
        consultation = (
            Consultation.objects.select_for_update()
            .select_related("consulted_agency")
            .get(pk=consultation_id)
        )
        dossier = services.dossier_lock(consultation.dossier_id)
        role = _role_in(actor, consultation.consulted_agency, ANSWERING_ROLES)
        if consultation.status != ConsultationStatus.OPEN:
            raise TransitionNotAllowed("consultation no longer open")
        answer = (answer or "").strip()
        if not answer:
            raise DossierError(_("Write the opinion of your agency."))
        stored = None
        if upload is not None:
            stored = services.stored_file_create(
                owner=dossier.applicant, upload=upload, kind=FileKind.OFFICIAL
            )
        now = timezone.now()
        consultation.status = ConsultationStatus.ANSWERED
        consultation.answer, consultation.answer_file = answer, stored
        consultation.answered_by, consultation.answered_at = actor, now
        consultation.closed_at = now
        consultation.save()
        consultation.dossier = dossier
        _revoke(consultation)
        entry = services.dossier_log_record(
            dossier=dossier,
            actor=actor,
            role=role,
            action=Action.ANSWER,
            note=answer,
            visibility=Visibility.INTERNAL,
            data={
                "consultation": consultation.pk,
                "agency": consultation.consulted_agency.code,
                "agency_name": consultation.consulted_agency.name,
                "file": {"name": stored.name, "sha256": stored.sha256} if stored else None,
            },
        )
        emit(
            EventKind.CONSULTATION_ANSWERED,
            dossier=dossier,
            actor=actor,
            data=_event_data(consultation, entry, action=Action.ANSWER),
        )
    return consultation


def consultations_close_for(dossier: Dossier) -> int:
    """The dossier reached a final state: unanswered questions close and their grants
    end. Called by `dossiers.services.dossier_transition` inside its transaction (the dossier
    row is locked there); one system log row per closed question."""
    if dossier.status not in FINAL:
        return 0
    open_ones = list(
        Consultation.objects.select_for_update()
        .filter(dossier=dossier, status=ConsultationStatus.OPEN)
        .select_related("consulted_agency")
    )
    now = timezone.now()
    for consultation in open_ones:
        consultation.status, consultation.closed_at = ConsultationStatus.CLOSED, now
        consultation.save(update_fields=["status", "closed_at"])
        consultation.dossier = dossier
        _revoke(consultation)
        services.dossier_log_record(
            dossier=dossier,
            actor=None,
            role=ActorRole.SYSTEM,
            action=Action.CONSULT_CLOSE,
            visibility=Visibility.INTERNAL,
            data={"consultation": consultation.pk, "agency": consultation.consulted_agency.code},
        )
    return len(open_ones)


# --- reads ---------------------------------------------------------------------------


def consultations_of(dossier: Dossier):
    """Every question on the dossier with its answer, for the workbench."""
    return dossier.consultations.select_related(
        "consulted_agency", "asking_agency", "asked_by", "answered_by", "answer_file"
    ).order_by("asked_at", "pk")


def consultations_visible_to(dossier: Dossier, scope) -> QuerySet[Consultation]:
    """The questions on the dossier an official with this scope
    (`dossiers.queues.OfficialScope`) may read: all of them at the dossier's own
    agencies (receiving, competent); at an agency that was only consulted, its own
    questions, not the other agencies'."""
    from dossiers.queues import sees_internal

    rows = consultations_of(dossier)
    if sees_internal(dossier, scope):
        return rows
    return rows.filter(consulted_agency_id__in=scope.any_ids)


def consultation_askable_by(dossier: Dossier, scope) -> bool:
    """Whether the official may ask another agency about the dossier now: a
    specialist or leader of its competent agency, while it is being appraised."""
    return dossier.status in ASKABLE and dossier.competent_agency_id in scope.ids(*ASKING_ROLES)


def consultation_answerable_by(consultation: Consultation, scope) -> bool:
    """Whether the official may answer this question: it is open, and they are a
    specialist or leader of the agency consulted."""
    return (
        consultation.status == ConsultationStatus.OPEN
        and consultation.consulted_agency_id in scope.ids(*ANSWERING_ROLES)
    )


def consultation_list_for_agencies(*, agency_ids, after: str | None = None, size: int = 25):
    """The "consultations" queue: open questions to these agencies, soonest reply-by
    first, keyset-paginated on (reply_by, id); served by the `consult_queue` index. One
    query whatever the size. Returns (rows, next cursor or None)."""
    if not agency_ids:
        return [], None
    qs = Consultation.objects.filter(
        consulted_agency_id__in=agency_ids, status=ConsultationStatus.OPEN
    )
    if after:
        try:
            day, pk = after.split("_")
            day, pk = dt.date.fromisoformat(day), int(pk)
        except ValueError:
            day = None
        if day is not None:
            qs = qs.filter(Q(reply_by__gt=day) | Q(reply_by=day, pk__gt=pk))
    rows = list(
        qs.select_related(
            "dossier__version__procedure", "dossier__applicant", "asking_agency", "asked_by"
        ).order_by("reply_by", "pk")[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    return rows, (f"{rows[-1].reply_by.isoformat()}_{rows[-1].pk}" if more else None)


def agency_choices(exclude_id=None, procedure_id=None):
    """Active agencies for the "ask another agency" list: the city's own (each after
    its parent, indented by depth), then the central ministries the procedure names
    (`procedure_id`), never another province's agencies that imported national
    records brought along. Cached under the catalogue's generation token (every agency
    write clears it, `procedures.signals`): the list is on every workbench."""
    from procedures.selectors import cached_with_catalogue

    tree = cached_with_catalogue("consultation-agencies", _agency_tree)
    if procedure_id is not None:
        tree = tree + cached_with_catalogue(
            f"consultation-ministries:{procedure_id}", lambda: _ministries_of(procedure_id)
        )
    return [(pk, label) for pk, label in tree if pk != exclude_id]


def consultable(dossier, agency) -> bool:
    return agency.pk in {
        pk for pk, _label in agency_choices(procedure_id=dossier.version.procedure_id)
    }


def _ministries_of(procedure_id) -> list[tuple[int, str]]:
    from django.db.models import Q

    from procedures.constants import AgencyKind
    from procedures.models import Agency

    ministries = (
        Agency.objects.filter(is_active=True, kind=AgencyKind.MINISTRY)
        .filter(Q(competent_for=procedure_id) | Q(executes=procedure_id))
        .distinct()
        .order_by("name")
    )
    return [(a.pk, f"{a.name} ({a.code})") for a in ministries]


def _agency_tree() -> list[tuple[int, str]]:
    """One query; the tree is walked in Python from the city's root (an agency of kind
    "city"); a catalogue without one keeps every root."""
    from procedures.constants import AgencyKind
    from procedures.models import Agency

    agencies = list(
        Agency.objects.filter(is_active=True).only("pk", "name", "code", "parent_id", "kind")
    )
    children: dict = {}
    for agency in agencies:
        children.setdefault(agency.parent_id, []).append(agency)
    ids = {a.pk for a in agencies}
    roots = [a for a in agencies if a.parent_id is None or a.parent_id not in ids]
    cities = [a for a in roots if a.kind == AgencyKind.CITY]
    out = []

    def walk(nodes, depth):
        for node in sorted(nodes, key=lambda a: a.name):
            out.append((node.pk, f"{'— ' * depth}{node.name} ({node.code})"))
            walk(children.get(node.pk, []), depth + 1)

    walk(cities or roots, 0)
    return out
