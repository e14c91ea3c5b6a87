"""Import of the national procedure catalogue (dichvucong.gov.vn JSON records).

Two inputs:

- full records (`get-formality-by-citizen` JSON: one object per file, or an array)
  -> procedure + a published version with channels, fees, cases and documents;
- the light list (`names.jsonl`: code, name, level, field, agency, ...) ->
  procedures with what is known, published with an empty version.

Each record is mapped and checked in Python first (nothing touches the database
for a record that is wrong), then written in its own transaction. A record whose
mapped content did not change since the last import is left alone (a content hash
is kept on the procedure). A changed one is updated in place when only what
describes the procedure changed (name, agencies, legal bases, results); when its
channels, fees, cases, documents or steps changed it gets a new published version
and its previous version is retired. Strings are normalised to NFC: the portal mixes
precomposed and decomposed Vietnamese.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import connection, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from procedures.constants import (
    DEFAULT_CASE_NAME,
    AgencyKind,
    ChannelMethod,
    FeeKind,
    Level,
    OnlineLevel,
    TimeUnit,
    VersionStatus,
)
from procedures.models import (
    Agency,
    Case,
    Channel,
    Fee,
    Field,
    FormField,
    LegalBasis,
    Procedure,
    ProcedureResult,
    ProcedureVersion,
    RequiredDocument,
    WorkflowStep,
)
from procedures.services import (
    catalogue_cache_clear,
    catalogue_changes_batched,
    procedure_version_publish,
    steps_error,
)

METHODS = {
    "ONLINE": ChannelMethod.ONLINE,
    "DIRECT": ChannelMethod.DIRECT,
    "POSTAL": ChannelMethod.POSTAL,
}
UNITS = {
    "WORKING_DAY": TimeUnit.WORKING_DAY,
    "DAY": TimeUnit.DAY,
    "HOUR": TimeUnit.HOUR,
    "MONTH": TimeUnit.MONTH,
    "OTHER": TimeUnit.UNSPECIFIED,
}
FEE_TYPES = {"FEE": FeeKind.FEE, "SERVICE_FEE": FeeKind.CHARGE}
CURRENCIES = {"": "VND", "việt nam đồng": "VND", "vnd": "VND", "đồng": "VND", "usd": "USD"}
LEVEL_TEXT = {
    "cấp bộ": Level.MINISTRY,
    "cấp tỉnh": Level.PROVINCE,
    "cấp xã": Level.WARD,
    "cơ quan khác": Level.OTHER,
}
MAPPING_VERSION = 2
CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{2,29}$")
MAX_TIME = Decimal(3650)
# Data, not UI text: the national catalogue is in Vietnamese.


class RecordError(Exception):
    """A record that cannot be imported; the message says what is wrong."""


@dataclass
class Failure:
    source: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.source} [{self.code or '?'}]: {self.message}"


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: list[Failure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.failures)

    def summary(self) -> str:
        return _(
            "created %(created)d, updated %(updated)d, unchanged %(unchanged)d, failed %(failed)d"
        ) % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
        }


# --- reading ---------------------------------------------------------------------------


def _nfc(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {k: _nfc(v) for k, v in value.items()}
    return value


def _text(value, limit: int | None = None) -> str:
    """Trimmed NFC text with runs of spaces collapsed (newlines kept)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    lines = [
        re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in value.replace("\r", "").split("\n")
    ]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text[:limit] if limit else text


def _line(value, limit: int | None = None) -> str:
    return " ".join(_text(value).split())[: limit or None]


