"""Before a load run: sessions for citizens and officials, and drafts to submit.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/prepare.py --out bench/.run/fixtures.json

Bench-only sign-in, without weakening production: the sessions are written straight
into the session store (Redis) by this script, which needs the server's settings and
database, exactly as `tests/helpers.py::force_login_verified` does for tests. The
officials' sessions carry a confirmed TOTP device id (the second factor), so the back
office lets them in; nothing in the running site accepts a shortcut.

CSRF: every session gets a fixed random CSRF secret; the load script sends it as the
`csrftoken` cookie and as the form token (Django accepts the unmasked secret).
"""

import argparse
import json
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.cache import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from dossiers import services  # noqa: E402
from dossiers.constants import Status  # noqa: E402
from dossiers.declaration import prefilled  # noqa: E402
from dossiers.demo import WARD_CODE, demo_upload  # noqa: E402
from dossiers.models import Dossier  # noqa: E402
from dossiers.services import receiving_agencies_for  # noqa: E402
from identity.middleware import OFFICIAL_SESSION_FLAG  # noqa: E402
from identity.models import User  # noqa: E402
from identity.selectors import applicant_facts  # noqa: E402
from procedures.models import Agency, Procedure  # noqa: E402

BACKEND = "identity.backends.IdentifierBackend"


def session_for(user, *, official=False) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if official:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store[OFFICIAL_SESSION_FLAG] = True
    store.set_expiry(3 * 3600)
    store.create()
    return store.session_key


def city_overseer():
    """The city overseer of the statistics mix: an official of the department holding
    the permission to see every agency's statistics (made once, then reused)."""
    from django.contrib.auth.models import Permission

    from identity.constants import OfficialRole
    from identity.demo import DEPARTMENT_CODE
    from identity.models import OfficialMembership
    from indicators.selectors import CITY_PERMISSION

    user, _created = User.objects.get_or_create(
        username="bench.giamsat", defaults={"full_name": "Giám sát thành phố", "password": "!"}
    )
    OfficialMembership.objects.get_or_create(
        user=user,
        agency=Agency.objects.get(code=DEPARTMENT_CODE),
        role=OfficialRole.SPECIALIST,
    )
    app_label, codename = CITY_PERMISSION.split(".")
    user.user_permissions.add(
        Permission.objects.get(codename=codename, content_type__app_label=app_label)
    )
    return user


def make_filing_ready(user) -> None:
    """Citizens generated before the generator gave them a date of birth carry none,
    and a synthetic ID number (`9` + seed + id); the portal fills the declaration from
    the account, and the declaration's checks refuse both. Such a submitting citizen
    gets a date of birth and a number of the right shape for it and its sex (province
    079), unique here. Today's generated citizens pass as they are."""
    import datetime as dt

    from identity.validators import CENTURY_SEX_DIGITS, id_number_errors

    if user.birth_date is None:
        user.birth_date = dt.date(1960 + user.pk % 40, 1 + user.pk % 12, 1 + user.pk % 28)
        User.objects.filter(pk=user.pk).update(birth_date=user.birth_date)
    birth = user.birth_date
    if not id_number_errors(user.id_number or "", birth_date=birth, sex=user.sex or None):
        return
    digit = next(
        d
        for d, (century, sex) in CENTURY_SEX_DIGITS.items()
        if century <= birth.year < century + 100 and (not user.sex or sex == user.sex)
    )
    while True:
        number = f"079{digit}{birth.year % 100:02d}{secrets.randbelow(10**6):06d}"
        if not User.objects.filter(id_number=number).exists():
            break
    User.objects.filter(pk=user.pk).update(id_number=number)
    user.id_number = number


