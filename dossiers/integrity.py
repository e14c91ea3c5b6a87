"""Verification of the dossier log's hash chains."""

from __future__ import annotations

from dataclasses import dataclass

from dossiers.models import DossierLog


@dataclass(frozen=True)
class BrokenLink:
    dossier_id: int
    seq: int
    reason: str


def verify_chains(*, dossier_ids=None, chunk: int = 2000):
    """Yield every broken link: a row whose hash does not match its content, whose
    `prev_hash` is not the previous row's hash, or a gap in the sequence. Streams the
    table in (dossier, seq) order, so memory stays flat."""
    qs = DossierLog.objects.order_by("dossier_id", "seq")
    if dossier_ids is not None:
        qs = qs.filter(dossier_id__in=dossier_ids)
    current, prev_hash, expected_seq = None, None, 1
    for row in qs.iterator(chunk_size=chunk):
        if row.dossier_id != current:
            current, prev_hash, expected_seq = row.dossier_id, DossierLog.GENESIS, 1
        if row.seq != expected_seq:
            yield BrokenLink(row.dossier_id, row.seq, f"expected entry {expected_seq}")
        if row.prev_hash != prev_hash:
            yield BrokenLink(row.dossier_id, row.seq, "does not follow the previous entry")
        if row.compute_hash() != row.hash:
            yield BrokenLink(row.dossier_id, row.seq, "content changed after it was written")
        prev_hash, expected_seq = row.hash, row.seq + 1