def iter_json_records(paths: Iterable[str | Path]) -> Iterator[tuple[str, dict | Exception]]:
    """(source label, record or the error reading it) for every record in `paths`."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.json") if p.is_file())
        elif path.exists():
            files = [path]
        else:
            yield str(path), RecordError(_("No such file or folder."))
            continue
        for file in files:
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                yield str(file), RecordError(_("Not valid JSON: %(error)s") % {"error": exc})
                continue
            if isinstance(data, list):
                for index, item in enumerate(data):
                    yield f"{file}[{index}]", item
            else:
                yield str(file), data


def iter_names(path: str | Path) -> Iterator[tuple[str, dict | Exception]]:
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        yield str(path), RecordError(str(exc))
        return
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield f"{path}:{number}", json.loads(line)
            except json.JSONDecodeError as exc:
                yield (
                    f"{path}:{number}",
                    RecordError(_("Not valid JSON: %(error)s") % {"error": exc}),
                )


# --- mapping ---------------------------------------------------------------------------


def _number(value, what: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise RecordError(_("%(what)s is missing or not a number.") % {"what": what})
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise RecordError(
            _("%(what)s is not a number: %(value)r.") % {"what": what, "value": value}
        ) from exc
    if not number.is_finite():
        raise RecordError(
            _("%(what)s is not a number: %(value)r.") % {"what": what, "value": value}
        )
    if number < 0:
        raise RecordError(_("%(what)s is negative: %(value)s.") % {"what": what, "value": value})
    return number


def _code_and_name(record: dict) -> tuple[str, str]:
    if not isinstance(record, dict):
        raise RecordError(_("A record must be a JSON object."))
    code = _line(record.get("code"))
    name = _line(record.get("name"), 1000)
    if not code:
        raise RecordError(_("The procedure code is missing."))
    if not CODE_RE.match(code):
        raise RecordError(_("“%(code)s” is not a procedure code.") % {"code": code[:40]})
    if not name:
        raise RecordError(_("The procedure name is missing."))
    return code, name


def _agencies(items) -> list[dict]:
    result, seen = [], set()
    for item in items or []:
        code, name = _line(item.get("code"), 40), _line(item.get("name"), 300)
        if code and name and code not in seen:
            seen.add(code)
            result.append({"code": code, "name": name})
    return result


# Unit groups name a kind of agency, not one agency ("Ủy ban nhân dân cấp xã"); they
# carry an id but no code. The national records that name such a group among their
# departments give it these codes; a group not listed gets "UG-" + its id.
UNIT_GROUP_CODES = {
    "uy ban nhan dan cap tinh": "UBNDCT",
    "chu tich uy ban nhan dan cap tinh": "CTUBNDT",
    "uy ban nhan dan cap xa": "UBNDCX",
    "chu tich uy ban nhan dan cap xa": "CTUBNDX",
    "chu tich uy ban nhan dan xa": "CTUBNDX",
}


def _unit_groups(items) -> list[dict]:
    result, seen = [], set()
    for item in items or []:
        name = _line(item.get("name"), 300)
        if not name:
            continue
        code = UNIT_GROUP_CODES.get(_plain(name)) or _line(f"UG-{item.get('id') or ''}", 40)
        if code != "UG-" and code not in seen:
            seen.add(code)
            result.append({"code": code, "name": name})
    return result


def _record_agencies(record: dict, role: str) -> list[dict]:
    """The agencies of one role ("Authority": competent, "Executing") of a national
    record: its departments, or, when it names none, its unit groups. Records name
    the deciding and the executing agency in either list (3.000365: a department;
    1.010282: only the group "Ủy ban nhân dân cấp tỉnh")."""
    return _agencies(record.get(f"departments{role}")) or _unit_groups(
        record.get(f"unitGroups{role}")
    )


def _plain(text: str) -> str:
    """Accent-free, lower-case, single-spaced: for comparing agency names."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return " ".join(text.split())


