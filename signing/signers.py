"""The `Signer` interface and its two implementations, on pyHanko (PAdES B-B, or
B-T with a timestamp from `SIGNING_TSA_URL`).

- `LocalPkcs12Signer`: the key is a PKCS#12 file uploaded by an agency admin, kept
  encrypted (`signing.keystore`) and decrypted only in memory for one signature.
- `RemoteSigner`: a remote signing service (the shape of Vietnam's remote and cloud
  signing services): MotCua sends the digest of the document's signed byte ranges and
  receives a detached CMS signature made with the holder's key, which never leaves
  the service. Protocol: `POST <url>` with JSON `{"digest": base64, "digest_algorithm":
  "sha256", "certificate_sha256": hex}` and an optional `Authorization: Bearer` token;
  the answer is JSON `{"cms": base64 DER ContentInfo}`.

Both draw a visible stamp (signer, organisation, time, verification number) at the
bottom of the last page, in DejaVu Sans so that Vietnamese text renders.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
# fontTools reports every font table it drops while subsetting the stamp font.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

# Room kept for the CMS in the PDF: a remote signer cannot be asked twice (pyHanko's
# size estimate would call it), and a timestamp token adds a few kilobytes.
BYTES_RESERVED = 24 * 1024
STAMP_WIDTH, STAMP_HEIGHT = 300, 52


class SigningFailed(Exception):
    """The signature could not be made; the message (why, in the user's language) is
    for the official. Technical details go to the log."""


@dataclass(frozen=True)
class Stamp:
    signer: str  # the person, or the organisation for a seal
    organisation: str
    number: str  # the verification number printed on the stamp (/xac-thuc/)
    reason: str = ""


class Signer(ABC):
    """Signs a PDF as PAdES with one certificate."""

    def __init__(self, certificate, chain=()):
        self.certificate = certificate  # asn1crypto x509.Certificate
        self.chain = list(chain)

    @abstractmethod
    def pyhanko_signer(self):
        """The pyHanko `signers.Signer` that makes the CMS."""

    def sign_pdf(self, content: bytes, *, stamp: Stamp) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        try:
            writer = IncrementalPdfFileWriter(BytesIO(content), strict=False)
            box = _stamp_box(writer)
            meta = signers.PdfSignatureMetadata(
                field_name=f"MotCua-{stamp.number}",
                md_algorithm="sha256",
                subfilter=fields.SigSeedSubFilter.PADES,
                reason=stamp.reason or None,
                location=settings.SITE_CITY or None,
                name=stamp.signer,
            )
            pdf_signer = signers.PdfSigner(
                meta,
                signer=self.pyhanko_signer(),
                timestamper=timestamper(),
                stamp_style=_stamp_style(),
                new_field_spec=fields.SigFieldSpec(f"MotCua-{stamp.number}", on_page=-1, box=box),
            )
            out = pdf_signer.sign_pdf(
                writer,
                bytes_reserved=BYTES_RESERVED,
                appearance_text_params={"org": stamp.organisation, "number": stamp.number},
            )
        except SigningFailed:
            raise
        except Exception as error:
            logger.exception("PDF signing failed")
            raise SigningFailed(
                _("the signing software or the timestamping service failed")
            ) from error
        return out.getvalue()


def _stamp_box(writer) -> tuple[int, int, int, int]:
    """Bottom right of the last page, inside the bottom margin of the forms (2 cm)."""
    pages = writer.root["/Pages"]
    count = int(pages["/Count"])
    page = _page(pages, count - 1)
    _x0, y0, x1, _y1 = (float(v) for v in page.get("/MediaBox", [0, 0, 595, 842]))
    right = int(x1) - 28
    bottom = int(y0) + 4
    return (right - STAMP_WIDTH, bottom, right, bottom + STAMP_HEIGHT)


def _page(node, index: int):
    media = node.get("/MediaBox")
    for kid in node["/Kids"]:
        kid = kid.get_object()
        if kid["/Type"] == "/Page":
            if index == 0:
                if "/MediaBox" not in kid and media is not None:
                    return {"/MediaBox": media}
                return kid
            index -= 1
        else:
            count = int(kid["/Count"])
            if index < count:
                found = _page(kid, index)
                if "/MediaBox" not in found and media is not None:
                    return {"/MediaBox": media}
                return found
            index -= count
    raise IndexError("page")


def _stamp_style():
    from pyhanko import stamp
    from pyhanko.pdf_utils import text
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory

    return stamp.TextStampStyle(
        stamp_text=(
            "Ký số bởi / Signed by: %(signer)s\n%(org)s\n"
            "Thời gian / Time: %(ts)s\nSố xác thực / Number: %(number)s"
        ),
        timestamp_format="%H:%M:%S %d/%m/%Y %z",
        text_box_style=text.TextBoxStyle(font=GlyphAccumulatorFactory(_stamp_font()), font_size=8),
        border_width=1,
    )


def _stamp_font() -> str:
    """The stamp font with 1000 units per em. pyHanko writes glyph widths in the font's
    own units, which a PDF reads as thousandths: a TrueType font of 2048 units (DejaVu)
    would come out with letters twice apart. Scaled once per machine, then cached."""
    import tempfile
    from pathlib import Path

    source = Path(settings.SIGNING_STAMP_FONT)
    tag = hashlib.sha256(f"{source}:{source.stat().st_mtime_ns}".encode()).hexdigest()[:16]
    cached = Path(tempfile.gettempdir()) / f"motcua-stamp-{tag}.ttf"
    if not cached.exists():
        from fontTools.ttLib import TTFont
        from fontTools.ttLib.scaleUpem import scale_upem

        font = TTFont(str(source))
        if font["head"].unitsPerEm == 1000:
            return str(source)
        scale_upem(font, 1000)
        partial = cached.with_suffix(f".{os.getpid()}.part")
        font.save(str(partial))
        partial.replace(cached)
    return str(cached)


def timestamper():
    """An RFC 3161 client of `SIGNING_TSA_URL`, or None (signing time from the server
    clock, in the signed attributes)."""
    url = getattr(settings, "SIGNING_TSA_URL", "")
    if not url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=settings.SIGNING_REMOTE_TIMEOUT)


class LocalPkcs12Signer(Signer):
    def __init__(self, pkcs12: bytes, password: bytes | None):
        from pyhanko.sign import signers

        try:
            self._signer = signers.SimpleSigner.load_pkcs12_data(pkcs12, (), password)
        except ValueError as error:
            logger.warning("stored PKCS#12 file cannot be opened: %s", error)
            raise SigningFailed(_("the stored certificate file cannot be opened")) from error
        chain = [c for c in self._signer.cert_registry if c != self._signer.signing_cert]
        super().__init__(self._signer.signing_cert, chain)

    def pyhanko_signer(self):
        return self._signer


class RemoteSigner(Signer):
    def __init__(self, certificate, chain=(), *, url: str, token: str = "", timeout=None):
        super().__init__(certificate, chain)
        self.url, self.token = url, token
        self.timeout = timeout if timeout is not None else settings.SIGNING_REMOTE_TIMEOUT

    def pyhanko_signer(self):
        return _RemoteCms(self)

    def request_cms(self, digest: bytes, digest_algorithm: str) -> bytes:
        import requests

        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        fingerprint = hashlib.sha256(self.certificate.dump()).hexdigest()
        try:
            response = requests.post(
                self.url,
                json={
                    "digest": base64.b64encode(digest).decode(),
                    "digest_algorithm": digest_algorithm,
                    "certificate_sha256": fingerprint,
                },
                headers=headers,
                timeout=self.timeout,
            )
        except requests.Timeout:
            raise SigningFailed(_("the remote signing service did not answer in time")) from None
        except requests.RequestException as error:
            logger.warning("remote signing service %s unreachable: %s", self.url, error)
            raise SigningFailed(_("the remote signing service cannot be reached")) from None
        if response.status_code != 200:
            raise SigningFailed(
                _("the remote signing service answered with error %(status)s")
                % {"status": response.status_code}
            )
        try:
            return base64.b64decode(response.json()["cms"])
        except (ValueError, KeyError, TypeError):
            raise SigningFailed(_("the remote signing service sent no signature")) from None


def _remote_cms_class():
    from asn1crypto import cms
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    class RemoteCms(signers.Signer):
        """pyHanko's view of the remote service: the whole CMS comes back from it;
        MotCua checks that it covers the digest sent, with the expected certificate,
        and adds the timestamp token (an unsigned attribute) itself."""

        def __init__(self, remote: RemoteSigner):
            registry = SimpleCertificateStore()
            registry.register_multiple(remote.chain)
            super().__init__(
                signing_cert=remote.certificate, cert_registry=registry, embed_roots=True
            )
            self.remote = remote

        async def async_sign_raw(self, data, digest_algorithm, dry_run=False):
            raise NotImplementedError  # the remote service signs whole CMS objects only

        async def async_sign(
            self,
            data_digest,
            digest_algorithm,
            dry_run=False,
            use_pades=False,
            timestamper=None,
            signed_attr_settings=None,
            is_pdf_sig=True,
            encap_content_info=None,
        ):
            raw = self.remote.request_cms(data_digest, digest_algorithm)
            try:
                info = cms.ContentInfo.load(raw)
                signer_info = info["content"]["signer_infos"][0]
                signed = {a["type"].native: a["values"][0] for a in signer_info["signed_attrs"]}
                matches = signed["message_digest"].native == data_digest
                sid = signer_info["sid"].chosen
                same_cert = (
                    sid["serial_number"].native == self.remote.certificate.serial_number
                    if signer_info["sid"].name == "issuer_and_serial_number"
                    else True
                )
            except (ValueError, KeyError, TypeError, IndexError):
                raise SigningFailed(
                    _("the remote signing service sent an unreadable signature")
                ) from None
            if not matches or not same_cert:
                raise SigningFailed(
                    _("the remote signature does not match this document or certificate")
                )
            if timestamper is not None:
                signature = signer_info["signature"].native
                token = await timestamper.async_timestamp(
                    hashlib.new(digest_algorithm, signature).digest(), digest_algorithm
                )
                attrs = list(signer_info["unsigned_attrs"] or [])
                attrs.append(
                    cms.CMSAttribute({"type": "signature_time_stamp_token", "values": [token]})
                )
                signer_info["unsigned_attrs"] = cms.CMSAttributes(attrs)
            return info

    return RemoteCms


def _RemoteCms(remote: RemoteSigner):
    return _remote_cms_class()(remote)
