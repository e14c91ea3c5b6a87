from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry / central agency")
    CITY = "city", _("City People's Committee")
    DEPARTMENT = "department", _("City department")
    WARD = "ward", _("Ward")
    COMMUNE = "commune", _("Commune")
    OTHER = "other", _("Other unit")


class Level(models.TextChoices):
    MINISTRY = "ministry", _("Ministry level")
    PROVINCE = "province", _("Provincial level")
    WARD = "ward", _("Commune level")
    OTHER = "other", _("Other agency")


class OnlineLevel(models.TextChoices):
    FULL = "full", _("Fully online")
    PARTIAL = "partial", _("Partly online")
    NONE = "none", _("Offline only")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class ChannelMethod(models.TextChoices):
    ONLINE = "online", _("Online")
    DIRECT = "direct", _("In person")
    POSTAL = "postal", _("By post")


class TimeUnit(models.TextChoices):
    WORKING_DAY = "working_day", _("working days")
    DAY = "day", _("days")
    HOUR = "hour", _("working hours")
    MONTH = "month", _("months")
    UNSPECIFIED = "unspecified", _("not fixed")


class FeeKind(models.TextChoices):
    FEE = "fee", _("Fee")
    CHARGE = "charge", _("Charge")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    YES_NO = "yes_no", _("Yes / no")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone number")
    PERSONAL_ID = "personal_id", _("Personal ID number")
    TAX_CODE = "tax_code", _("Tax code")
    ADDRESS = "address", _("Address")


CHOICE_TYPES = {FieldType.CHOICE, FieldType.MULTIPLE_CHOICE}


class PrefillSource(models.TextChoices):
    """What the applicant's account knows that a declaration field is filled from.
    The first five are the population registry's facts of a level-2 account; the
    contact details are the account's own (`identity.selectors.applicant_facts`)."""

    NONE = "", _("Nothing (the applicant types it)")
    FULL_NAME = "full_name", _("Applicant's full name (population registry)")
    ID_NUMBER = "id_number", _("Applicant's personal ID number (population registry)")
    BIRTH_DATE = "birth_date", _("Applicant's date of birth (population registry)")
    SEX = "sex", _("Applicant's sex (population registry)")
    PERMANENT_ADDRESS = (
        "permanent_address",
        _("Applicant's permanent address (population registry)"),
    )
    PHONE = "phone", _("Applicant's phone number (account)")
    EMAIL = "email", _("Applicant's email address (account)")
    # Of the business a dossier is filed for (empty when filed for oneself).
    ENTERPRISE_CODE = "enterprise_code", _("Business's enterprise code (account)")
    BUSINESS_NAME = "business_name", _("Business's name (account)")
    LEGAL_REPRESENTATIVE = "legal_representative", _("Business's legal representative (account)")


REGISTRY_SOURCES = frozenset(
    {
        PrefillSource.FULL_NAME,
        PrefillSource.ID_NUMBER,
        PrefillSource.BIRTH_DATE,
        PrefillSource.SEX,
        PrefillSource.PERMANENT_ADDRESS,
    }
)


class StepRole(models.TextChoices):
    RECEPTIONIST = "receptionist", _("One-stop desk official")
    SPECIALIST = "specialist", _("Specialist")
    LEADER = "leader", _("Leader")
    OTHER_AGENCY = "other_agency", _("Other agency (consultation)")
    ACCOUNTANT = "accountant", _("Finance officer")


class OverrideKind(models.TextChoices):
    DAY_OFF = "day_off", _("Extra day off")
    WORKING_DAY = "working_day", _("Make-up working day")


# The name a national record's documents get when the record names no case: it says
# nothing about the applicant's situation, so pages and forms leave it out.
DEFAULT_CASE_NAME = "Thành phần hồ sơ"
