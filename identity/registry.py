"""Identity verification against the national population registry (level 2).

One interface, `verify(id_number, full_name, birth_date)`, answers with a
`VerifiedProfile`, a `Mismatch` or `Unavailable`. Two implementations:

- `LocalRegistry`: a table (`RegistryResident`) seeded with demo residents, for
  development and tests;
- `HttpRegistry`: the integration gateway (Project 06 style): a JSON POST over HTTPS
  with a client certificate, a timeout and retries.

The registry never tells the caller which stored value differs from what was typed
(it would leak the registry's data to whoever knows an ID number); it only names
which of the submitted fields did not match.
"""

import dataclasses
import datetime
import logging
import time
import unicodedata

import requests
from django.conf import settings

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class VerifiedProfile:
    id_number: str
    full_name: str
    birth_date: datetime.date
    sex: str
    permanent_address: str


@dataclasses.dataclass(frozen=True)
class Mismatch:
    # Which submitted fields differ: "id_number" (no such person), "full_name", "birth_date".
    fields: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Unavailable:
    reason: str


VerificationResult = VerifiedProfile | Mismatch | Unavailable


def normalize_name(name: str) -> str:
    """Compare names as people type them: NFC, case-insensitive, single spaces."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def compare(profile: VerifiedProfile, full_name: str, birth_date: datetime.date):
    differing = []
    if normalize_name(profile.full_name) != normalize_name(full_name):
        differing.append("full_name")
    if profile.birth_date != birth_date:
        differing.append("birth_date")
    return Mismatch(tuple(differing)) if differing else profile


class Registry:
    def verify(
        self, id_number: str, full_name: str, birth_date: datetime.date
    ) -> VerificationResult:
        raise NotImplementedError


class LocalRegistry(Registry):
    def verify(self, id_number, full_name, birth_date):
        from django.db import DatabaseError

        from identity.models import RegistryResident

        try:
            resident = RegistryResident.objects.filter(id_number=id_number).first()
        except DatabaseError:
            return Unavailable("local registry table unreadable")
        if resident is None:
            return Mismatch(("id_number",))
        profile = VerifiedProfile(
            id_number=resident.id_number,
            full_name=resident.full_name,
            birth_date=resident.birth_date,
            sex=resident.sex,
            permanent_address=resident.permanent_address,
        )
        return compare(profile, full_name, birth_date)


class HttpRegistry(Registry):
    """POST {url} with {"id_number", "full_name", "birth_date"} (JSON).

    200 {"status": "match", "profile": {...}} or {"status": "mismatch", "fields": [...]};
    404 means no such person; anything else (5xx, timeout, refused connection, bad
    JSON) is retried `retries` times and then reported as unavailable.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        retries: int = 2,
        client_cert: str = "",
        client_key: str = "",
        ca_bundle: str = "",
        backoff: float = 0.2,
    ):
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self.cert = (client_cert, client_key) if client_cert and client_key else client_cert or None
        self.verify_tls = ca_bundle or True
        self.backoff = backoff

    def verify(self, id_number, full_name, birth_date):
        payload = {
            "id_number": id_number,
            "full_name": full_name,
            "birth_date": birth_date.isoformat(),
        }
        last_error = "no attempt"
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * attempt)
            try:
                response = requests.post(
                    self.url,
                    json=payload,
                    timeout=self.timeout,
                    cert=self.cert,
                    verify=self.verify_tls,
                )
            except requests.RequestException as error:
                # The exception text can contain the URL, never the payload.
                last_error = type(error).__name__
                continue
            if response.status_code == 404:
                return Mismatch(("id_number",))
            if response.status_code != 200:
                last_error = f"HTTP {response.status_code}"
                continue
            try:
                body = response.json()
                if body["status"] == "mismatch":
                    return Mismatch(tuple(body.get("fields") or ("id_number",)))
                data = body["profile"]
                profile = VerifiedProfile(
                    id_number=data["id_number"],
                    full_name=data["full_name"],
                    birth_date=datetime.date.fromisoformat(data["birth_date"]),
                    sex=data["sex"],
                    permanent_address=data.get("permanent_address", ""),
                )
            except (ValueError, KeyError, TypeError):
                last_error = "malformed answer"
                continue
            if profile.id_number != id_number:
                last_error = "answer for another person"
                continue
            # Trust but check: the registry said "match", the fields must agree.
            return compare(profile, full_name, birth_date)
        logger.warning(
            "population registry unavailable after %s attempt(s): %s", self.retries + 1, last_error
        )
        return Unavailable(last_error)


def get_registry() -> Registry:
    if settings.IDENTITY_REGISTRY == "http":
        return HttpRegistry(
            settings.IDENTITY_REGISTRY_URL,
            timeout=settings.IDENTITY_REGISTRY_TIMEOUT,
            retries=settings.IDENTITY_REGISTRY_RETRIES,
            client_cert=settings.IDENTITY_REGISTRY_CLIENT_CERT,
            client_key=settings.IDENTITY_REGISTRY_CLIENT_KEY,
            ca_bundle=settings.IDENTITY_REGISTRY_CA_BUNDLE,
        )
    return LocalRegistry()
