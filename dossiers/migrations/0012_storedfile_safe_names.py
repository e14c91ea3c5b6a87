"""Existing files get the stored name of their sniffed type (`to-khai.hta` holding a PDF
becomes `to-khai.pdf`); the name they had is kept as `original_name`. The storage keys
stay as they are. Rows are rewritten in batches of primary keys, so the table is never
locked as a whole and memory stays flat."""

import re
import unicodedata

from django.db import migrations
from django.db.models import F

BATCH = 2000
# The types `dossiers.files.MIME` knew when this migration was written.
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}


def _stored_name(name, kind):
    # A frozen copy of dossiers.files.stored_name: a migration must not change with it.
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", name).strip(" ")
    stem = re.sub(r"\.[A-Za-z0-9]{1,10}$", "", name).strip(" .") or "tai-lieu"
    return f"{stem[: 150 - len(kind) - 1].rstrip(' .')}.{kind}"


def forwards(apps, schema_editor):
    StoredFile = apps.get_model("dossiers", "StoredFile")
    last = 0
    while True:
        rows = list(
            StoredFile.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "name", "original_name", "content_type")[:BATCH]
        )
        if not rows:
            return
        changed = []
        for row in rows:
            kind = EXTENSIONS.get(row.content_type)
            if kind is None or row.original_name:
                continue
            row.original_name, row.name = row.name, _stored_name(row.name, kind)
            changed.append(row)
        StoredFile.objects.bulk_update(changed, ["name", "original_name"])
        last = rows[-1].pk


def backwards(apps, schema_editor):
    StoredFile = apps.get_model("dossiers", "StoredFile")
    StoredFile.objects.exclude(original_name="").update(name=F("original_name"))


class Migration(migrations.Migration):
    # Each batch commits by itself; a run stopped half-way resumes (rows that have an
    # original_name are done).
    atomic = False
    dependencies = [("dossiers", "0011_storedfile_original_name")]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
