"""Demo data for `manage.py seed_demo`: each app contributes its own part, in order."""

from identity.demo import DEMO_ACCOUNTS, seed_accounts
from procedures.demo import seed as seed_catalogue

DEMO_PASSWORD = "MotCua@2026"  # noqa: S105 - published demo password, demo data only


def seed_all(*, stdout=None) -> None:
    seed_accounts(password=DEMO_PASSWORD)
    if stdout is not None:
        stdout.write(f"demo accounts: {len(DEMO_ACCOUNTS)}")
    seed_catalogue(stdout=stdout)


def account_lines() -> list[str]:
    return [f"{a.username:<12} {a.role:<24} {a.full_name}" for a in DEMO_ACCOUNTS]
