"""Personal data out of text before it is published.

The official who answers edits the question as it will be published; this is the net
under that edit, applied to both the question and the answer whatever the official
wrote: email addresses, phone numbers, identity card and other long numbers, and the
sender's own name are masked. It cannot find every name a person may write, which is
why the official reads the text and why publication needs the sender's consent.
"""

from __future__ import annotations

import re

MASK = "***"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Phone numbers (0xx / +84xx, with spaces, dots or dashes) and ID, tax, account or
# dossier numbers: any run of 9 or more digits, separators allowed between groups.
_NUMBER = re.compile(r"(?<!\w)\+?\d(?:[\s.\-]?\d){8,}(?!\w)")


def redact(text: str, *, names: tuple[str, ...] = ()) -> str:
    text = _EMAIL.sub(MASK, text or "")
    text = _NUMBER.sub(MASK, text)
    for name in names:
        name = " ".join((name or "").split())
        if len(name) >= 3:
            text = re.sub(
                r"\s+".join(map(re.escape, name.split())), MASK, text, flags=re.IGNORECASE
            )
    return text.strip()
