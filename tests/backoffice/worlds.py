"""Two wards, each with its procedure, desk, specialist and leader."""

from identity.models import OfficialMembership
from procedures.models import Agency
from tests.dossiers.factories import World

WARD_B = "000.00.32.H29"


def two_wards():
    """(ward A, ward B): `World` always names its agency 000.00.31.H29, so the first one
    is renamed (agency and memberships) before the second is built."""
    b = World()
    old = b.agency.code
    Agency.objects.filter(pk=b.agency.pk).update(code=WARD_B, name="Ủy ban nhân dân phường B")
    OfficialMembership.objects.filter(agency_code=old).update(agency_code=WARD_B)
    b.agency.refresh_from_db()
    a = World()
    return a, b
