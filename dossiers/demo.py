"""Demo data for `manage.py seed_demo`: each app contributes its own part, in order."""

from django.db import transaction

from dossiers.constants import EvaluationMoment, PaymentStatus, Status
from identity.demo import DEMO_ACCOUNTS, DEPARTMENT_CODE, WARD_CODE, seed_accounts
from procedures.demo import seed as seed_catalogue
from signing.demo import seed_signing

DEMO_PASSWORD = "MotCua@2026"  # noqa: S105 - published demo password, demo data only


def seed_all(*, stdout=None) -> None:
    seed_accounts(password=DEMO_PASSWORD)
    if stdout is not None:
        stdout.write(f"demo accounts: {len(DEMO_ACCOUNTS)}")
    seed_catalogue(stdout=stdout)
    # Before the dossiers, so that their forms and results come out signed.
    seed_signing([WARD_CODE, DEPARTMENT_CODE], stdout=stdout)
    seed_dossiers(stdout=stdout)


def account_lines() -> list[str]:
    """What `make run` prints: what to type at sign-in, the role, the name."""
    lines = [f"{'sign in with':<18} {'role':<40} name"]
    lines += [
        f"{a.sign_in_with or a.username:<18} {a.role:<40} {a.full_name}" for a in DEMO_ACCOUNTS
    ]
    lines.append("officials enrol an authenticator app (TOTP) at their first /mot-cua/ sign-in")
    return lines


# --- demo dossiers -------------------------------------------------------------------

DEMO_CITIZEN = "congdan"  # 079190000123, registry-verified
WARD_PROCEDURE = "1.004873"  # Giấy xác nhận tình trạng hôn nhân (free, ward)
DEPARTMENT_PROCEDURE = "3.000333"  # Phiếu lý lịch tư pháp (fee, Sở Tư pháp)

# (state, procedure, agency, applicant): at least one dossier in every state the
# citizen can meet, at the two demo agencies where the demo officials hold roles.
DEMO_DOSSIERS = (
    (Status.DRAFT, WARD_PROCEDURE, WARD_CODE, DEMO_CITIZEN),
    (Status.SUBMITTED, WARD_PROCEDURE, WARD_CODE, DEMO_CITIZEN),
    (Status.DESK_SUPPLEMENT, WARD_PROCEDURE, WARD_CODE, DEMO_CITIZEN),
    (Status.RECEIVED, WARD_PROCEDURE, WARD_CODE, DEMO_CITIZEN),
    (Status.PROCESSING, WARD_PROCEDURE, WARD_CODE, DEMO_CITIZEN),
    (Status.SUPPLEMENT_REQUESTED, WARD_PROCEDURE, WARD_CODE, DEMO_CITIZEN),
    (Status.WITHDRAWN, WARD_PROCEDURE, WARD_CODE, DEMO_CITIZEN),
    (Status.REFUSED, WARD_PROCEDURE, WARD_CODE, DEMO_CITIZEN),
    (Status.RETURNED, WARD_PROCEDURE, WARD_CODE, DEMO_CITIZEN),
    (Status.AWAITING_PAYMENT, DEPARTMENT_PROCEDURE, DEPARTMENT_CODE, DEMO_CITIZEN),
    (Status.AWAITING_APPROVAL, DEPARTMENT_PROCEDURE, DEPARTMENT_CODE, DEMO_CITIZEN),
    (Status.RESULT_READY, DEPARTMENT_PROCEDURE, DEPARTMENT_CODE, DEMO_CITIZEN),
    (Status.RETURNED, DEPARTMENT_PROCEDURE, DEPARTMENT_CODE, DEMO_CITIZEN),
    (Status.STOPPED, DEPARTMENT_PROCEDURE, DEPARTMENT_CODE, DEMO_CITIZEN),
    (Status.SUBMITTED, DEPARTMENT_PROCEDURE, DEPARTMENT_CODE, "congdan2"),
    (Status.PROCESSING, WARD_PROCEDURE, WARD_CODE, "congdan2"),
)

