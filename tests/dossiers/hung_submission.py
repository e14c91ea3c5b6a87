"""A submission whose process stops right after it took the agency's day code counter,
its transaction open, for the crash test in test_code_counter.py:

    python -m tests.dossiers.hung_submission DOSSIER_ID USER_ID

prints `taken <code>` and sleeps until it is killed."""

import os
import sys
import time


def main(dossier_id: int, user_id: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from dossiers.services import filing

    take = filing.dossier_code_next

    def take_and_hang(agency, moment):
        code = take(agency, moment)
        print("taken", code, flush=True)
        time.sleep(300)
        return code

    filing.dossier_code_next = take_and_hang
    user = get_user_model().objects.get(pk=user_id)
    filing.dossier_submit(dossier_id=dossier_id, actor=user)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
