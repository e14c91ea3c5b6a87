"""Reads of the signing app: the validation outcomes kept for uploaded files, in the
words the workbench and the applicant's dossier page show."""

from __future__ import annotations

from dataclasses import dataclass

from signing.models import SignatureCheck
from signing.validation import BROKEN, PLAIN, TONE, Outcome, SignatureReport


@dataclass(frozen=True)
class SignatureStatus:
    """What a page says about the signatures of one stored file."""

    outcome: str
    signatures: tuple[SignatureReport, ...]

    @property
    def plain(self) -> str:
        return str(PLAIN[Outcome(self.outcome)])

    @property
    def meaning(self) -> str:
        return str(Outcome(self.outcome).label)

    @property
    def tone(self) -> str:
        return TONE[Outcome(self.outcome)]

    @property
    def broken(self) -> bool:
        return self.outcome in BROKEN

    @property
    def signed(self) -> bool:
        return bool(self.signatures)


def signature_statuses(digests) -> dict[str, SignatureStatus]:
    """The kept outcome of each file by SHA-256 (one query); a file never checked (not
    a PDF) is absent."""
    known = set(SignatureReport.__dataclass_fields__)
    found = {}
    for check in SignatureCheck.objects.filter(sha256__in={d for d in digests if d}):
        reports = tuple(
            SignatureReport(**{k: v for k, v in d.items() if k in known})
            for d in check.details or ()
        )
        found[check.sha256] = SignatureStatus(check.outcome, reports)
    return found