def _channels(methods) -> list[dict]:
    if not isinstance(methods, list):
        raise RecordError(_("executionMethods must be a list."))
    values_by_unit = {}
    for m in methods:
        values_by_unit.setdefault(m.get("processingTime"), set()).add(m.get("processingTimeUnit"))
    channels = []
    for position, m in enumerate(methods):
        method = METHODS.get(m.get("submissionMethod"))
        if method is None:
            raise RecordError(
                _("Unknown submission method %(value)r.") % {"value": m.get("submissionMethod")}
            )
        unit = UNITS.get(m.get("processingTimeUnit"))
        if unit is None:
            raise RecordError(
                _("Unknown processing time unit %(value)r.")
                % {"value": m.get("processingTimeUnit")}
            )
        time = _number(m.get("processingTime"), _("The processing time"))
        if time > MAX_TIME:
            raise RecordError(
                _("The processing time %(value)s is not plausible.") % {"value": time}
            )
        if unit == TimeUnit.HOUR and time > 24:
            # Known quirk (1.014525): "110 HOUR" next to "110 DAY" on the other channels
            # is a typo for days; follow the other channels' unit.
            others = values_by_unit.get(m.get("processingTime"), set()) - {"HOUR"}
            if len(others) == 1:
                unit = UNITS.get(others.pop(), unit)
        if unit == TimeUnit.UNSPECIFIED:
            time = None
        fees = []
        for fee_position, fee in enumerate(m.get("fees") or []):
            kind = FEE_TYPES.get(fee.get("type"))
            if kind is None:
                raise RecordError(_("Unknown fee type %(value)r.") % {"value": fee.get("type")})
            value = _number(fee.get("value", 0), _("The fee"))
            description = _text(fee.get("description"))
            currency = CURRENCIES.get(_line(fee.get("currencyName")).lower())
            if currency is None:
                raise RecordError(
                    _("Unknown currency %(value)r.") % {"value": fee.get("currencyName")}
                )
            if value > 0:
                amount = int(value)
            elif not description or "miễn" in description.lower():
                amount = 0  # free
            else:
                amount = None  # the amount is set elsewhere: the description says where
            fees.append(
                {
                    "kind": kind,
                    "amount": amount,
                    "currency": currency,
                    "description": description,
                    "position": fee_position,
                }
            )
        channels.append(
            {
                "method": method,
                "processing_time": None if time is None else str(time.normalize()),
                "unit": unit,
                "description": _text(m.get("description")),
                "position": position,
                "fees": fees,
            }
        )
    return channels


def _cases(record: dict) -> list[dict]:
    cases = []
    named = [c for c in record.get("cases") or [] if isinstance(c, dict)]
    unique_named = list({_line(c.get("code")) or _line(c.get("name")): c for c in named}.values())
    execution = record.get("executionCases") or []
    for position, ec in enumerate(execution):
        name = _line(ec.get("name"), 1000)
        code = ""
        if len(unique_named) == len(execution):
            code = _line(unique_named[position].get("code"), 60)
            name = name or _line(unique_named[position].get("name"), 1000)
        documents = []
        for doc_position, pc in enumerate(ec.get("profileComponents") or []):
            if pc.get("isProcessingResult"):
                continue  # the result of the procedure, not something the applicant brings
            doc_name = _text(pc.get("name"))
            if not doc_name:
                raise RecordError(_("A required document has no name."))
            attachments = pc.get("attachments") or []
            documents.append(
                {
                    "code": _line(pc.get("code"), 100),
                    "name": doc_name,
                    "originals": int(
                        _number(pc.get("originalQty") or 0, _("The number of originals"))
                    ),
                    "copies": int(_number(pc.get("copyQty") or 0, _("The number of copies"))),
                    "is_required": bool(pc.get("required")),
                    "has_electronic_form": bool(pc.get("hasElectronicForm")),
                    "template_name": _line(attachments[0].get("fileName"), 300)
                    if attachments
                    else "",
                    "position": doc_position,
                }
            )
        cases.append(
            {
                "code": code,
                "name": name or DEFAULT_CASE_NAME,
                "position": position,
                "documents": documents,
            }
        )
    return cases


