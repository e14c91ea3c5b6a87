from dossiers.errors import DossierError


class FeedbackError(DossierError):
    """Bad input for a feedback action: the message is for the user. A DossierError, so
    a refused upload (`dossiers.files.FileRejected`) and this are caught the same way."""


class FeedbackNotAllowed(FeedbackError):
    """The item's state or the actor's role does not allow this action (someone else
    acted first, or the actor lacks the role)."""
