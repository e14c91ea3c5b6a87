"""Files stored for a dossier, and their cleanup when the write that stored them fails."""

from __future__ import annotations

import contextlib
import contextvars
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import files as file_checks
from dossiers import scanning
from dossiers.constants import FINAL, FileKind, Status
from dossiers.errors import DossierError
from dossiers.models import DossierDocument, DossierMessage, StoredFile
from signing import services as signing

logger = logging.getLogger(__name__)


def stored_file_create(
    *, owner, upload, types=None, max_mb=None, kind=FileKind.UPLOAD
) -> StoredFile:
    """The one door of every upload (filing, counter intake, supplements, messages,
    results, consultation answers). Checks the type in the bytes, then the virus scan;
    raises FileRejected and writes nothing when either refuses. Stores the file under
    the name of its sniffed type (`to-khai.hta` holding a PDF is `to-khai.pdf`); the
    uploader's name is kept as display text."""
    content, ext = file_checks.check_upload(upload, types=types, max_mb=max_mb)
    _scan(content, upload_name=upload.name, owner=owner)
    stored = StoredFile(
        owner=owner,
        name=file_checks.stored_name(upload.name, ext),
        original_name=file_checks.original_name(upload.name),
        content_type=file_checks.MIME[ext],
        size=len(content),
        sha256=file_checks.sha256(content),
        kind=kind,
    )
    stored.file.save("upload", ContentFile(content), save=False)
    _NEW_FILES.get().append((stored.file.storage, stored.file.name))
    stored.save()
    if ext == "pdf":
        # Its signatures are validated once, for the workbench and the applicant's page.
        signing.signature_check(content)
    return stored


def _scan(content: bytes, *, upload_name: str, owner) -> None:
    verdict = scanning.get_scanner().scan(content)
    if verdict.status == scanning.CLEAN:
        return
    digest, name = file_checks.sha256(content), file_checks.safe_name(upload_name)
    if verdict.status == scanning.INFECTED:
        logger.warning(
            "Upload refused, virus %s found (owner %s, sha256 %s)",
            verdict.detail,
            owner.pk,
            digest,
        )
        raise file_checks.FileRejected(
            _("The file “%(name)s” contains a virus and was not accepted.") % {"name": name}
        )
    logger.error(
        "Upload refused, the virus scanner did not answer (owner %s, sha256 %s): %s",
        owner.pk,
        digest,
        verdict.detail,
    )
    raise file_checks.FileRejected(
        _(
            "The file “%(name)s” could not be checked for viruses just now. "
            "Please try again in a few minutes."
        )
        % {"name": name}
    )


_NEW_FILES: contextvars.ContextVar[list] = contextvars.ContextVar("motcua_new_files")


@contextlib.contextmanager
def files_guard():
    """Files written inside are deleted again when the block fails, so a rolled-back
    write leaves no orphan on storage. Inside another guard, the files are the outer
    guard's: a service that stores files and is called by a larger one (the counter
    intake attaching scans) leaves them to the outer block's fate. (A rollback of an
    outer transaction after the outermost guard succeeded is left to the periodic
    orphan sweep.)"""
    if _NEW_FILES.get(None) is not None:
        yield
        return
    created: list = []
    token = _NEW_FILES.set(created)
    try:
        yield
    except BaseException:
        for storage, name in created:
            storage.delete(name)
        raise
    finally:
        _NEW_FILES.reset(token)


@transaction.atomic
def stored_file_delete(*, file_id: int, actor) -> StoredFile:
    """Removes one of the applicant's own uploads from My documents. Refused while an
    open dossier (a draft included) uses it; results and the agency's files stay. The
    row and the file are kept as evidence for finished dossiers that used it; it is
    only hidden (`deleted_at`)."""
    stored = (
        StoredFile.objects.select_for_update()
        .filter(pk=file_id, owner=actor, deleted_at__isnull=True)
        .first()
    )
    if stored is None:
        raise DossierError(_("This file is not in your documents."))
    if stored.kind != FileKind.UPLOAD:
        raise DossierError(_("Results and documents from the agency cannot be deleted."))
    open_states = set(Status.values) - set(FINAL)
    in_use = (
        DossierDocument.objects.filter(file=stored, dossier__status__in=open_states).exists()
        or DossierMessage.objects.filter(
            attachment=stored, dossier__status__in=open_states
        ).exists()
    )
    if in_use:
        raise DossierError(
            _(
                "This file is used by a dossier that is still open; it can be deleted "
                "once that dossier is finished or the file is removed from the draft."
            )
        )
    stored.deleted_at = timezone.now()
    stored.save(update_fields=["deleted_at"])
    return stored
