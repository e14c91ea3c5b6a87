"""Fill Vietnamese translations into locale/vi: `python scripts/po_translate.py FILE.json`.

FILE.json maps English msgids to Vietnamese text. Matching entries get the text and lose
any "fuzzy" mark (a guess by makemessages is never shipped). Run `make messages` after.
"""

import json
import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def main() -> int:
    translations = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    blocks = PO.read_text(encoding="utf-8").split("\n\n")
    done = set()
    for i, block in enumerate(blocks):
        match = re.search(r'^msgid ((?:".*"\n?)+)msgstr', block, flags=re.M)
        if not match:
            continue
        parts = re.findall(r'"(?:[^"\\]|\\.)*"', match.group(1))
        msgid = "".join(json.loads(part) for part in parts)
        if msgid not in translations:
            continue
        lines = [
            line
            for line in block.split("\n")
            if not line.startswith("#|") and line.strip() != "#, fuzzy"
        ]
        lines = [line.replace("#, fuzzy, ", "#, ") for line in lines]
        head = [line for line in lines if line.startswith("#")]
        blocks[i] = "\n".join(
            [*head, f"msgid {quote(msgid)}", f"msgstr {quote(translations[msgid])}"]
        )
        done.add(msgid)
    PO.write_text("\n\n".join(blocks), encoding="utf-8")
    missing = set(translations) - done
    for msgid in sorted(missing):
        print(f"not in the catalogue: {msgid}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
