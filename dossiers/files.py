"""Uploaded files: type by content (never by extension), size limits, SHA-256, safe
names, and a virus-scan hook (no-op by default; `DOSSIER_VIRUS_SCANNER` names a
callable `scan(fileobj) -> None` that raises `FileRejected`, e.g. a ClamAV client)."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from dossiers.errors import DossierError

DEFAULT_TYPES = ("pdf", "jpg", "png")
# Extension -> MIME type we serve it with; "jpeg" is an alias of "jpg".
MIME = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ALIASES = {"jpeg": "jpg"}


class FileRejected(DossierError):
    pass


def sniff(data: bytes) -> str | None:
    """The real type of `data` from its first bytes (and, for Office files, the zip
    directory): one of MIME's keys, or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "docx"
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
    return None


def safe_name(name: str) -> str:
    """A display name without path, control characters or shell-hostile characters."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", name).strip(" .")
    return name[:150] or "tep"


def accepted(types) -> tuple[str, ...]:
    cleaned = {ALIASES.get(t.lower(), t.lower()) for t in (types or ())}
    return tuple(sorted(cleaned & MIME.keys())) or DEFAULT_TYPES


def check_upload(upload, *, types=None, max_mb: int | None = None) -> tuple[bytes, str]:
    """Read and check an upload; returns (content, extension) or raises FileRejected."""
    max_mb = max_mb or settings.DOSSIER_MAX_FILE_MB
    if upload.size > max_mb * 1024 * 1024:
        raise FileRejected(
            _("The file “%(name)s” is larger than %(max)s MB.")
            % {"name": safe_name(upload.name), "max": max_mb}
        )
    upload.seek(0)
    content = upload.read()
    if not content:
        raise FileRejected(_("The file “%(name)s” is empty.") % {"name": safe_name(upload.name)})
    kind = sniff(content)
    allowed = accepted(types)
    if kind not in allowed:
        raise FileRejected(
            _("The file “%(name)s” is not of an accepted type (%(types)s).")
            % {"name": safe_name(upload.name), "types": ", ".join(t.upper() for t in allowed)}
        )
    scanner = getattr(settings, "DOSSIER_VIRUS_SCANNER", "")
    if scanner:
        import_string(scanner)(io.BytesIO(content))
    return content, kind


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
