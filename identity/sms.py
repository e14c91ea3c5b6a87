"""SMS gateway interface, the production HTTP backend and the development backends.

The backend is the class named in the SMS_BACKEND setting: `HttpSmsBackend` (a JSON
POST to the telecom's brandname SMS API) in production; `ConsoleSmsBackend` or
`FileSmsBackend` in development and tests. Messages never contain a personal ID
number, and no backend logs a message's text: it may carry a one-time code.
"""

import json
import logging
import re
import threading
import uuid
from pathlib import Path

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The gateway did not accept the message (after the retries); nothing was sent.
    The text names the failure (an HTTP status, a connection error), never the message."""


class SmsBackend:
    def send(self, *, phone: str, message: str) -> None:
        """Hand the message to the gateway, or raise SmsError."""
        raise NotImplementedError


# A one-time code: a run of 4 to 8 digits standing alone (not part of a dossier code
# such as 000.20.01.H29-240101-0001, nor of a longer number).
_CODE = re.compile(r"(?<![\w.-])\d{4,8}(?![\w-]|\.\d)")


def mask_codes(message: str) -> str:
    """`message` with every one-time code replaced by dots: 123456 -> ••••••."""
    return _CODE.sub(lambda match: "•" * len(match.group()), message)


class ConsoleSmsBackend(SmsBackend):
    """Development: the message goes to the log, its one-time codes masked unless
    SMS_CONSOLE_SHOW_CODES is on (docs/development.md: seeing the codes)."""

    def send(self, *, phone: str, message: str) -> None:
        text = message if settings.SMS_CONSOLE_SHOW_CODES else mask_codes(message)
        logger.info("SMS to %s: %s", phone, text)


def mask_phone(phone: str) -> str:
    """Enough of a phone number to tell messages apart in a log: 0912•••678."""
    return phone[:4] + "•" * max(len(phone) - 7, 0) + phone[-3:] if len(phone) > 7 else "•••"


class HttpSmsBackend(SmsBackend):
    """POST {SMS_HTTP_URL} with `Authorization: Bearer {SMS_HTTP_TOKEN}` and
    {"to", "text", "sender", "reference"} (JSON); a 2xx answer is accepted, its JSON
    `id` and `status` (when given) are logged with the reference, never the text.

    Connection errors, timeouts and 5xx answers are retried SMS_HTTP_RETRIES times,
    SMS_HTTP_BACKOFF * 2**n seconds apart; the same `reference` (also sent as the
    `Idempotency-Key` header) lets the gateway drop a copy of a retried message.
    Anything else, or the last failure, raises SmsError.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        token: str | None = None,
        sender: str | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        backoff: float | None = None,
    ):
        self.url = url or settings.SMS_HTTP_URL
        self.token = token if token is not None else settings.SMS_HTTP_TOKEN
        self.sender = sender if sender is not None else settings.SMS_HTTP_SENDER
        self.timeout = timeout if timeout is not None else settings.SMS_HTTP_TIMEOUT
        retries = retries if retries is not None else settings.SMS_HTTP_RETRIES
        backoff = backoff if backoff is not None else settings.SMS_HTTP_BACKOFF
        retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            other=0,
            backoff_factor=backoff,
            status_forcelist=tuple(range(500, 600)),
            allowed_methods=None,  # POST too: the reference makes a retry safe
            raise_on_status=False,
            respect_retry_after_header=False,
        )
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))

    def send(self, *, phone: str, message: str) -> None:
        reference = uuid.uuid4().hex
        payload = {"to": phone, "text": message, "sender": self.sender, "reference": reference}
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": reference}
        try:
            response = self.session.post(
                self.url, json=payload, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as error:
            # The exception's text can hold the URL, never the payload: name its type.
            logger.warning(
                "SMS %s to %s failed: %s", reference, mask_phone(phone), type(error).__name__
            )
            raise SmsError(f"SMS gateway unreachable ({type(error).__name__})") from None
        if not 200 <= response.status_code < 300:
            logger.warning(
                "SMS %s to %s refused: HTTP %s", reference, mask_phone(phone), response.status_code
            )
            raise SmsError(f"SMS gateway answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        logger.info(
            "SMS %s to %s accepted: id=%s status=%s",
            reference,
            mask_phone(phone),
            body.get("id", "-"),
            body.get("status", "accepted"),
        )


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