def map_national(record: dict) -> dict:
    """The catalogue content of one national record, as plain data (raises RecordError)."""
    record = _nfc(record)
    code, name = _code_and_name(record)
    categories = record.get("categoriesDetails") or (
        [record["category"]] if record.get("category") else []
    )
    field_data = None
    for category in categories:
        if _line(category.get("code")) and _line(category.get("name")):
            field_data = {"code": _line(category["code"], 60), "name": _line(category["name"], 300)}
            break
    levels = [
        level
        for flag, level in (
            ("isMinistry", Level.MINISTRY),
            ("isProvince", Level.PROVINCE),
            ("isWard", Level.WARD),
            ("isOtherAgency", Level.OTHER),
        )
        if record.get(flag)
    ]
    channels = _channels(record.get("executionMethods") or [])
    if record.get("isFullProcess"):
        online = OnlineLevel.FULL
    elif not record.get("isOfflineOnly") and any(
        c["method"] == ChannelMethod.ONLINE for c in channels
    ):
        online = OnlineLevel.PARTIAL
    else:
        online = OnlineLevel.NONE
    agency_text = _line(record.get("executingAgencies"), 1000) or ", ".join(
        _line(g.get("name")) for g in record.get("unitGroupsExecuting") or []
    )
    keywords = _line(record.get("keywords"), 500)
    legal, seen = [], set()
    for item in record.get("legalBasisesDetails") or []:
        number, title = _line(item.get("code"), 200), _line(item.get("name"), 1000)
        if (number, title) not in seen and (number or title):
            seen.add((number, title))
            legal.append({"number": number or title[:200], "title": title})
    proposal = record.get("procedureProposal") or {}
    return {
        "code": code,
        "name": name,
        "field": field_data,
        "levels": levels,
        "subjects": [
            _line(s.get("name"), 200)
            for s in record.get("subjectTypesDetails") or []
            if _line(s.get("name"))
        ],
        "competent": _record_agencies(record, "Authority"),
        "executing": _record_agencies(record, "Executing"),
        "agency_text": agency_text[:1000],
        "requirements": _text(record.get("requirementsAndConditions") or record.get("description")),
        "online_level": online,
        "keywords": "" if keywords.lower() == name.lower() else keywords,
        "decision_number": _line(proposal.get("proposalNumber") or record.get("decisionNo"), 200),
        "legal_bases": legal,
        "results": [
            {"code": _line(r.get("code"), 100), "name": _line(r.get("name"), 1000)}
            for r in record.get("resultsDetails") or []
            if _line(r.get("name"))
        ],
        "channels": channels,
        "cases": _cases(record),
        "steps_description": _steps(record.get("executionSteps") or []),
        "source": Procedure.Source.NATIONAL,
        # Part of the content hash: bumped when the same record should become other
        # rows (as when agencies came to be linked to the city's own), so that the next
        # import applies the new mapping to catalogues imported before; unchanged
        # channels and cases keep their version (`apply_record`).
        "mapping": MAPPING_VERSION,
    }


def _steps(steps) -> list[str]:
    texts = []
    for step in steps:
        parts = [_line(step.get("name")), _text(step.get("description"))]
        text = "\n".join(p for p in parts if p)
        if text:
            texts.append(text)
    return texts


def _split_subjects(text: str) -> list[str]:
    """Split "A, B (x, y), C" on the commas outside parentheses."""
    parts, depth, current = [], 0, []
    for char in text:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth <= 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [_line(p, 200) for p in parts if _line(p)]


def map_name(record: dict) -> dict:
    record = _nfc(record)
    code, name = _code_and_name(record)
    levels = []
    for part in _line(record.get("level")).split(","):
        level = LEVEL_TEXT.get(part.strip().lower())
        if level and level not in levels:
            levels.append(level)
    field_name = _line(record.get("field"), 300)
    return {
        "code": code,
        "name": name,
        "field": {"code": None, "name": field_name} if field_name else None,
        "levels": levels,
        "subjects": _split_subjects(_line(record.get("subjects"))),
        "competent": [],
        "executing": [],
        "agency_text": _line(record.get("agency"), 1000),
        "requirements": "",
        "online_level": OnlineLevel.NONE,
        "keywords": "",
        "decision_number": _line(record.get("decision"), 200),
        "legal_bases": [],
        "results": [],
        "channels": [],
        "cases": [],
        "steps_description": [],
        "source": Procedure.Source.NAMES,
    }


def content_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# --- writing ---------------------------------------------------------------------------


def _field(data: dict | None) -> Field | None:
    if not data:
        return None
    if data["code"]:
        obj, _created = Field.objects.get_or_create(
            code=data["code"], defaults={"name": data["name"]}
        )
        return obj
    # The light list names fields without codes: reuse a field of that name, else
    # make a stable code from the name.
    existing = Field.objects.filter(name__iexact=data["name"]).order_by("pk").first()
    if existing:
        return existing
    code = "LV-" + slugify(data["name"].replace("đ", "d").replace("Đ", "D"))[:55]
    obj, _created = Field.objects.get_or_create(code=code, defaults={"name": data["name"]})
    return obj


# How a national record names a local agency: the province's (here: the city's)
# People's Committee or its chair, the commune's or its chair, "Sở …" of whichever
# province the record was written for ("Sở Nội vụ Thành phố Hà Nội", H26.10).
PROVINCE_ROLE_RE = re.compile(r"^(chu tich )?uy ban nhan dan (cap )?tinh$")
COMMUNE_ROLE_RE = re.compile(r"^(chu tich )?uy ban nhan dan (cap )?xa$")
PROVINCE_NAME_SUFFIX_RE = re.compile(r" (thanh pho|tinh) .*$")


