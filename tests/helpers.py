"""Helpers shared by the test packages."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def force_login_verified(client, user):
    """Sign `user` in with a confirmed second factor, as after the TOTP page.

    Django admin and the back office refuse sessions without one; tests that are not
    about the second factor itself start from here.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test device", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
