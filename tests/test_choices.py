"""common.choices.FastChoiceLabels: the same labels as Django's get_FOO_display, in the
active language, without rebuilding the choices per call."""

from django.utils import translation

from dossiers.constants import Action, Status
from dossiers.models import Dossier, DossierLog


def test_labels_follow_the_active_language_and_unknown_values_pass_through():
    dossier = Dossier(status=Status.PROCESSING)
    entry = DossierLog(action=Action.RECEIVE, to_status=Status.RECEIVED)
    with translation.override("vi"):
        vi = dossier.get_status_display()
        assert vi == str(Status.PROCESSING.label) and isinstance(vi, str)
        assert entry.get_action_display() == str(Action.RECEIVE.label)
    with translation.override("en"):
        assert dossier.get_status_display() == "In progress"
        assert vi != "In progress"  # translated, so the label is not frozen in one language
    dossier.status = "no-such-status"
    assert dossier.get_status_display() == "no-such-status"
    entry.to_status = ""
    assert entry.get_to_status_display() == ""
