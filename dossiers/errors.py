from django.core.exceptions import ValidationError


class DossierError(ValidationError):
    """Bad input for a dossier action: the message is for the user."""