def api_fixtures(agency, *, applicants: int = 500) -> dict:
    """A partner API client of the officials' agency (a new key each run) and what
    `--mix api-intake` files: a procedure the agency receives online whose case asks
    for no document (documents are separate calls), and existing citizens as applicants."""
    from api.clients import api_client_create
    from api.constants import Scope
    from procedures.selectors import published_versions

    issued = api_client_create(
        name=f"Bench {secrets.token_hex(3)}",
        agencies=[agency],
        scopes=[Scope.DOSSIERS_READ, Scope.DOSSIERS_WRITE, Scope.CATALOGUE_READ],
        rate="100000000/minute",
    )
    chosen = None
    for version in published_versions().select_related("procedure").order_by("procedure__code"):
        if not version.channels.filter(method="online").exists():
            continue
        if not receiving_agencies_for(version.procedure).filter(pk=agency.pk).exists():
            continue
        case = next(
            (c for c in version.cases.all() if not c.documents.filter(is_required=True).exists()),
            None,
        )
        if case is not None:
            chosen = (version, case)
            break
    if chosen is None:
        raise SystemExit(f"no procedure received online by {agency.code} asks for no document")
    version, case = chosen
    people = [
        {
            "id_number": u.id_number,
            "full_name": u.full_name,
            "birth_date": u.birth_date.isoformat(),
            "phone": "0987000111",
        }
        for u in User.objects.exclude(id_number=None)
        .exclude(id_number="")
        .exclude(birth_date=None)
        .filter(is_service_account=False, official_memberships=None)
        .order_by("pk")[:applicants]
    ]
    # Placeholders in braces are the applicant's own facts (the locust file fills them).
    declaration = {}
    for field in version.form_fields.all():
        if field.prefill in ("full_name", "id_number", "birth_date"):
            declaration[field.key] = "{" + field.prefill + "}"
            continue
        declaration[field.key] = {
            "personal_id": "{id_number}",
            "date": "{birth_date}",
            "phone": "0987000111",
            "email": "",
            "number": "1",
            "address": "12 Lê Lợi, phường Bến Nghé",
            "choice": (field.choices or [""])[0],
        }.get(field.type, "Hồ sơ đo tải")
    return {
        "key": issued.key,
        "run": secrets.token_hex(4),
        "agency": agency.code,
        "procedure": version.procedure.code,
        "case": case.code or case.name,
        "declaration": declaration,
        "applicants": people,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "bench" / ".run" / "fixtures.json"))
    parser.add_argument("--agency", default=WARD_CODE, help="The officials' agency.")
    parser.add_argument("--citizens", type=int, default=40)
    parser.add_argument("--drafts", type=int, default=300, help="Complete drafts to submit.")
    parser.add_argument(
        "--agencies",
        type=int,
        default=1,
        help="Spread the drafts over this many agencies that receive their procedure "
        "(1: all to the officials' agency, whose one code counter row every submission "
        "of the day takes in turn).",
    )
    parser.add_argument("--api", action="store_true", help="An API client and intake data.")
    args = parser.parse_args()
    began = time.monotonic()
    agency = Agency.objects.get(code=args.agency)
    officials = {
        role: User.objects.get(username=name)
        for role, name in (
            ("receptionist", "tiepnhan.phuong"),
            ("specialist", "chuyenvien.phuong"),
            ("leader", "lanhdao.phuong"),
        )
    }
    # Citizens with the most dossiers at this agency: their "My dossiers" is full.
    citizens = list(
        User.objects.filter(dossiers__receiving_agency=agency)
        .annotate(n=Count("dossiers"))
        .order_by("-n", "pk")[: args.citizens]
    )
    # A version of a procedure this agency receives, for the drafts (demo's ward one).
    template = (
        # A demo dossier that was submitted, hence has a complete declaration.
        Dossier.objects.filter(receiving_agency=agency, applicant__username="congdan")
        .exclude(submitted_at=None)
        .select_related("version__procedure", "case")
        .first()
    )
    # Codes are gap-free per agency and day, so submissions to one agency take its
    # counter row one after the other; a city's filings spread over many agencies.
    others = receiving_agencies_for(template.version.procedure).exclude(pk=agency.pk)
    receivers = [agency, *others[: args.agencies - 1]]
    if len(receivers) < args.agencies:
        parser.error(f"only {len(receivers)} agencies receive {template.version.procedure}")
    fixtures = {"citizens": [], "officials": {}, "submitted": [], "workbench": [], "codes": []}
    for user in citizens:
        refs = list(
            Dossier.objects.filter(applicant=user)
            .exclude(status__in=[Status.DRAFT, Status.DISCARDED])
            .values_list("ref", flat=True)[:5]
        )
        fixtures["citizens"].append(
            {"session": session_for(user), "dossiers": [str(r) for r in refs], "drafts": []}
        )
    made = 0
    with transaction.atomic():
        for i in range(args.drafts):
            slot = fixtures["citizens"][i % len(citizens)]
            user = citizens[i % len(citizens)]
            if i < len(citizens):
                make_filing_ready(user)
            draft = services.dossier_create_draft(
                applicant=user,
                version=template.version,
                case=template.case,
                receiving_agency=receivers[i % len(receivers)],
            )
            # The demo citizen's complete declaration, with this citizen's own facts
            # where the portal fills them in from the account (name, ID, birth date).
            data = {
                **template.form_data,
                **prefilled(template.version, applicant_facts(user)),
            }
            services.dossier_save_declaration(dossier_id=draft.pk, actor=user, data=data)
            for document in template.case.documents.all():
                services.dossier_attach_file(
                    dossier_id=draft.pk,
                    actor=user,
                    required_document_id=document.pk,
                    upload=demo_upload("giay-to.pdf", f"Bench {draft.pk}"),
                )
            if i < len(citizens):
                # A draft the site would refuse measures the refusal, not a submission.
                draft.refresh_from_db()
                problems = services.submission_problems(draft)
                if problems["declaration"] or problems["missing"]:
                    raise SystemExit(f"{user.username}'s draft could not be submitted: {problems}")
            slot["drafts"].append(str(draft.ref))
            made += 1
    officials["overseer"] = city_overseer()
    for role, user in officials.items():
        fixtures["officials"][role] = session_for(user, official=True)
    fixtures["submitted"] = [
        str(r)
        for r in Dossier.objects.filter(receiving_agency=agency, status=Status.SUBMITTED)
        .order_by("-pk")
        .values_list("ref", flat=True)[:500]
    ]
    fixtures["workbench"] = [
        str(r)
        for r in Dossier.objects.filter(receiving_agency=agency, status=Status.PROCESSING)
        .order_by("-pk")
        .values_list("ref", flat=True)[:200]
    ]
    fixtures["codes"] = list(
        Dossier.objects.filter(receiving_agency=agency)
        .exclude(code=None)
        .order_by("-pk")
        .values_list("code", flat=True)[:500]
    )
    fixtures["procedures"] = list(
        Procedure.objects.order_by("pk").values_list("code", flat=True)[:500]
    )
    fixtures["floor_ids"] = list(
        Procedure.objects.order_by("pk").values_list("pk", flat=True)[:500]
    )
    if args.api:
        fixtures["api"] = api_fixtures(agency)
    fixtures["dossiers"] = Dossier.objects.count()
    fixtures["session_cookie"] = settings.SESSION_COOKIE_NAME
    fixtures["csrf"] = secrets.token_hex(16)  # 32 characters: a CSRF secret
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(fixtures))
    print(
        f"{len(citizens)} citizen and {len(officials)} official sessions, {made} drafts "
        f"to {len(receivers)} agencies, "
        f"{len(fixtures['submitted'])} to receive, {fixtures['dossiers']} dossiers "
        f"in {time.monotonic() - began:.1f}s -> {out}"
    )


if __name__ == "__main__":
    main()
