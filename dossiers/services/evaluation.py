"""The applicant's evaluation at each moment of a dossier, and the agency's own
evaluation of each finished dossier. The rules live in `dossiers.evaluation`."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

# The module, not its names: `dossiers.evaluation` reads the log vocabulary of
# `services.clock`, so either side may be imported first.
from dossiers import evaluation as rules
from dossiers.constants import FINAL, Action, ActorRole, EvaluationMoment, Status
from dossiers.errors import DossierError
from dossiers.models import Dossier, DossierAssessment, Rating
from dossiers.services.actors import acting_role
from dossiers.services.transition import dossier_lock, dossier_transition
from dossiers.workflow import edge_for
from procedures.calendar import WorkingCalendar


@transaction.atomic
def dossier_rate(*, dossier_id: int, actor, moment: str, scores: dict, comment: str = "") -> Rating:
    """Any state with a RATE self-edge -> unchanged. The applicant's evaluation at
    `moment` (`dossiers.evaluation.CRITERIA`, scores 1-5), once the moment was reached
    and once per moment. The log row (data: moment, overall) and the evaluation are
    written together; a refusal writes nothing."""
    if moment not in EvaluationMoment.values:
        raise DossierError(_("Choose the step you evaluate."))
    if rules.scores_problem(moment, scores):
        raise DossierError(_("Give every score from 1 to 5."))
    dossier = dossier_lock(dossier_id)
    # Who asks first: another person learns nothing of the dossier's evaluations.
    acting_role(dossier, actor, edge_for(dossier.status, Action.RATE).roles, ActorRole.APPLICANT)
    if moment not in rules.dossier_moments_reached(dossier):
        raise DossierError(_("This step of the dossier cannot be evaluated."))
    if Rating.objects.filter(dossier=dossier, moment=moment).exists():
        raise DossierError(_("You have already evaluated this step of the dossier."))
    dossier = dossier_transition(
        dossier_id=dossier_id,
        action=Action.RATE,
        actor=actor,
        role=ActorRole.APPLICANT,
        data={"moment": moment, "overall": scores["overall"]},
        locked=dossier,
    )
    return Rating.objects.create(dossier=dossier, moment=moment, comment=comment.strip(), **scores)


# What the agency's evaluation covers: the dossiers that finished after filing.
ASSESSED = frozenset(FINAL) - {Status.DISCARDED}


def dossier_assess(
    dossier: Dossier, *, calendar: WorkingCalendar | None = None
) -> DossierAssessment | None:
    """A finished dossier's indices (`dossiers.evaluation.indices`), from its log, kept
    in its DossierAssessment. Called in the transaction that finishes the dossier and
    by `assess_dossiers`; idempotent: the row is written only when an index changed.
    None for a dossier not finished (or a discarded draft)."""
    if dossier.status not in ASSESSED:
        return None
    rows = [
        rules.Row(action, created_at, from_status, data or {})
        for action, created_at, from_status, data in dossier.log.order_by("seq").values_list(
            "action", "created_at", "from_status", "data"
        )
    ]
    calendar = calendar or WorkingCalendar.load()
    values = rules.indices(dossier, rows, dossier.payments.all(), calendar)
    values.update(status=dossier.status, finished_at=dossier.finished_at)
    current = DossierAssessment.objects.filter(dossier=dossier).first()
    if current is not None and all(getattr(current, k) == v for k, v in values.items()):
        return current
    assessment, _created = DossierAssessment.objects.update_or_create(
        dossier=dossier, defaults={**values, "computed_at": timezone.now()}
    )
    return assessment
