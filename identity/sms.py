"""SMS gateway interface and the development backends.

A real gateway (a telecom's brandname SMS API) implements `SmsBackend.send` and is
named in the SMS_BACKEND setting. Messages never contain a personal ID number.
"""

import json
import logging
import threading
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsBackend:
    def send(self, *, phone: str, message: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Development: the message goes to the log (codes are short-lived)."""

    def send(self, *, phone: str, message: str) -> None:
        logger.info("SMS to %s: %s", phone, message)


class FileSmsBackend(SmsBackend):
    """Development and tests: one JSON object per line in SMS_FILE_PATH."""

    _lock = threading.Lock()

    def __init__(self, path: str | None = None):
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, *, phone: str, message: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"at": timezone.now().isoformat(), "phone": phone, "message": message},
            ensure_ascii=False,
        )
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def messages(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text("utf-8").splitlines() if line]


def get_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, phone: str, message: str) -> None:
    get_backend().send(phone=phone, message=message)
