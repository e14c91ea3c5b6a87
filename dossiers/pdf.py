"""Standard documents as PDF (WeasyPrint, imported lazily: it is heavy and only the
PDF views need it). Templates live in templates/pdf/ so administrators can replace
them when the forms change (`dossiers.legal.FORMS`)."""

from __future__ import annotations

import threading

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


def lookup_url(code: str) -> str:
    from urllib.parse import urlencode

    return f"{settings.SITE_URL}{reverse('portal:lookup')}?{urlencode({'ma': code})}"


def qr_svg(text: str) -> str:
    """An inline SVG QR code (qrcode's SVG path factory, no raster image)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


_local = threading.local()


def _font_config():
    """One WeasyPrint font configuration per thread, kept between documents: building
    it (Pango's font map) was ~15 % of a receipt's CPU. Per thread because it is not
    meant to be shared between threads (gunicorn runs several per worker)."""
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.font_config = FontConfiguration()
    return config


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    with translation.override("vi"):
        html = render_to_string(
            template, {**context, "SITE_NAME": settings.SITE_NAME, "SITE_CITY": settings.SITE_CITY}
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        pdf_variant="pdf/ua-1", font_config=_font_config()
    )


def acknowledgement_pdf(dossier) -> bytes:
    url = lookup_url(dossier.code)
    return render_pdf(
        "pdf/acknowledgement.html",
        {
            "dossier": dossier,
            "documents": dossier.documents.select_related("file", "required_document"),
            "lookup_url": url,
            "qr": qr_svg(url),
        },
    )


def warm_up() -> None:
    """Import WeasyPrint and lay out one small page, so that the first receipt a web
    process issues does not wait for it: the import alone takes ~2 s, and every new worker
    (one per 1,000 requests, `--max-requests`) would make its first reception wait for
    it and for the first layout. Called by gunicorn.conf.py."""
    from weasyprint import HTML

    HTML(string="<p>MotCua</p>").write_pdf(font_config=_font_config())
