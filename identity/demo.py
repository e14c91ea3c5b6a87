"""Demo accounts, a demo business and the local population registry. Never run against
production data.

Memberships name agencies of the demo agency tree (procedures.demo) by their national
codes: 000.00.11.H29 is a city department (Sở Tư pháp) and 000.20.01.H29 a ward
(Phường Sài Gòn).
"""

import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from identity import services
from identity.constants import BusinessRole, OfficialRole, Sex, VerificationLevel
from identity.models import Business, BusinessMembership, RegistryResident
from identity.validators import CENTURY_SEX_DIGITS, province_codes, tax_code_check_digit
from procedures.models import Agency

DEPARTMENT_CODE = "000.00.11.H29"  # Sở Tư pháp (city department)
WARD_CODE = "000.20.01.H29"  # a ward (phường)
REGISTRY_SIZE = 300


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str
    sign_in_with: str = ""  # what to type at sign-in, when not the username
    is_staff: bool = False
    is_superuser: bool = False
    memberships: tuple[tuple[str, str], ...] = ()
    id_number: str = ""
    birth_date: datetime.date | None = None
    sex: str = ""
    phone: str = ""
    verified: bool = field(default=False)


DEMO_ACCOUNTS = (
    DemoAccount(
        "admin", "Quản trị hệ thống", "superuser (Django admin)", is_staff=True, is_superuser=True
    ),
    DemoAccount(
        "congdan",
        "Phạm Thu Hà",
        "citizen, level 2 (registry-verified)",
        sign_in_with="079190000123",
        id_number="079190000123",
        birth_date=datetime.date(1990, 5, 12),
        sex=Sex.FEMALE,
        phone="0912000001",
        verified=True,
    ),
    DemoAccount(
        "congdan2",
        "Ngô Văn Bình",
        "citizen, level 1 (not yet verified)",
        sign_in_with="001085000456",
        id_number="001085000456",
        birth_date=datetime.date(1985, 9, 2),
        sex=Sex.MALE,
        phone="0912000002",
    ),
    DemoAccount(
        "tiepnhan",
        "Nguyễn Thị Lan",
        "receptionist, Sở Tư pháp",
        memberships=((DEPARTMENT_CODE, OfficialRole.RECEPTIONIST),),
    ),
    DemoAccount(
        "chuyenvien",
        "Trần Văn Minh",
        "specialist, Sở Tư pháp",
        memberships=((DEPARTMENT_CODE, OfficialRole.SPECIALIST),),
    ),
    DemoAccount(
        "chuyenvien2",
        "Đặng Thị Kim Oanh",
        "second specialist, Sở Tư pháp",
        memberships=((DEPARTMENT_CODE, OfficialRole.SPECIALIST),),
    ),
    DemoAccount(
        "lanhdao",
        "Lê Hoàng Nam",
        "leader, Sở Tư pháp",
        memberships=((DEPARTMENT_CODE, OfficialRole.LEADER),),
    ),
    DemoAccount(
        "quantri",
        "Đỗ Thị Mai",
        "agency admin, Sở Tư pháp",
        memberships=((DEPARTMENT_CODE, OfficialRole.AGENCY_ADMIN),),
    ),
    DemoAccount(
        "tiepnhan.phuong",
        "Võ Thị Hồng",
        "receptionist, ward",
        memberships=((WARD_CODE, OfficialRole.RECEPTIONIST),),
    ),
    DemoAccount(
        "chuyenvien.phuong",
        "Phan Quốc Huy",
        "specialist, ward",
        memberships=((WARD_CODE, OfficialRole.SPECIALIST),),
    ),
    DemoAccount(
        "chuyenvien2.phuong",
        "Lý Minh Tuấn",
        "second specialist, ward",
        memberships=((WARD_CODE, OfficialRole.SPECIALIST),),
    ),
    DemoAccount(
        "lanhdao.phuong",
        "Bùi Đức Thắng",
        "leader, ward",
        memberships=((WARD_CODE, OfficialRole.LEADER),),
    ),
    DemoAccount(
        "quantri.phuong",
        "Hoàng Thị Thu",
        "agency admin, ward",
        memberships=((WARD_CODE, OfficialRole.AGENCY_ADMIN),),
    ),
)

DEMO_BUSINESS_NAME = "Công ty TNHH Dịch vụ Một Cửa Demo"


def demo_enterprise_code() -> str:
    first_nine = "031200001"
    while tax_code_check_digit(first_nine) is None:  # pragma: no cover - fixed input
        first_nine = f"{int(first_nine) + 1:09d}"
    return first_nine + str(tax_code_check_digit(first_nine))


