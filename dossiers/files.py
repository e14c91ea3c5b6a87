"""Uploaded files: type by content (never by extension), size limits, SHA-256 and safe
names. A file is stored and served under `stored_name`, whose extension is the one of
the type found in its bytes; the uploader's name is display text only. The virus scan
is `dossiers.scanning`, called by `stored_file_create`."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile

from django.conf import settings
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
# Stem of a stored name when the uploader's name has none (".hta", "", "...").
DEFAULT_STEM = "tai-lieu"
NAME_MAX = 150
# The last suffix of a name, when it looks like an extension ("x.hta", not "v1.2 bis").
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}$")


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


def _clean(name: str) -> str:
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    return re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", name)


def safe_name(name: str) -> str:
    """A display name without path, control characters or shell-hostile characters."""
    return _clean(name).strip(" .")[:NAME_MAX] or "tep"


def original_name(name: str) -> str:
    """The uploader's name as display text: without path or control characters, dots
    kept (".bat" is what they sent)."""
    return _clean(name).strip()[:NAME_MAX]


def stored_name(name: str, kind: str) -> str:
    """The name a file is stored and downloaded under: the uploader's stem with the
    extension of the type sniffed from its bytes (`kind`, one of MIME's keys), so a PDF
    named `to-khai.hta` is `to-khai.pdf`, and `.bat` is `tai-lieu.pdf`."""
    stem = _SUFFIX.sub("", _clean(name).strip(" ")).strip(" .") or DEFAULT_STEM
    return f"{stem[: NAME_MAX - len(kind) - 1].rstrip(' .')}.{kind}"


def kind_of(content_type: str) -> str | None:
    """MIME's key of a stored content type, or None."""
    return next((k for k, v in MIME.items() if v == content_type), None)


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
    return content, kind


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
