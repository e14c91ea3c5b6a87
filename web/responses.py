"""File and PDF responses, with one set of headers for every download of MotCua.

Every file a person downloads here is private to them (a dossier's documents, a
receipt, an export): never cached by a shared cache, never sniffed into another type,
named in UTF-8 (Vietnamese file names). A stored file is served by the front web
server when `DOSSIER_X_ACCEL_PREFIX` is set (nginx's X-Accel-Redirect to an internal
location), so a Python worker does not stream large scans.
"""

from __future__ import annotations

from urllib.parse import quote

from csp.constants import SELF
from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.shortcuts import render

# Types the browser may show in a page: the upload check stores the type it found in
# the file's bytes, so these are real PDFs and images. Anything else (an office
# document, which could carry active content) is always a download.
PREVIEWABLE = frozenset({"application/pdf", "image/png", "image/jpeg"})


def with_download_headers(response, filename: str, *, inline: bool = False):
    """The headers of every private download, set on any response (a stream too)."""
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def stored_file_response(stored, *, inline: bool = False, framed: bool = False):
    """A StoredFile, as a download; shown in the browser when `inline` and of a
    PREVIEWABLE type. `framed`: the page that asked may show it in a frame of the same
    site (other sites still may not)."""
    if settings.DOSSIER_X_ACCEL_PREFIX:
        response = HttpResponse(content_type=stored.content_type)
        response["X-Accel-Redirect"] = settings.DOSSIER_X_ACCEL_PREFIX + stored.file.name
    else:
        response = FileResponse(stored.file.open("rb"), content_type=stored.content_type)
    inline = inline and stored.content_type in PREVIEWABLE
    with_download_headers(response, stored.name, inline=inline)
    if inline and framed:
        response["X-Frame-Options"] = "SAMEORIGIN"
        # What django-csp's @csp_replace sets: its middleware reads it on the way out.
        response._csp_replace = {"frame-ancestors": [SELF]}
    return response


def pdf_response(content, filename: str, *, inline: bool = True):
    """A PDF from bytes or an open file, shown in the browser's viewer by default."""
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type="application/pdf")
    else:
        response = FileResponse(content, content_type="application/pdf")
    return with_download_headers(response, filename, inline=inline)


# When a browser should ask again for a document still being written.
RETRY_AFTER_SECONDS = 10


def issued_pdf_response(request, issued, *, base: str, back: str = "", inline: bool = True):
    """An issued standard form (dossiers.documents): its PDF once the worker has written
    it, waiting a few seconds for it when asked for early; still not there, a page
    that says so (503, with Retry-After), never an error."""
    from dossiers import documents

    if documents.wait_written(issued):
        return pdf_response(issued.file.open("rb"), issued.filename, inline=inline)
    response = render(
        request,
        "issued_not_ready.html",
        {"issued": issued, "base": base, "back": back},
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "private, no-store"
    return response
