"""Every write on API clients: create, change agencies and scopes, rotate, revoke; and the
key check of each request.

A key reads `mck_<key id>_<secret>`: the key id finds the row, the SHA-256 of the whole
key is compared in constant time. Keys are 256-bit random strings, so a fast hash is
enough (a slow one guards guessable passwords, and would cost every request).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.constants import KEY_PREFIX, ROLES_BY_SCOPE, Scope
from api.models import ApiClient
from common.queries import unique_or_none
from identity import services as identity_services
from identity.models import OfficialMembership


@dataclass(frozen=True)
class IssuedKey:
    client: ApiClient
    key: str  # shown once, never stored


def _new_key() -> tuple[str, str, str]:
    key_id = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    return key, key_id, key_digest(key)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _check_scopes(scopes) -> list[str]:
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown:
        raise ValidationError({"scopes": _("Unknown scope: %s") % ", ".join(unknown)})
    return sorted(set(scopes))


def _check_ips(allowed_ips) -> list[str]:
    checked = []
    for value in allowed_ips or ():
        try:
            checked.append(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError:
            raise ValidationError(
                {"allowed_ips": _("Not an IP address or network: %s") % value}
            ) from None
    return checked


def roles_for_scopes(scopes) -> set[str]:
    return {role for scope in scopes for role in ROLES_BY_SCOPE.get(scope, ())}


def _sync_roles(client: ApiClient, actor=None) -> None:
    """The service account holds exactly the roles its scopes need at its agencies (and
    none once revoked), through the identity services that log each grant."""
    wanted = set()
    if client.is_active:
        roles = roles_for_scopes(client.scopes)
        wanted = {(agency, role) for agency in client.agencies.all() for role in roles}
    held = {
        (m.agency, m.role): m
        for m in OfficialMembership.objects.filter(user=client.user).select_related("agency")
    }
    for pair, membership in held.items():
        if pair not in wanted:
            identity_services.official_membership_revoke(membership=membership, actor=actor)
    for agency, role in wanted - set(held):
        identity_services.official_membership_grant(
            user=client.user, agency=agency, role=role, actor=actor
        )


@transaction.atomic
def api_client_create(
    *, name: str, agencies, scopes, allowed_ips=(), rate: str = "", contact: str = "", actor=None
) -> IssuedKey:
    """(nothing) -> an active client with its service account and a new key (returned
    once). Raises ValidationError on an empty name, no agency or an unknown scope."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the client a name.")})
    agencies = list(agencies)
    if not agencies:
        raise ValidationError({"agencies": _("Choose at least one agency.")})
    scopes = _check_scopes(scopes)
    user = get_user_model()(
        username=identity_services.new_username("api-"),
        full_name=name[:200],
        is_active=True,
        is_service_account=True,
    )
    # A service account never signs in: it acts only through its key.
    user.set_unusable_password()
    user.save()
    key, key_id, digest = _new_key()
    client = ApiClient.objects.create(
        name=name,
        scopes=scopes,
        user=user,
        key_id=key_id,
        key_hash=digest,
        allowed_ips=_check_ips(allowed_ips),
        rate=rate,
        contact=contact,
    )
    client.agencies.set(agencies)
    _sync_roles(client, actor)
    return IssuedKey(client, key)


@transaction.atomic
def api_client_update(*, client: ApiClient, actor=None) -> ApiClient:
    """After its agencies, scopes or addresses changed (Django admin): checks them and
    brings the service account's roles in line."""
    client.scopes = _check_scopes(client.scopes)
    client.allowed_ips = _check_ips(client.allowed_ips)
    client.save()
    client.user.full_name = client.name[:200]
    client.user.save(update_fields=["full_name"])
    _sync_roles(client, actor)
    return client


@transaction.atomic
def api_client_rotate(*, client: ApiClient, actor=None) -> IssuedKey:
    """A new key; the old one stops working at once. A revoked client stays revoked."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if not client.is_active:
        raise ValidationError(_("This client is revoked."))
    key, client.key_id, client.key_hash = _new_key()
    client.key_rotated_at = timezone.now()
    client.save(update_fields=["key_id", "key_hash", "key_rotated_at"])
    return IssuedKey(client, key)


@transaction.atomic
def api_client_revoke(*, client: ApiClient, actor=None) -> ApiClient:
    """Active -> revoked: its key is refused from now on and its service account loses
    every role (and is deactivated), so nothing it started can act in its name."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        _sync_roles(client, actor)
        client.user.is_active = False
        client.user.save(update_fields=["is_active"])
    return client


def api_client_for_key(key: str) -> ApiClient | None:
    """The active client this key belongs to, or None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    client = unique_or_none(
        ApiClient.objects.select_related("user").filter(key_id=parts[1], revoked_at__isnull=True)
    )
    if client is None or not hmac.compare_digest(client.key_hash, key_digest(key)):
        return None
    return client


def address_allowed(client: ApiClient, address: str | None) -> bool:
    if not client.allowed_ips:
        return True
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in client.allowed_ips)


# --- OAuth2 client credentials (RFC 6749 section 4.4) ---------------------------------

TOKEN_PREFIX = "mct"  # noqa: S105 (a prefix that marks tokens, not a secret)


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int
    scopes: list[str]


def _token_cache_key(token: str) -> str:
    return f"api-token:{key_digest(token)}"


def access_token_issue(*, client: ApiClient, scopes=None, lifetime: int) -> AccessToken:
    """A short-lived bearer token for `client`, with its scopes or fewer. Kept hashed in
    the shared cache (every web node sees it) with the key id it was issued under, so
    rotating the key or revoking the client ends every token at once. Raises
    ValidationError for a scope the client does not hold."""
    granted = sorted(set(scopes)) if scopes else list(client.scopes)
    if not set(granted) <= set(client.scopes):
        raise ValidationError({"scope": _("A scope this client does not hold.")})
    token = f"{TOKEN_PREFIX}_{secrets.token_urlsafe(32)}"
    cache.set(
        _token_cache_key(token),
        {"client": client.pk, "key_id": client.key_id, "scopes": granted},
        timeout=lifetime,
    )
    return AccessToken(token, lifetime, granted)


def api_client_for_token(token: str) -> ApiClient | None:
    """The active client of a live access token, its scopes narrowed to the token's."""
    if not token.startswith(f"{TOKEN_PREFIX}_"):
        return None
    held = cache.get(_token_cache_key(token))
    if not held:
        return None
    client = (
        ApiClient.objects.select_related("user")
        .filter(pk=held["client"], key_id=held["key_id"], revoked_at__isnull=True)
        .first()
    )
    if client is not None:
        client.scopes = [s for s in client.scopes if s in held["scopes"]]
    return client


def api_client_for_credentials(client_id: str, secret: str) -> ApiClient | None:
    """The active client with this id whose key is `secret` (the token endpoint's
    client authentication), or None."""
    client = api_client_for_key(secret)
    if client is None or str(client.client_id) != client_id.strip().lower():
        return None
    return client


def api_calls_purge(*, keep_days: int, batch: int = 10_000) -> int:
    """Deletes the call log older than `keep_days`, `batch` rows per statement (short
    locks on a big table); returns how many went."""
    from api.models import ApiCall

    before = timezone.now() - timedelta(days=keep_days)
    removed = 0
    while True:
        ids = list(ApiCall.objects.filter(at__lt=before).values_list("pk", flat=True)[:batch])
        if not ids:
            return removed
        removed += ApiCall.objects.filter(pk__in=ids).delete()[0]
