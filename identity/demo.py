"""Demo accounts for development and the demo site. Never run against production data."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str
    is_staff: bool = False
    is_superuser: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("admin", "Quản trị hệ thống", "catalogue admin", is_staff=True, is_superuser=True),
    DemoAccount("tiepnhan", "Nguyễn Thị Lan", "one-stop desk official", is_staff=True),
    DemoAccount("chuyenvien", "Trần Văn Minh", "specialist", is_staff=True),
    DemoAccount("lanhdao", "Lê Hoàng Nam", "leader", is_staff=True),
    DemoAccount("congdan", "Phạm Thu Hà", "citizen"),
)


@transaction.atomic
def seed_accounts(*, password: str) -> list[DemoAccount]:
    """Create the demo accounts that are missing; existing ones are left as they are."""
    User = get_user_model()
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "full_name": account.full_name,
                "email": f"{account.username}@demo.motcua.local",
                "is_staff": account.is_staff,
                "is_superuser": account.is_superuser,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
    return list(DEMO_ACCOUNTS)
