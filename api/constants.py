"""Choices of the partner API."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What an API client may do; each endpoint names the scope it needs."""

    CATALOGUE_READ = "catalogue:read", _("Read the catalogue")
    DOSSIERS_READ = "dossiers:read", _("Read dossiers")
    DOSSIERS_WRITE = "dossiers:write", _("File dossiers")
    DOSSIERS_ACT = "dossiers:act", _("Act on dossiers (back-office actions)")
    DOCUMENTS_READ = "documents:read", _("Download documents")
    DOCUMENTS_WRITE = "documents:write", _("Upload documents")


# The back-office roles a client holds at each of its agencies, by scope: filing is the
# desk's (a paper dossier entered for its applicant); acting is every official role.
ROLES_BY_SCOPE = {
    Scope.DOSSIERS_WRITE: ("receptionist",),
    Scope.DOSSIERS_ACT: ("receptionist", "specialist", "leader"),
}

# Prefix of every API key: lets secret scanners recognise a leaked one.
KEY_PREFIX = "mck"
