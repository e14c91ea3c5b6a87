"""The statistics' summary table and the Decision 766 service index as data.

`DailyStat` is written only by `indicators.refresh` (its docstring says how and why it
is refreshed by Celery rather than kept by a trigger); every figure of the statistics
pages, `/minh-bach/` and its JSON is an indexed aggregate over it, never over the
dossier log at request time. `DossierFact`, written with it, lists the dossiers behind
its flows (the drill-down), so that list does not read the log either.

The index (`IndexVersion` and its groups, components and rank bands) is data, edited
in Django admin: the official weights and formulas change by decision, not by release.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from procedures.constants import ChannelMethod

# The counters of one summary row, in the order the refresh fills them. Flows count
# what happened ON the row's day; `open_*` are the stock at the end of that day.
COUNTERS = (
    "received",
    "paper_received",
    "digitised",
    "finished_early",
    "finished_on_time",
    "finished_late",
    "results_electronic",
    "refused",
    "withdrawn",
    "stopped",
    "open_on_time",
    "open_overdue",
    "days_used",
    "days_allotted",
    "timed_finished",
    "supplement_desk",
    "supplement_on_time",
    "supplement_late",
    "supplement_repeat",
    "apology_on_time",
    "apology_late",
    "transfer_on_time",
    "transfer_late",
    "payments_paid",
    "payments_online",
    "ratings",
    "rating_sum",
    "rating_good",
    "rating_1",
    "rating_2",
    "rating_3",
    "rating_4",
    "rating_5",
)
SNAPSHOT = ("open_on_time", "open_overdue")


class DailyStat(models.Model):
    """What happened on one local day to the dossiers of one key (receiving agency,
    competent agency, procedure, channel); `field_id` rides along for the per-field
    tables. Ids without foreign keys: the refresh deletes and rewrites whole days, and
    a summary must not stop an agency or procedure from being merged away. 0 = none."""

    day = models.DateField()
    receiving_agency_id = models.IntegerField()
    competent_agency_id = models.IntegerField()
    procedure_id = models.IntegerField()
    field_id = models.IntegerField(default=0)
    channel = models.CharField(max_length=10, choices=ChannelMethod)
    # Working days used by the finished dossiers, as {"days": count}: the period's
    # 90th percentile is read from the summed histogram.
    days_hist = models.JSONField(default=dict, blank=True)

    # One integer column per name of COUNTERS: the refresh, the sums and the export all
    # iterate that one tuple, so a new figure is added in one place.
    locals().update({name: models.IntegerField(default=0) for name in COUNTERS})

    class Meta:
        verbose_name = _("daily statistic")
        verbose_name_plural = _("daily statistics")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "day",
                    "receiving_agency_id",
                    "competent_agency_id",
                    "procedure_id",
                    "channel",
                ],
                name="dailystat_key",
            )
        ]
        indexes = [
            # A scope is "received or decided by these agencies" (dossiers.queues.scope_q):
            # one index per side, combined by a bitmap OR; the city reads the key's day.
            models.Index(fields=["receiving_agency_id", "day"], name="dailystat_recv"),
            models.Index(fields=["competent_agency_id", "day"], name="dailystat_comp"),
        ]
        permissions = [
            (
                "view_city_statistics",
                _("Can see the statistics and the index of every agency of the city"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.receiving_agency_id}/{self.competent_agency_id}"


class MonthlyStat(models.Model):
    """The flows of `DailyStat` summed over one calendar month (`month`: its first
    day), per the same key, with the merged `days_hist`; keys with no flow that month
    (rows that only carry the day's stock of open dossiers) are left out. Written by
    `indicators.refresh` whenever a day of the month is rewritten. A period's figures
    read the whole months it covers here and only its partial months' days in
    `DailyStat`: a year of a city-wide key space is twelve months of rows here rather
    than 365 days (about 30 times fewer rows), which is what keeps a year's page as
    fast as a month's as the city's data grows."""

    month = models.DateField()
    receiving_agency_id = models.IntegerField()
    competent_agency_id = models.IntegerField()
    procedure_id = models.IntegerField()
    field_id = models.IntegerField(default=0)
    channel = models.CharField(max_length=10, choices=ChannelMethod)
    days_hist = models.JSONField(default=dict, blank=True)
    locals().update(
        {name: models.IntegerField(default=0) for name in COUNTERS if name not in SNAPSHOT}
    )

    class Meta:
        verbose_name = _("monthly statistic")
        verbose_name_plural = _("monthly statistics")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "month",
                    "receiving_agency_id",
                    "competent_agency_id",
                    "procedure_id",
                    "channel",
                ],
                name="monthlystat_key",
            )
        ]
        indexes = [
            models.Index(fields=["receiving_agency_id", "month"], name="monthlystat_recv"),
            models.Index(fields=["competent_agency_id", "month"], name="monthlystat_comp"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.receiving_agency_id}/{self.competent_agency_id}"


# The figures whose dossiers are listed behind them (the drill-down), as `DossierFact`
# kinds: the code stored is the position in this tuple plus one, so a new kind is only
# ever appended. "finished" is every returned result, whatever its timeliness, so that
# its list is one index range like the others.
FACTS = (
    "received",
    "paper_received",
    "finished",
    "finished_early",
    "finished_on_time",
    "finished_late",
    "refused",
    "withdrawn",
    "stopped",
    "supplement_on_time",
    "supplement_late",
    "supplement_repeat",
    "apology_on_time",
    "apology_late",
    "transfer_on_time",
    "transfer_late",
)
FACT_CODES = {name: code for code, name in enumerate(FACTS, start=1)}


class DossierFact(models.Model):
    """One dossier counted in one figure (`FACTS`) on one local day, with the key it
    was counted under: the dossiers behind a figure of `DailyStat`, written with the
    day's rows by `indicators.refresh.refresh_day` (deleted and rewritten whole, like
    them), so the drill-down lists exactly what the figure counts as of the same
    refresh. A dossier counted twice in a figure on one day is one row. The
    drill-down reads a scope's rows through the agency indexes (a bitmap OR of both
    sides, then the few matching rows sorted by dossier), the city's by walking
    `(metric, dossier_id, day)` from the newest dossier; neither touches the dossier
    log. Ids without foreign keys, like `DailyStat`; 0 = none."""

    pk = models.CompositePrimaryKey("day", "metric", "dossier_id")
    day = models.DateField()
    metric = models.PositiveSmallIntegerField()
    dossier_id = models.BigIntegerField()
    receiving_agency_id = models.IntegerField()
    competent_agency_id = models.IntegerField()
    procedure_id = models.IntegerField()
    field_id = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("dossier counted in a figure")
        verbose_name_plural = _("dossiers counted in the figures")
        indexes = [
            models.Index(fields=["receiving_agency_id", "metric", "day"], name="dossierfact_recv"),
            models.Index(fields=["competent_agency_id", "metric", "day"], name="dossierfact_comp"),
            models.Index(fields=["metric", "dossier_id", "day"], name="dossierfact_city"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {FACTS[self.metric - 1]} {self.dossier_id}"


class RefreshedDay(models.Model):
    """When each day's summary rows were last written (shown as "updated at")."""

    day = models.DateField(primary_key=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("refreshed day")
        verbose_name_plural = _("refreshed days")

    def __str__(self) -> str:
        return f"{self.day}: {self.refreshed_at:%Y-%m-%d %H:%M}"


class Localised(models.Model):
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "vi").startswith("vi") or not self.name_en:
            return self.name_vi
        return self.name_en


