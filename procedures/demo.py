"""Demo catalogue for `seed_demo`: a city agency tree, the shared national catalogue,
and a dozen common procedures made fully online with complete forms and workflows.

Idempotent: agencies are upserted by code, the import skips unchanged records, and a
procedure that already has a published version with form fields is left alone. The
first run imports ~2,600 procedures (about 15 seconds); later runs take a second or two.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from procedures import services
from procedures.constants import AgencyKind, OnlineLevel, TimeUnit, VersionStatus
from procedures.importer import Report, import_names, import_paths
from procedures.models import (
    Agency,
    Case,
    Channel,
    Fee,
    FormField,
    Procedure,
    RequiredDocument,
    WorkflowStep,
)

CITY = ("000.00.00.H29", "Ủy ban nhân dân Thành phố Hồ Chí Minh", "86 Lê Thánh Tôn, phường Sài Gòn")
DEPARTMENTS = [
    ("000.00.11.H29", "Sở Tư pháp", "141-143 Pasteur, phường Xuân Hòa"),
    ("000.00.12.H29", "Sở Xây dựng", "60 Trương Định, phường Xuân Hòa"),
    ("000.00.13.H29", "Sở Tài chính", "32 Lê Thánh Tôn, phường Sài Gòn"),
    ("000.00.14.H29", "Sở Công Thương", "163 Hai Bà Trưng, phường Xuân Hòa"),
    ("000.00.15.H29", "Sở Y tế", "59 Nguyễn Thị Minh Khai, phường Bến Thành"),
    ("000.00.16.H29", "Sở Giáo dục và Đào tạo", "66-68 Lê Thánh Tôn, phường Sài Gòn"),
    ("000.00.17.H29", "Sở Nông nghiệp và Môi trường", "63 Lý Tự Trọng, phường Sài Gòn"),
    ("000.00.18.H29", "Sở Nội vụ", "86 Lê Thánh Tôn, phường Sài Gòn"),
]
WARDS = [
    ("000.20.01.H29", "Phường Sài Gòn", "45-47 Lê Duẩn, phường Sài Gòn"),
    ("000.20.02.H29", "Phường Bến Thành", "92 Nguyễn Trãi, phường Bến Thành"),
    ("000.20.03.H29", "Phường Tân Định", "28 Trần Nhật Duật, phường Tân Định"),
    ("000.20.04.H29", "Phường Cầu Ông Lãnh", "1 Nguyễn Thái Học, phường Cầu Ông Lãnh"),
    ("000.20.05.H29", "Phường Bàn Cờ", "185 Cách Mạng Tháng Tám, phường Bàn Cờ"),
    ("000.20.06.H29", "Phường Xuân Hòa", "99 Trần Quốc Thảo, phường Xuân Hòa"),
    ("000.20.07.H29", "Phường Nhiêu Lộc", "1 Trần Văn Đang, phường Nhiêu Lộc"),
    ("000.20.08.H29", "Phường Chợ Quán", "115 Trần Hưng Đạo, phường Chợ Quán"),
    ("000.20.09.H29", "Phường An Đông", "283 An Dương Vương, phường An Đông"),
    ("000.20.10.H29", "Phường Chợ Lớn", "11 Tản Đà, phường Chợ Lớn"),
]
OPENING_HOURS = "Thứ Hai - Thứ Sáu: 7:30 - 11:30, 13:00 - 17:00"

# The applicant's own facts, filled in from the account (`FormField.prefill`).
PERSON_FIELDS = [
    ("ho_ten", "Họ, chữ đệm và tên", "Full name", "text", {"prefill": "full_name"}),
    (
        "so_dinh_danh",
        "Số định danh cá nhân",
        "Personal ID number",
        "personal_id",
        {"pattern": r"^\d{12}$", "prefill": "id_number"},
    ),
    ("ngay_sinh", "Ngày, tháng, năm sinh", "Date of birth", "date", {"prefill": "birth_date"}),
    ("dien_thoai", "Số điện thoại", "Phone number", "phone", {"prefill": "phone"}),
    ("thu_dien_tu", "Thư điện tử", "Email", "email", {"required": False, "prefill": "email"}),
    ("dia_chi", "Nơi cư trú", "Address", "address", {"prefill": "permanent_address"}),
]

# code -> (who handles it: "ward" for every ward, or the code of the one department;
# working days, fee in VND, documents, extra fields)
COMMON = {
    "1.001193": (
        "ward",
        1,
        0,
        ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"],
        [
            ("ho_ten_tre", "Họ tên của trẻ", "Child's full name", "text", {}),
            (
                "gioi_tinh_tre",
                "Giới tính của trẻ",
                "Child's sex",
                "choice",
                {"choices": ["Nam", "Nữ"]},
            ),
        ],
    ),
    "1.000894": (
        "ward",
        3,
        0,
        ["Tờ khai đăng ký kết hôn", "Giấy xác nhận tình trạng hôn nhân"],
        [("ho_ten_ben_kia", "Họ tên người cùng đăng ký", "Partner's full name", "text", {})],
    ),
    "1.000656": (
        "ward",
        1,
        0,
        ["Tờ khai đăng ký khai tử", "Giấy báo tử"],
        [("ho_ten_nguoi_chet", "Họ tên người đã chết", "Name of the deceased", "text", {})],
    ),
    "1.004873": (
        "ward",
        3,
        0,
        ["Tờ khai cấp Giấy xác nhận tình trạng hôn nhân"],
        [("muc_dich", "Mục đích sử dụng", "Purpose", "long_text", {})],
    ),
    "1.004222": (
        "ward",
        7,
        0,
        ["Tờ khai thay đổi thông tin cư trú (CT01)", "Giấy tờ chứng minh chỗ ở hợp pháp"],
        [("cho_o_moi", "Địa chỉ chỗ ở hợp pháp", "New residence address", "address", {})],
    ),
    "1.004194": (
        "ward",
        3,
        0,
        ["Tờ khai thay đổi thông tin cư trú (CT01)", "Giấy tờ chứng minh chỗ ở hợp pháp"],
        [
            (
                "thoi_han",
                "Thời hạn tạm trú (tháng)",
                "Length of stay (months)",
                "number",
                {"min_value": 1, "max_value": 24},
            )
        ],
    ),
    "1.001612": (
        "ward",
        3,
        100000,
        ["Giấy đề nghị đăng ký hộ kinh doanh", "Bản sao biên bản họp thành viên hộ gia đình"],
        [
            ("ten_ho_kinh_doanh", "Tên hộ kinh doanh", "Business name", "text", {}),
            ("nganh_nghe", "Ngành, nghề kinh doanh", "Line of business", "long_text", {}),
        ],
    ),
    "2.001583": (
        "000.00.13.H29",  # Sở Tài chính registers businesses since March 2025
        3,
        50000,
        ["Giấy đề nghị đăng ký doanh nghiệp", "Điều lệ công ty"],
        [
            ("ten_doanh_nghiep", "Tên doanh nghiệp", "Company name", "text", {}),
            (
                "von_dieu_le",
                "Vốn điều lệ (đồng)",
                "Charter capital (VND)",
                "number",
                {"min_value": 1},
            ),
        ],
    ),
    "1.013225": (
        "000.00.12.H29",  # Sở Xây dựng
        20,
        75000,
        [
            "Đơn đề nghị cấp giấy phép xây dựng",
            "Bản vẽ thiết kế xây dựng",
            "Giấy tờ về quyền sử dụng đất",
        ],
        [
            ("dia_diem", "Địa điểm xây dựng", "Building site", "address", {}),
            (
                "cap_cong_trinh",
                "Cấp công trình",
                "Structure class",
                "choice",
                {"choices": ["Cấp III", "Cấp IV"]},
            ),
        ],
    ),
    "2.000815": (
        "ward",
        1,
        2000,
        ["Bản chính giấy tờ cần chứng thực", "Bản sao cần chứng thực"],
        [("so_ban", "Số bản sao", "Number of copies", "number", {"min_value": 1, "max_value": 50})],
    ),
    "2.000884": (
        "ward",
        1,
        10000,
        ["Giấy tờ, văn bản cần chứng thực chữ ký"],
        [("loai_giay_to", "Loại giấy tờ", "Kind of document", "text", {})],
    ),
    "3.000333": (
        "000.00.11.H29",  # Sở Tư pháp
        10,
        200000,
        ["Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp"],
        [
            (
                "loai_phieu",
                "Loại phiếu",
                "Kind of record",
                "choice",
                {"choices": ["Phiếu số 1", "Phiếu số 2"]},
            )
        ],
    ),
}


def seed_agencies() -> dict[str, list[Agency]]:
    city, _ = Agency.objects.update_or_create(
        code=CITY[0],
        defaults={
            "name": CITY[1],
            "address": CITY[2],
            "kind": AgencyKind.CITY,
            "opening_hours": OPENING_HOURS,
            "is_receiving_point": True,
        },
    )
    tree = {"city": [city], "department": [], "ward": []}
    for kind, rows in (("department", DEPARTMENTS), ("ward", WARDS)):
        for code, name, address in rows:
            agency, _ = Agency.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "address": address,
                    "kind": kind,
                    "parent": city,
                    "opening_hours": OPENING_HOURS,
                    "is_receiving_point": True,
                },
            )
            tree[kind].append(agency)
    return tree


def _steps_for(days: Decimal) -> list[tuple[str, str, Decimal]]:
    if days >= 2:
        return [
            ("Tiếp nhận, kiểm tra hồ sơ", "receptionist", Decimal("0.5")),
            ("Thẩm định hồ sơ", "specialist", days - 1),
            ("Phê duyệt kết quả", "leader", Decimal("0.5")),
        ]
    return [
        ("Tiếp nhận, kiểm tra hồ sơ", "receptionist", Decimal(0)),
        ("Thẩm định hồ sơ", "specialist", days),
        ("Phê duyệt kết quả", "leader", Decimal(0)),
    ]


def _add_fields(version, extra=()):
    rows = [*PERSON_FIELDS, *extra]
    FormField.objects.bulk_create(
        FormField(
            version=version,
            key=key,
            label_vi=vi,
            label_en=en,
            type=kind,
            position=i,
            required=options.get("required", True),
            choices=options.get("choices", []),
            pattern=options.get("pattern", ""),
            min_value=options.get("min_value"),
            max_value=options.get("max_value"),
            prefill=options.get("prefill", ""),
        )
        for i, (key, vi, en, kind, options) in enumerate(rows)
    )


@transaction.atomic
def _make_common_online(procedure: Procedure, spec) -> None:
    _who, days, fee, documents, extra = spec
    draft = services.procedure_version_create_draft(procedure=procedure)
    draft.channels.all().delete()
    draft.cases.all().delete()
    draft.form_fields.all().delete()
    draft.steps.all().delete()
    for position, method in enumerate(("online", "direct", "postal")):
        channel = Channel.objects.create(
            version=draft,
            method=method,
            processing_time=days,
            unit=TimeUnit.WORKING_DAY,
            position=position,
        )
        Fee.objects.create(channel=channel, amount=fee, description="" if fee else "Miễn lệ phí")
    case = Case.objects.create(version=draft, name="Thành phần hồ sơ")
    RequiredDocument.objects.bulk_create(
        RequiredDocument(
            case=case, name=name, originals=1, position=i, accepted_types=["pdf", "jpg", "png"]
        )
        for i, name in enumerate(documents)
    )
    _add_fields(draft, extra)
    WorkflowStep.objects.bulk_create(
        WorkflowStep(version=draft, name=n, role=r, allotted_days=d, position=i)
        for i, (n, r, d) in enumerate(_steps_for(Decimal(days)))
    )
    services.procedure_version_publish(version=draft)
    procedure.online_level = OnlineLevel.FULL
    procedure.save(update_fields=["online_level", "updated_at"])


def _link_agencies(procedure: Procedure, kind: str, tree) -> None:
    """Who receives and decides a demo procedure: each ward its own residents'
    dossiers, or the one department named (not every department of the city). Set on
    every run, so that a database seeded before keeps no stale links."""
    agencies = tree["ward"] if kind == "ward" else [a for a in tree["department"] if a.code == kind]
    if set(procedure.executing_agencies.all()) != set(agencies):
        procedure.executing_agencies.set(agencies)
    if set(procedure.competent_agencies.all()) != set(agencies):
        procedure.competent_agencies.set(agencies)


@transaction.atomic
def _complete_online(procedure: Procedure, version) -> bool:
    reference = services.reference_working_days(list(version.channels.all()))
    draft = services.procedure_version_create_draft(procedure=procedure)
    _add_fields(draft)
    # Times in calendar days or "not fixed" cannot be split into working-day steps.
    if reference is not None:
        WorkflowStep.objects.bulk_create(
            WorkflowStep(version=draft, name=n, role=r, allotted_days=d, position=i)
            for i, (n, r, d) in enumerate(_steps_for(reference))
        )
    services.procedure_version_publish(version=draft)
    return True


def seed(*, stdout=None, data_dir: Path | None = None) -> Report:
    data_dir = Path(data_dir or settings.CATALOGUE_DATA_DIR)
    tree = seed_agencies()
    report = Report()
    if (data_dir / "national").is_dir():
        import_paths([data_dir / "national"], report)
    if (data_dir / "names.jsonl").is_file():
        import_names(data_dir / "names.jsonl", report)
    made = 0
    for code, spec in COMMON.items():
        procedure = Procedure.objects.filter(code=code).first()
        if procedure is None:
            continue
        _link_agencies(procedure, spec[0], tree)
        version = procedure.versions.filter(status=VersionStatus.PUBLISHED).first()
        if version is not None and version.form_fields.exists():
            continue
        if procedure.versions.filter(status=VersionStatus.DRAFT).exists():
            continue
        _make_common_online(procedure, spec)
        made += 1
    completed = 0
    online = Procedure.objects.exclude(online_level=OnlineLevel.NONE).exclude(code__in=COMMON)
    for procedure in online.prefetch_related("versions"):
        version = next(
            (v for v in procedure.versions.all() if v.status == VersionStatus.PUBLISHED), None
        )
        if version is None or version.form_fields.exists():
            continue
        if any(v.status == VersionStatus.DRAFT for v in procedure.versions.all()):
            continue
        completed += _complete_online(procedure, version)
    if stdout is not None:
        stdout.write(
            f"catalogue: {Agency.objects.count()} agencies, {Procedure.objects.count()} procedures "
            f"({report.summary()}); {made} made fully online, {completed} online forms completed"
        )
        for failure in report.failures:
            stdout.write(f"  import failed: {failure}")
    return report
