from django.core.exceptions import ValidationError


class DossierError(ValidationError):
    """Bad input for a dossier action: the message is for the user."""


class DossierIncomplete(DossierError):
    """The draft cannot be submitted yet; `problems` says why."""

    def __init__(self, message, problems):
        super().__init__(message)
        self.problems = problems