def _local_agencies(item: dict) -> list[Agency]:
    """The agencies of this city that a national record's agency stands for, or [].

    The national catalogue is written for every province: its "Ủy ban nhân dân cấp
    tỉnh" is the city's People's Committee here, "Ủy ban nhân dân cấp xã" every ward
    and commune (each one decides the dossiers filed with it), and a "Sở …" the city's
    department of that name, whichever province's department the record happens to
    cite. Only agencies already in the agency tree are returned: the importer never
    guesses the tree."""
    name = _plain(item["name"])
    active = Agency.objects.filter(is_active=True)
    if PROVINCE_ROLE_RE.match(name) or item["code"] in ("UBNDCT", "CTUBNDT"):
        return list(active.filter(kind=AgencyKind.CITY).order_by("code"))
    if COMMUNE_ROLE_RE.match(name) or item["code"] in ("UBNDCX", "CTUBNDX"):
        return list(active.filter(kind__in=(AgencyKind.WARD, AgencyKind.COMMUNE)).order_by("code"))
    if name.startswith("so "):
        wanted = PROVINCE_NAME_SUFFIX_RE.sub("", name)
        return [
            agency
            for agency in active.filter(kind=AgencyKind.DEPARTMENT).order_by("code")
            if _plain(agency.name) == wanted
        ][:1]
    return []


def _agency_list(items: list[dict]) -> list[Agency]:
    """The agencies to link for a record's list: each item's agencies of this city
    (`_local_agencies`), else the agency with the item's code, created as a unit
    outside the city's tree when new (ministries, the police, schools)."""
    result: dict[int, Agency] = {}
    for item in items:
        for agency in _local_agencies(item) or [_agency(item)]:
            result.setdefault(agency.pk, agency)
    return list(result.values())


def _agency(item: dict) -> Agency:
    code = item["code"]
    kind = AgencyKind.MINISTRY if re.fullmatch(r"G\d+", code) else AgencyKind.OTHER
    obj, _created = Agency.objects.get_or_create(
        code=code, defaults={"name": item["name"], "kind": kind}
    )
    return obj


def _write_version_content(version: ProcedureVersion, data: dict) -> None:
    for channel_data in data["channels"]:
        fees = channel_data["fees"]
        channel = Channel.objects.create(
            version=version,
            **{k: v for k, v in channel_data.items() if k != "fees"},
        )
        Fee.objects.bulk_create(Fee(channel=channel, **fee) for fee in fees)
    for case_data in data["cases"]:
        documents = case_data["documents"]
        case = Case.objects.create(
            version=version, **{k: v for k, v in case_data.items() if k != "documents"}
        )
        RequiredDocument.objects.bulk_create(RequiredDocument(case=case, **d) for d in documents)


def _procedure_values(data: dict, *, field, digest: str) -> dict:
    """The procedure row's columns from a mapped record (its code apart)."""
    return {
        "name": data["name"],
        "field": field,
        "levels": data["levels"],
        "subjects": data["subjects"],
        "agency_text": data["agency_text"],
        "requirements": data["requirements"],
        "online_level": data["online_level"],
        "keywords": data["keywords"],
        "decision_number": data["decision_number"],
        "source": data["source"],
        "source_hash": digest,
    }


def _first_version(procedure: Procedure, data: dict) -> ProcedureVersion:
    """A new procedure's first version, published at once (nothing to retire), unsaved."""
    return ProcedureVersion(
        procedure=procedure,
        number=1,
        status=VersionStatus.PUBLISHED,
        steps_description=data["steps_description"],
        published_at=procedure.created_at,
    )