# Officials of each demo agency: (receptionist, specialist, leader).
_OFFICIALS = {
    WARD_CODE: ("tiepnhan.phuong", "chuyenvien.phuong", "lanhdao.phuong"),
    DEPARTMENT_CODE: ("tiepnhan", "chuyenvien", "lanhdao"),
}

_EXTRA = {
    WARD_PROCEDURE: {"muc_dich": "Bổ sung hồ sơ vay vốn ngân hàng"},
    DEPARTMENT_PROCEDURE: {"loai_phieu": "Phiếu số 1"},
}


def demo_pdf(text: str) -> bytes:
    """A small valid one-page PDF showing `text` (ASCII), built by hand: fast, and
    readable by any PDF viewer."""
    stream = f"BT /F1 18 Tf 72 760 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def demo_upload(name: str, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, demo_pdf(text), content_type="application/pdf")


# The declaration key that names which demo dossier a dossier is, so that seed_demo can
# tell which ones exist. Declarations keep keys that are not form fields; the portal's
# draft form drops them on save, so a demo draft the citizen saved counts as theirs.
DEMO_MARKER = "demo_seed"


def demo_key(state: str, procedure_code: str, username: str) -> str:
    """Stable across reorderings of DEMO_DOSSIERS: (state, procedure, applicant) is
    unique in the list."""
    return f"{username}/{procedure_code}/{state}"


def _declaration(user, procedure_code: str) -> dict:
    return {
        "ho_ten": user.full_name,
        "so_dinh_danh": user.id_number or "",
        "ngay_sinh": user.birth_date.isoformat() if user.birth_date else "",
        "dien_thoai": user.phone or "0912000000",
        "thu_dien_tu": user.email,
        "dia_chi": "12 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh",
        **_EXTRA.get(procedure_code, {}),
    }


def _walk(dossier, state: str, officials, applicant) -> None:
    """Bring a complete draft to `state` through the services, as the people would."""
    from dossiers import services

    receptionist, specialist, leader = officials
    pk = dossier.pk
    if state == Status.DRAFT:
        return
    services.dossier_submit(dossier_id=pk, actor=applicant)
    if state == Status.SUBMITTED:
        return  # a fee, if any, is left to pay (the Pay button shows)
    for fee in dossier.payments.filter(status=PaymentStatus.PENDING):
        services.payment_mark_paid(
            reference=fee.reference,
            amount=fee.amount,
            transaction_id=f"DEMO{fee.pk:08d}",
            gateway="dev",
        )
    if state == Status.WITHDRAWN:
        services.dossier_withdraw(dossier_id=pk, actor=applicant, reason="Tôi nộp nhầm thủ tục.")
        return
    if state == Status.DESK_SUPPLEMENT:
        services.dossier_request_supplement(
            dossier_id=pk,
            actor=receptionist,
            note="Tờ khai chưa có chữ ký của người yêu cầu; bổ sung bản có chữ ký.",
        )
        return
    if state == Status.REFUSED:
        services.dossier_refuse(
            dossier_id=pk,
            actor=receptionist,
            reason="Hồ sơ thuộc thẩm quyền của nơi đăng ký thường trú.",
        )
        return
    services.dossier_receive(dossier_id=pk, actor=receptionist)
    if state == Status.RECEIVED:
        return
    services.dossier_assign(dossier_id=pk, actor=receptionist, assignee=specialist)
    if state == Status.PROCESSING:
        return
    if state == Status.SUPPLEMENT_REQUESTED:
        services.dossier_request_supplement(
            dossier_id=pk, actor=specialist, note="Bổ sung bản sao Giấy chứng nhận kết hôn."
        )
        return
    if state == Status.AWAITING_PAYMENT:
        services.dossier_require_payment(
            dossier_id=pk, actor=specialist, amount=200000, reason="Phí cung cấp thông tin."
        )
        return
    if state == Status.STOPPED:
        services.dossier_stop(
            dossier_id=pk, actor=specialist, reason="Người yêu cầu không thuộc đối tượng."
        )
        return
    services.dossier_propose(dossier_id=pk, actor=specialist, note="Đủ điều kiện cấp.")
    if state == Status.AWAITING_APPROVAL:
        return
    services.dossier_approve(
        dossier_id=pk,
        actor=leader,
        result_upload=demo_upload("ket-qua.pdf", f"Ket qua ho so {dossier.pk}"),
    )
    if state == Status.RESULT_READY:
        return
    services.dossier_return_result(dossier_id=pk, actor=receptionist)
    services.dossier_rate(
        dossier_id=pk,
        actor=applicant,
        moment=EvaluationMoment.RESULT,
        scores={
            "overall": 5,
            "guidance": 5,
            "staff_attitude": 5,
            "transparency": 4,
            "contacts": 5,
            "timeliness": 4,
            "result_conformity": 5,
        },
        comment="Nhanh, cán bộ hướng dẫn rõ ràng.",
    )


