"""Two wards, each with its procedure, desk, specialist and leader."""

from procedures.models import Agency
from tests.dossiers.factories import World

WARD_B = "000.00.32.H29"


def two_wards():
    """(ward A, ward B): `World` always names its agency 000.00.31.H29, so the first one
    is renamed (its memberships follow the agency) before the second is built."""
    b = World()
    Agency.objects.filter(pk=b.agency.pk).update(code=WARD_B, name="Ủy ban nhân dân phường B")
    b.agency.refresh_from_db()
    a = World()
    return a, b
