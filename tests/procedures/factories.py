"""Factories for the catalogue (one Trait per version state, STYLE R10)."""

import factory

from procedures.constants import ChannelMethod, TimeUnit, VersionStatus
from procedures.models import (
    Agency,
    Case,
    Channel,
    Fee,
    Field,
    FormField,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
    WorkflowStep,
)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    # A code space no test writes by hand ("999."): the tests' fixed wards and
    # departments ("000.00.31.H29" and the like) met this sequence once it reached
    # their number, and which test that was depended on how many ran before it.
    code = factory.Sequence(lambda n: f"999.{n // 100:02d}.{n % 100:02d}.H29")
    name = factory.Sequence(lambda n: f"Ủy ban nhân dân phường {n}")
    kind = "ward"
    is_receiving_point = True


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field

    code = factory.Sequence(lambda n: f"G09-TP{n:02d}")
    name = factory.Sequence(lambda n: f"Hộ tịch {n}")


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure

    code = factory.Sequence(lambda n: f"1.{n:06d}")
    name = factory.Sequence(lambda n: f"Thủ tục đăng ký số {n}")
    field = factory.SubFactory(FieldFactory)
    levels = factory.LazyFunction(lambda: ["ward"])
    online_level = "partial"


class VersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcedureVersion

    procedure = factory.SubFactory(ProcedureFactory)
    number = factory.Sequence(lambda n: n + 1)
    status = VersionStatus.DRAFT

    class Params:
        published = factory.Trait(status=VersionStatus.PUBLISHED)
        retired = factory.Trait(status=VersionStatus.RETIRED)


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    version = factory.SubFactory(VersionFactory)
    method = ChannelMethod.ONLINE
    processing_time = 3
    unit = TimeUnit.WORKING_DAY


class FeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fee

    channel = factory.SubFactory(ChannelFactory)
    amount = 8000


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    version = factory.SubFactory(VersionFactory)
    name = "Hồ sơ"


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    case = factory.SubFactory(CaseFactory)
    name = factory.Sequence(lambda n: f"Tờ khai số {n}")
    originals = 1


class FormFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormField

    version = factory.SubFactory(VersionFactory)
    key = factory.Sequence(lambda n: f"field_{n}")
    label_vi = factory.Sequence(lambda n: f"Trường {n}")


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkflowStep

    version = factory.SubFactory(VersionFactory)
    name = "Thẩm định"
    role = "specialist"
    allotted_days = 1


def published_procedure(
    *, documents=1, channels=1, agencies=1, steps_description=(), **kwargs
) -> Procedure:
    """A procedure with a published version of the given size (published versions
    are frozen by database triggers: give here what the version must hold)."""
    procedure = ProcedureFactory(**kwargs)
    version = VersionFactory(
        procedure=procedure, published=True, steps_description=list(steps_description)
    )
    for i in range(channels):
        FeeFactory(
            channel=ChannelFactory(version=version, method=["online", "direct", "postal"][i % 3])
        )
    case = CaseFactory(version=version)
    for _ in range(documents):
        DocumentFactory(case=case)
    procedure.executing_agencies.set([AgencyFactory() for _ in range(agencies)])
    return procedure