# Also used by the bulk generator (loadtest.generator): one list of names for all fake people.
FAMILY_NAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLE_NAMES = {
    Sex.MALE: ["Văn", "Hữu", "Đức", "Quốc", "Minh"],
    Sex.FEMALE: ["Thị", "Ngọc", "Thu", "Thanh", "Mỹ"],
}
GIVEN_NAMES = {
    Sex.MALE: ["An", "Bảo", "Cường", "Dũng", "Hải", "Khoa", "Long", "Nam", "Phúc", "Tài"],
    Sex.FEMALE: ["Anh", "Chi", "Diễm", "Giang", "Hà", "Hương", "Lan", "Linh", "Mai", "Trang"],
}
STREETS = ["Lê Lợi", "Nguyễn Huệ", "Hai Bà Trưng", "Pasteur", "Điện Biên Phủ", "Cách Mạng Tháng 8"]


def fake_name(rng, sex: str | None = None) -> str:
    """A plausible Vietnamese full name (family, middle, given) for invented people."""
    sex = sex or rng.choice(list(MIDDLE_NAMES))
    return (
        f"{rng.choice(FAMILY_NAMES)} {rng.choice(MIDDLE_NAMES[sex])} {rng.choice(GIVEN_NAMES[sex])}"
    )


def demo_residents(count: int = REGISTRY_SIZE) -> list[dict]:
    """Deterministic, structurally valid residents for the local registry."""
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    provinces = sorted(province_codes())
    digits = {value: key for key, value in CENTURY_SEX_DIGITS.items()}
    residents = []
    for account in DEMO_ACCOUNTS:
        if account.id_number:
            residents.append(
                {
                    "id_number": account.id_number,
                    "full_name": account.full_name,
                    "birth_date": account.birth_date,
                    "sex": account.sex,
                    "permanent_address": "12 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh",
                }
            )
    while len(residents) < count:
        sex = rng.choice([Sex.MALE, Sex.FEMALE])
        birth = datetime.date(rng.randint(1945, 2007), rng.randint(1, 12), rng.randint(1, 28))
        century = 1900 if birth.year < 2000 else 2000
        id_number = (
            f"{rng.choice(provinces)}{digits[(century, sex)]}{birth.year % 100:02d}"
            f"{rng.randint(0, 999999):06d}"
        )
        if any(r["id_number"] == id_number for r in residents):
            continue
        name = fake_name(rng, sex)
        residents.append(
            {
                "id_number": id_number,
                "full_name": name,
                "birth_date": birth,
                "sex": sex,
                "permanent_address": f"{rng.randint(1, 300)} {rng.choice(STREETS)}, "
                "Thành phố Hồ Chí Minh",
            }
        )
    return residents


@transaction.atomic
def seed_registry() -> int:
    created = 0
    for resident in demo_residents():
        _obj, was_created = RegistryResident.objects.get_or_create(
            id_number=resident["id_number"], defaults=resident
        )
        created += was_created
    return created


@transaction.atomic
def seed_accounts(*, password: str) -> list[DemoAccount]:
    """Create the demo accounts that are missing; existing ones are left as they are."""
    from procedures.demo import seed_agencies

    User = get_user_model()
    seed_registry()
    # Memberships reference agencies: the demo agency tree must exist first.
    seed_agencies()
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "full_name": account.full_name,
                "email": f"{account.username}@demo.motcua.local",
                "is_staff": account.is_staff,
                "is_superuser": account.is_superuser,
                "id_number": account.id_number or None,
                "birth_date": account.birth_date,
                "sex": account.sex,
                "phone": account.phone,
            },
        )
        if not created:
            continue
        user.set_password(password)
        user.save(update_fields=["password"])
        for agency_code, role in account.memberships:
            services.official_membership_grant(
                user=user, agency=Agency.objects.get(code=agency_code), role=role
            )
        if account.verified:
            services.registry_verify(user=user)
            user.refresh_from_db()
            assert user.verification_level == VerificationLevel.REGISTRY_VERIFIED
    representative = User.objects.get(username="congdan")
    code = demo_enterprise_code()
    if not Business.objects.filter(enterprise_code=code).exists():
        business = services.business_register(
            user=representative,
            enterprise_code=code,
            name=DEMO_BUSINESS_NAME,
            legal_representative=representative.full_name,
            role=BusinessRole.REPRESENTATIVE,
        )
        staff = User.objects.get(username="congdan2")
        BusinessMembership.objects.get_or_create(
            business=business, user=staff, defaults={"role": BusinessRole.STAFF}
        )
    return list(DEMO_ACCOUNTS)