def seed_dossiers(*, stdout=None) -> int:
    """The demo dossiers (DEMO_DOSSIERS), made through the real services so that each
    has a valid log chain. Idempotent per demo dossier: each carries its `demo_key` in
    the declaration, and only the missing ones are made, so a partly seeded database
    is completed and a fully seeded one is left untouched. Returns how many were made.

    A database seeded before the markers existed (demo citizens with dossiers, none
    marked) is taken as fully seeded, as it was then."""
    from django.contrib.auth import get_user_model

    from dossiers import services
    from dossiers.models import Dossier
    from procedures.constants import VersionStatus
    from procedures.models import Agency, ProcedureVersion

    User = get_user_model()
    usernames = {row[3] for row in DEMO_DOSSIERS}
    theirs = Dossier.objects.filter(applicant__username__in=usernames)
    present = set(
        theirs.filter(form_data__has_key=DEMO_MARKER).values_list(
            f"form_data__{DEMO_MARKER}", flat=True
        )
    )
    if not present and theirs.exists():
        return 0
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    agencies = {a.code: a for a in Agency.objects.filter(code__in=_OFFICIALS)}
    officials = {
        code: tuple(User.objects.get(username=name) for name in names)
        for code, names in _OFFICIALS.items()
    }
    versions = {
        v.procedure.code: v
        for v in ProcedureVersion.objects.filter(
            procedure__code__in=_EXTRA, status=VersionStatus.PUBLISHED
        ).select_related("procedure")
    }
    made = 0
    for state, procedure_code, agency_code, username in DEMO_DOSSIERS:
        key = demo_key(state, procedure_code, username)
        version = versions.get(procedure_code)
        if key in present or version is None or agency_code not in agencies:
            continue  # made already, or a catalogue without the demo procedures (tests)
        applicant = users[username]
        # One transaction per dossier: a failure leaves no half-walked dossier, and the
        # next run makes exactly the ones still missing.
        with transaction.atomic():
            dossier = services.dossier_create_draft(
                applicant=applicant,
                version=version,
                case=version.cases.first(),
                receiving_agency=agencies[agency_code],
            )
            services.dossier_save_declaration(
                dossier_id=dossier.pk,
                actor=applicant,
                data={**_declaration(applicant, procedure_code), DEMO_MARKER: key},
            )
            for document in dossier.case.documents.all():
                services.dossier_attach_file(
                    dossier_id=dossier.pk,
                    actor=applicant,
                    required_document_id=document.pk,
                    upload=demo_upload(f"{document.name[:60]}.pdf", f"Demo document {document.pk}"),
                )
            _walk(dossier, state, officials[agency_code], applicant)
        made += 1
    if stdout is not None:
        stdout.write(f"demo dossiers: {made} (see My dossiers of {', '.join(sorted(usernames))})")
    return made
