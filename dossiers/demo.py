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
    """What `make run` prints: what to type at sign-in, the role, the name."""
    lines = [f"{'sign in with':<18} {'role':<40} name"]
    lines += [
        f"{a.sign_in_with or a.username:<18} {a.role:<40} {a.full_name}" for a in DEMO_ACCOUNTS
    ]
    lines.append("officials enrol an authenticator app (TOTP) at their first /mot-cua/ sign-in")
    return lines