def apply_record(data: dict, report: Report, *, keep_national: bool = False) -> str:
    """Write one mapped record in one transaction; returns created/updated/unchanged."""
    digest = content_hash(data)
    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().filter(code=data["code"]).first()
        if procedure is not None:
            if procedure.source_hash == digest:
                return "unchanged"
            if keep_national and procedure.source == Procedure.Source.NATIONAL:
                return "unchanged"  # the full record knows more than the light list
        values = _procedure_values(data, field=_field(data["field"]), digest=digest)
        created = procedure is None
        if created:
            procedure = Procedure.objects.create(code=data["code"], **values)
        else:
            for name, value in values.items():
                setattr(procedure, name, value)
            procedure.save()
            procedure.legal_bases.all().delete()
            procedure.results.all().delete()
        if data["competent"] or not created:
            procedure.competent_agencies.set(_agency_list(data["competent"]))
        if data["executing"] or not created:
            procedure.executing_agencies.set(_agency_list(data["executing"]))
        LegalBasis.objects.bulk_create(
            LegalBasis(procedure=procedure, position=i, **item)
            for i, item in enumerate(data["legal_bases"])
        )
        ProcedureResult.objects.bulk_create(
            ProcedureResult(procedure=procedure, position=i, **item)
            for i, item in enumerate(data["results"])
        )

        if created:
            # Nothing to retire and nothing local to carry over: publish directly.
            version = _first_version(procedure, data)
            version.save()
            _write_version_content(version, data)
            return "created"

        previous = procedure.versions.filter(status=VersionStatus.PUBLISHED).first()
        if previous is not None and version_content(previous) == version_content_of(data):
            # Only what describes the procedure changed (name, agencies, legal bases):
            # dossiers keep being filed against the version they know.
            return "updated"
        drafts = procedure.versions.filter(status=VersionStatus.DRAFT)
        number = (
            procedure.versions.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        if drafts.exists():
            report.warnings.append(
                _("%(code)s: an open draft stays a draft beside the imported version.")
                % {"code": data["code"]}
            )
        version = ProcedureVersion.objects.create(
            procedure=procedure, number=number, steps_description=data["steps_description"]
        )
        _write_version_content(version, data)
        if previous is not None:
            # The national record has no declaration form and no internal workflow:
            # keep the ones the city built, if the workflow still fits the new time.
            fields = list(previous.form_fields.all())
            for f in fields:
                f.pk, f.version = None, version
            FormField.objects.bulk_create(fields)
            steps = list(previous.steps.all())
            if steps and steps_error(channels=list(version.channels.all()), steps=steps) is None:
                for s in steps:
                    s.pk, s.version = None, version
                WorkflowStep.objects.bulk_create(steps)
            elif steps:
                report.warnings.append(
                    _("%(code)s: the processing time changed; define the workflow steps again.")
                    % {"code": data["code"]}
                )
        procedure_version_publish(version=version)
        return "updated"


VERSION_KEYS = ("channels", "cases", "steps_description")


def version_content_of(data: dict) -> dict:
    """The part of a mapped record that a procedure version holds."""
    return json.loads(json.dumps({key: data[key] for key in VERSION_KEYS}))


def version_content(version: ProcedureVersion) -> dict:
    """What `version` holds, in the shape `map_national` gives it (for comparing)."""
    channels = [
        {
            "method": c.method,
            "processing_time": None
            if c.processing_time is None
            else str(c.processing_time.normalize()),
            "unit": c.unit,
            "description": c.description,
            "position": c.position,
            "fees": [
                {
                    "kind": f.kind,
                    "amount": f.amount,
                    "currency": f.currency,
                    "description": f.description,
                    "position": f.position,
                }
                for f in c.fees.all()
            ],
        }
        for c in version.channels.prefetch_related("fees")
    ]
    cases = [
        {
            "code": c.code,
            "name": c.name,
            "position": c.position,
            "documents": [
                {
                    "code": d.code,
                    "name": d.name,
                    "originals": d.originals,
                    "copies": d.copies,
                    "is_required": d.is_required,
                    "has_electronic_form": d.has_electronic_form,
                    "template_name": d.template_name,
                    "position": d.position,
                }
                for d in c.documents.all()
            ],
        }
        for c in version.cases.prefetch_related("documents")
    ]
    return version_content_of(
        {"channels": channels, "cases": cases, "steps_description": version.steps_description}
    )


def import_records(records, mapper, report: Report | None = None, *, keep_national=False) -> Report:
    report = report or Report()
    # One query up front so that re-importing an unchanged catalogue costs no
    # transaction per record (apply_record re-checks under a row lock anyway).
    known = {
        code: (digest, origin)
        for code, digest, origin in Procedure.objects.values_list("code", "source_hash", "source")
    }
    with catalogue_changes_batched():
        _import_each(records, mapper, report, known, keep_national=keep_national)
    if report.created or report.updated:
        catalogue_analyze()
    return report


def _import_each(records, mapper, report: Report, known: dict, *, keep_national: bool) -> None:
    batch = _NewLightRecords(report, keep_national=keep_national)
    for source, record in records:
        code = record.get("code", "") if isinstance(record, dict) else ""
        code = _line(code)[:40] if isinstance(code, str) else str(code)[:40]
        try:
            if isinstance(record, Exception):
                raise record
            data = mapper(record)
            digest, origin = known.get(data["code"], (None, None))
            if digest == content_hash(data) or (
                keep_national and origin == Procedure.Source.NATIONAL
            ):
                report.unchanged += 1
                continue
            if digest is None and origin is None and batch.takes(source, data):
                continue
            batch.flush()  # the records before this one are written first
            outcome = apply_record(data, report, keep_national=keep_national)
        except RecordError as exc:
            report.failures.append(Failure(source, code, str(exc)))
            continue
        except Exception as exc:
            report.failures.append(Failure(source, code, _message(exc)))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    batch.flush()


def _message(exc: Exception) -> str:
    """A database refusal or a validation error, as the report shows it."""
    return "; ".join(getattr(exc, "messages", None) or [str(exc)])


# What a new procedure of the names list has beyond its own row and its first version.
_LIGHT_EMPTY = ("competent", "executing", "legal_bases", "results", "channels", "cases")


class _NewLightRecords:
    """New procedures that are only a row and a published first version (the names
    list: ~2,600 of them), written a few hundred at a time in one statement per table
    instead of one transaction of six statements each. What `apply_record` would
    write for each; a batch the database refuses (a code twice, a value too long) is
    written again one record at a time, so that the report names the records at fault."""

    SIZE = 500

    def __init__(self, report: Report, *, keep_national: bool):
        self.report = report
        self.keep_national = keep_national
        self.pending: dict[str, tuple[str, dict]] = {}
        self.fields: dict[str, Field | None] = {}

    def takes(self, source: str, data: dict) -> bool:
        if any(data[key] for key in _LIGHT_EMPTY) or data["code"] in self.pending:
            return False
        self.pending[data["code"]] = (source, data)
        if len(self.pending) >= self.SIZE:
            self.flush()
        return True

    def flush(self) -> None:
        records, self.pending = list(self.pending.values()), {}
        if not records:
            return
        try:
            with transaction.atomic():
                self._write([data for _source, data in records])
        except Exception:  # each record again, on its own, so that the report names it
            for source, data in records:
                try:
                    outcome = apply_record(data, self.report, keep_national=self.keep_national)
                except Exception as exc:
                    self.report.failures.append(Failure(source, data["code"], _message(exc)))
                    continue
                setattr(self.report, outcome, getattr(self.report, outcome) + 1)
            return
        self.report.created += len(records)

    def _write(self, records: list[dict]) -> None:
        procedures = Procedure.objects.bulk_create(
            Procedure(
                code=data["code"],
                **_procedure_values(
                    data, field=self._field(data["field"]), digest=content_hash(data)
                ),
            )
            for data in records
        )
        ProcedureVersion.objects.bulk_create(
            _first_version(procedure, data)
            for procedure, data in zip(procedures, records, strict=True)
        )
        # Bulk writes send no signals: the catalogue's cache is retired here.
        catalogue_cache_clear()

    def _field(self, data: dict | None) -> Field | None:
        key = json.dumps(data, sort_keys=True)
        if key not in self.fields:
            self.fields[key] = _field(data)
        return self.fields[key]


def catalogue_analyze() -> None:
    """Refresh the planner's statistics of the searched tables after a bulk import.

    Without them (autovacuum has not come by yet) PostgreSQL believes the version
    table nearly empty and drives the search from it, probing every procedure by
    primary key, a plan several times slower than the one it picks after ANALYZE.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE procedures_procedure, procedures_procedureversion")


def import_paths(paths: Iterable[str | Path], report: Report | None = None) -> Report:
    return import_records(iter_json_records(paths), map_national, report)


def import_names(path: str | Path, report: Report | None = None) -> Report:
    return import_records(iter_names(path), map_name, report, keep_national=True)
