import datetime

import factory
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.constants import Sex
from identity.models import OfficialMembership

PASSWORD = "Vung-Tau-bien-xanh-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = "Nguyễn Thị Hoa"
    email = factory.Sequence(lambda n: f"user{n}@example.vn")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    class Params:
        citizen = factory.Trait(
            id_number="079190000777",
            birth_date=datetime.date(1990, 3, 4),
            sex=Sex.FEMALE,
            phone="0987000111",
        )


def agency_with_code(code: str, **kw):
    """The agency with this national code, created (a plain unit) when missing."""
    from procedures.models import Agency

    agency, _created = Agency.objects.get_or_create(code=code, defaults={"name": code, **kw})
    return agency


def make_official(role: str, agency_code: str = "000.00.11.H29", *, device: bool = True, **kw):
    user = UserFactory(**kw)
    OfficialMembership.objects.create(user=user, agency=agency_with_code(agency_code), role=role)
    if device:
        TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return user


def current_code(user) -> str:
    from django_otp.oath import totp

    device = TOTPDevice.objects.filter(user=user).order_by("-id").first()
    return f"{totp(device.bin_key):06d}"