class IndexVersion(Localised):
    """One edition of the index: its groups, components and bands. The edition in force
    on a period's last day is the one with the latest `valid_from` not after it."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    valid_from = models.DateField(_("in force from"))
    source = models.TextField(_("legal source"), help_text=_("The decision and annex cited."))

    class Meta:
        verbose_name = _("index edition")
        verbose_name_plural = _("index editions")
        ordering = ["-valid_from"]


class IndexGroup(Localised):
    version = models.ForeignKey(IndexVersion, on_delete=models.CASCADE, related_name="groups")
    code = models.CharField(_("code"), max_length=20)
    max_points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("index group")
        verbose_name_plural = _("index groups")
        ordering = ["version", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="indexgroup_code")]


class IndexComponent(Localised):
    """points = max_points * min(1, (numerator / denominator) / target). Numerator and
    denominator are sums of figure names ("finished_early + finished_on_time"), the
    vocabulary of `indicators.figures.FIGURES`; a name MotCua has no data for makes the
    component "not available"."""

    group = models.ForeignKey(IndexGroup, on_delete=models.CASCADE, related_name="components")
    code = models.CharField(_("code"), max_length=20)
    max_points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    numerator = models.CharField(_("numerator"), max_length=300, blank=True)
    denominator = models.CharField(_("denominator"), max_length=300, blank=True)
    target = models.DecimalField(
        _("target rate"),
        max_digits=5,
        decimal_places=4,
        default=1,
        help_text=_("The rate that earns every point (1 = 100%)."),
    )
    source = models.TextField(_("source"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("index component")
        verbose_name_plural = _("index components")
        ordering = ["group", "position", "id"]

    def clean(self):
        from indicators.figures import unknown_names

        for name in ("numerator", "denominator"):
            bad = unknown_names(getattr(self, name))
            if bad:
                raise ValidationError({name: _("Unknown figures: %s") % ", ".join(bad)})
        if self.target is not None and self.target <= 0:
            raise ValidationError({"target": _("The target rate must be above zero.")})


class RankBand(Localised):
    """A ranking of the decision: from `min_points` (included) up to the next band."""

    version = models.ForeignKey(IndexVersion, on_delete=models.CASCADE, related_name="bands")
    min_points = models.DecimalField(_("from points"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("ranking band")
        verbose_name_plural = _("ranking bands")
        ordering = ["version", "-min_points"]


# --- the bottleneck radar ----------------------------------------------------------------

# Shares of the allotted time a running dossier has used (`indicators.radar_refresh`).
TIME_USED = ("used_lt50", "used_50_80", "used_80_100", "overdue", "clock_stopped")


class OpenStat(models.Model):
    """The open dossiers at the last refresh, per key (agencies, state, assignee): how
    many, how much of their allotted time they used, how long they have
    waited in their state. Rewritten whole by `indicators.radar_refresh.refresh_open`
    (every refresh of the statistics), never per request: the radar's tables sum these
    rows instead of visiting every open dossier of a city. No procedure in the key: it
    would make the rows nearly as many as the open dossiers. Ids without foreign keys,
    like `DailyStat`; 0 = none."""

    receiving_agency_id = models.IntegerField()
    competent_agency_id = models.IntegerField()
    # Who has it in hand: the desk of the receiving agency before processing and once
    # the result is ready, the competent agency in between.
    holder_agency_id = models.IntegerField()
    status = models.CharField(max_length=24)
    assignee_id = models.IntegerField()
    n = models.IntegerField(default=0)
    # Working days since the dossier entered its state (its last transition): the sum
    # (for the average) and the longest.
    wait_days = models.IntegerField(default=0)
    wait_max = models.IntegerField(default=0)
    locals().update({name: models.IntegerField(default=0) for name in TIME_USED})
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("open dossiers summary")
        verbose_name_plural = _("open dossiers summary")
        indexes = [
            models.Index(fields=["receiving_agency_id"], name="openstat_recv"),
            models.Index(fields=["competent_agency_id"], name="openstat_comp"),
        ]

    def __str__(self) -> str:
        return f"{self.holder_agency_id} {self.status} {self.assignee_id}: {self.n}"


class StepStat(models.Model):
    """Time the dossiers returned on `day` spent in the states one role of the
    procedure's workflow handles, against what the procedure's steps allot that role:
    per agency doing the step, procedure and role. The radar's structural bottlenecks
    sum 90 days of these rows. Written by `indicators.refresh.refresh_day`."""

    day = models.DateField()
    agency_id = models.IntegerField()
    procedure_id = models.IntegerField()
    role = models.CharField(max_length=20)
    dossiers = models.IntegerField(default=0)
    # Working days actually spent, summed over the dossiers.
    days_sum = models.IntegerField(default=0)
    # Allotted working days, summed over the dossiers, in tenths (steps allot halves).
    allotted_tenths = models.IntegerField(default=0)
    # Dossiers whose time in the step was longer than its allotment.
    over = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("step time summary")
        verbose_name_plural = _("step time summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency_id", "procedure_id", "role"], name="stepstat_key"
            )
        ]
        indexes = [models.Index(fields=["agency_id", "day"], name="stepstat_agency")]

    def __str__(self) -> str:
        return f"{self.day} {self.agency_id}/{self.procedure_id} {self.role}"
