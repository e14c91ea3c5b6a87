"""Bulk data for benchmarks (`manage.py generate_load_data`). Never run it
against production data: it writes invented citizens and dossiers.

Rows go in through PostgreSQL COPY (psycopg 3's `cursor.copy`), not the ORM: the
services write one dossier at a time with its locks and checks, which is right for a
person and hopeless for a million rows. What the services guarantee is rebuilt here
instead, and the tests check it:

- every dossier follows a path of the workflow table (create, submit, receive,
  assign, propose, approve, return, rate, and the refusals, withdrawals, stops,
  supplement and payment requests), with its dates in order and the status, dates
  and assignee matching the last step;
- the log rows of a dossier form a valid hash chain: the hash is computed with the
  same canonical form as `DossierLog.compute_hash`, so `verify_dossier_log` passes;
- codes come from the same per agency and day counters as
  `dossiers.services.filing.dossier_code_next`: the counters
  are read first and upserted in the batch's transaction, so later submissions
  continue the sequence and codes stay unique;
- receptions, approvals and returns happen on working days in office hours of the
  real calendar (holidays and Tết included); online filings happen at any hour.

Each batch of dossiers (with its log, files, messages, ratings, payments and counter
updates) is one transaction: an interrupted run leaves whole batches only. Ids are
reserved from each table's sequence up front, so the rows can reference each other
without a round trip. A second thread writes each batch (on its own connection) while
the main thread builds the next, so PostgreSQL and Python work on both cores. Run by a
superuser (as the benchmarks are), the writer skips the foreign-key checks and the
queue tally's trigger (`session_replication_role = replica`) and the tally is rebuilt
once at the end, which halves PostgreSQL's share of the work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time
import uuid
from bisect import bisect
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from operator import itemgetter

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from dossiers import tally
from dossiers.constants import (
    Action,
    ActorRole,
    EvaluationMoment,
    FileKind,
    PaymentPurpose,
    Status,
    Visibility,
)
from dossiers.models import (
    Dossier,
    DossierCodeCounter,
    DossierDocument,
    DossierLog,
    DossierMessage,
    Payment,
    QueueTally,
    Rating,
    StoredFile,
)
from identity.constants import OfficialRole
from identity.demo import STREETS, fake_name
from identity.models import OfficialMembership
from procedures.calendar import WorkingCalendar
from procedures.constants import ChannelMethod, VersionStatus
from procedures.models import Agency, ProcedureVersion

GENESIS = DossierLog.GENESIS
USERNAME_PREFIX = "load"

MESSAGES_IN = (
    "Cho tôi hỏi khi nào có kết quả?",
    "Tôi đã gửi bổ sung giấy tờ, nhờ cán bộ kiểm tra.",
    "Xin cảm ơn cán bộ đã hướng dẫn.",
)
MESSAGES_OUT = (
    "Hồ sơ đang được thẩm định, kết quả trả đúng hẹn.",
    "Đề nghị ông/bà mang bản chính đối chiếu khi nhận kết quả.",
)
NOTES = ("Đã kiểm tra thành phần hồ sơ.", "Đã đối chiếu dữ liệu dân cư.", "Trình lãnh đạo xem xét.")

# Share of statuses among dossiers filed in the last RECENT_DAYS (the open workload)
# and among older ones (mostly finished; a few stuck: the overdue queue).
RECENT_DAYS = 45
RECENT = {
    Status.DRAFT: 6,
    Status.SUBMITTED: 9,
    Status.DESK_SUPPLEMENT: 1,
    Status.RECEIVED: 9,
    Status.PROCESSING: 24,
    Status.AWAITING_APPROVAL: 7,
    Status.SUPPLEMENT_REQUESTED: 6,
    Status.AWAITING_PAYMENT: 3,
    Status.RESULT_READY: 5,
    Status.RETURNED: 22,
    Status.REFUSED: 3,
    Status.WITHDRAWN: 2,
    Status.STOPPED: 1,
    Status.DISCARDED: 2,
}
OLD = {
    Status.RETURNED: 85,
    Status.REFUSED: 4,
    Status.WITHDRAWN: 3,
    Status.STOPPED: 2,
    Status.DISCARDED: 2,
    Status.DRAFT: 1.5,
    Status.RESULT_READY: 0.5,
    Status.PROCESSING: 1,
    Status.RECEIVED: 0.5,
    Status.AWAITING_APPROVAL: 0.5,
}
CHANNELS = ((ChannelMethod.ONLINE, 70), (ChannelMethod.DIRECT, 25), (ChannelMethod.POSTAL, 5))

A = ActorRole
# The path of each final status through the workflow table, as in dossiers.demo._walk.
# (action, role, target status or None when the action keeps the status)
SUBMIT_PATH = [
    (Action.CREATE, A.APPLICANT, Status.DRAFT),
    (Action.SUBMIT, A.APPLICANT, Status.SUBMITTED),
]
PROCESS_PATH = [
    (Action.RECEIVE, A.RECEPTIONIST, Status.RECEIVED),
    (Action.ASSIGN, A.RECEPTIONIST, Status.PROCESSING),
]
PATHS = {
    Status.DRAFT: [SUBMIT_PATH[0]],
    Status.DISCARDED: [SUBMIT_PATH[0], (Action.DISCARD, A.APPLICANT, Status.DISCARDED)],
    Status.SUBMITTED: SUBMIT_PATH,
    Status.DESK_SUPPLEMENT: [
        *SUBMIT_PATH,
        (Action.REQUEST_SUPPLEMENT, A.RECEPTIONIST, Status.DESK_SUPPLEMENT),
    ],
    Status.WITHDRAWN: [*SUBMIT_PATH, (Action.WITHDRAW, A.APPLICANT, Status.WITHDRAWN)],
    Status.REFUSED: [*SUBMIT_PATH, (Action.REFUSE, A.RECEPTIONIST, Status.REFUSED)],
    Status.RECEIVED: [*SUBMIT_PATH, PROCESS_PATH[0]],
    Status.PROCESSING: [*SUBMIT_PATH, *PROCESS_PATH],
    Status.SUPPLEMENT_REQUESTED: [
        *SUBMIT_PATH,
        *PROCESS_PATH,
        (Action.REQUEST_SUPPLEMENT, A.SPECIALIST, Status.SUPPLEMENT_REQUESTED),
    ],
    Status.AWAITING_PAYMENT: [
        *SUBMIT_PATH,
        *PROCESS_PATH,
        (Action.REQUIRE_PAYMENT, A.SPECIALIST, Status.AWAITING_PAYMENT),
    ],
    Status.STOPPED: [*SUBMIT_PATH, *PROCESS_PATH, (Action.STOP, A.SPECIALIST, Status.STOPPED)],
    Status.AWAITING_APPROVAL: [
        *SUBMIT_PATH,
        *PROCESS_PATH,
        (Action.PROPOSE, A.SPECIALIST, Status.AWAITING_APPROVAL),
    ],
    Status.RESULT_READY: [
        *SUBMIT_PATH,
        *PROCESS_PATH,
        (Action.PROPOSE, A.SPECIALIST, Status.AWAITING_APPROVAL),
        (Action.APPROVE, A.LEADER, Status.RESULT_READY),
    ],
    Status.RETURNED: [
        *SUBMIT_PATH,
        *PROCESS_PATH,
        (Action.PROPOSE, A.SPECIALIST, Status.AWAITING_APPROVAL),
        (Action.APPROVE, A.LEADER, Status.RESULT_READY),
        (Action.RETURN_RESULT, A.RECEPTIONIST, Status.RETURNED),
    ],
}
# Steps officials take in office hours; the applicant's at any hour.
OFFICE_ACTIONS = {
    Action.RECEIVE,
    Action.REFUSE,
    Action.ASSIGN,
    Action.PROPOSE,
    Action.APPROVE,
    Action.RETURN_RESULT,
    Action.REQUEST_SUPPLEMENT,
    Action.REQUIRE_PAYMENT,
    Action.STOP,
    Action.NOTE,
}
FINISHING = {Action.REFUSE, Action.WITHDRAW, Action.STOP, Action.RETURN_RESULT}
PAUSING = {Action.REQUEST_SUPPLEMENT, Action.REQUIRE_PAYMENT}


def log_hash(row: dict) -> str:
    """`DossierLog.compute_hash` without building a model instance (ten million of
    them would cost more than the hashing). Must give the bytes of
    `DossierLog.canonical`: its sorted-key JSON, written out key by key because
    json.dumps of the whole dict would be a fifth of the generator's time. The tests
    compare the two and `verify_dossier_log` rechecks the stored rows."""
    actor = row["actor_id"]
    data = row["data"]
    encoded = "".join(
        (
            '{"action":',
            _quote(row["action"]),
            ',"actor":',
            "null" if actor is None else str(actor),
            ',"actor_name":',
            _quote(row["actor_name"]),
            ',"actor_role":',
            _quote(row["actor_role"]),
            ',"created_at":"',
            row["created_at"].astimezone(dt.UTC).isoformat(),
            '","data":',
            "{}"
            if data == {}
            else json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
            ',"dossier":',
            str(row["dossier_id"]),
            ',"from":',
            _quote(row["from_status"]),
            ',"note":',
            _quote(row["note"]),
            ',"prev_hash":"',
            row["prev_hash"],
            '","seq":',
            str(row["seq"]),
            ',"to":',
            _quote(row["to_status"]),
            ',"visibility":',
            _quote(row["visibility"]),
            "}",
        )
    )
    return hashlib.sha256(encoded.encode()).hexdigest()


# json's own string quoting (its C version where built): what json.dumps uses with
# ensure_ascii=False.
_quote = json.encoder.encode_basestring


class Table:
    """Columns of a model's table in COPY order, with the model's defaults for the
    columns a row does not name. Rows are kept as tuples and written by psycopg's
    `Copy.write_row`, whose C dumpers format them: formatting each value in Python
    was a third of the generator's time."""

    def __init__(self, model, skip=()):
        self.model = model
        self.name = model._meta.db_table
        self.fields = [
            f
            for f in model._meta.concrete_fields
            if not getattr(f, "generated", False) and f.attname not in skip
        ]
        self.columns = [f.column for f in self.fields]
        self.attnames = [f.attname for f in self.fields]
        self.defaults = {}
        for f in self.fields:
            if f.has_default() and not callable(f.default):
                self.defaults[f.attname] = f.get_default()
            elif f.null:
                self.defaults[f.attname] = None
            elif f.get_internal_type() in ("CharField", "TextField"):
                self.defaults[f.attname] = ""
        self.json = {f.attname for f in self.fields if f.get_internal_type() == "JSONField"}
        # The row tuple in column order, picked in C (a generator over the names was a
        # tenth of the generator's time).
        pick = itemgetter(*self.attnames)
        self.pick = pick if len(self.attnames) > 1 else lambda merged: (pick(merged),)
        self.rows = []
        self.count = 0

    def add(self, **values):
        merged = self.defaults | values
        for name in self.json:
            value = merged[name]
            if value is not None:
                # COPY's text format takes the JSON as text; an empty object (most log
                # rows) needs no encoder.
                merged[name] = "{}" if value == {} else Jsonb(value)
        self.rows.append(self.pick(merged))
        self.count += 1

    def flush(self, cursor):
        """COPY the rows in; the caller holds the transaction. Safe to run in another
        thread than the one that added the rows, once they are all added."""
        if not self.rows:
            return
        columns = ", ".join(f'"{c}"' for c in self.columns)
        sql = f'COPY "{self.name}" ({columns}) FROM STDIN'
        with cursor.copy(sql) as copy:
            write = copy.write_row
            for row in self.rows:
                write(row)
        self.rows = []


def reserve_ids(model, count: int) -> int:
    """Take `count` ids from the table's sequence in one statement; returns the first.
    setval moves the sequence past the block, so concurrent inserts never collide."""
    if count <= 0:
        return 0
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'),"
            " nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
            [table, table, count],
        )
        (last,) = cursor.fetchone()
    return last - count + 1


@dataclass
class VersionInfo:
    id: int
    procedure_id: int
    case_id: int
    documents: list[int]
    days: dict[str, int]
    fee: int
    receiving: list[int]
    competent: list[int]


@dataclass
class Staff:
    receptionists: list[tuple[int, str]] = field(default_factory=list)
    specialists: list[tuple[int, str]] = field(default_factory=list)
    leaders: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Report:
    citizens: int = 0
    dossiers: int = 0
    log_rows: int = 0
    files: int = 0
    messages: int = 0
    ratings: int = 0
    payments: int = 0
    seconds: float = 0.0
    by_status: dict = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.dossiers / self.seconds if self.seconds else 0.0


class LoadGenerator:
    def __init__(
        self,
        *,
        dossiers: int,
        citizens: int | None = None,
        seed: int = 1,
        years: int = 4,
        batch: int = 10_000,
        now: dt.datetime | None = None,
        stdout=None,
    ):
        self.n = dossiers
        self.n_citizens = citizens or max(10, dossiers // 3)
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - invented data, repeatable by seed
        self.years = years
        self.batch = batch
        self.now = now or timezone.now()
        self.start = self.now - dt.timedelta(days=365 * years)
        self.stdout = stdout
        self.calendar = WorkingCalendar.load()
        self.tz = timezone.get_current_timezone()
        self.report = Report()
        self.tag = f"{USERNAME_PREFIX}{seed}-{uuid.uuid4().hex[:6]}"

    def say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(text)

    # --- reference data ---------------------------------------------------------------

    def load_catalogue(self) -> None:
        versions = (
            ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED, cases__isnull=False)
            .select_related("procedure")
            .prefetch_related(
                "cases__documents",
                "channels__fees",
                "procedure__competent_agencies",
                "procedure__executing_agencies",
            )
            .distinct()
        )
        points = {a.pk for a in Agency.objects.filter(is_active=True, is_receiving_point=True)}
        self.versions = []
        for v in versions:
            case = min(v.cases.all(), key=lambda c: (c.position, c.pk))
            competent = [a.pk for a in v.procedure.competent_agencies.all()]
            executing = [a.pk for a in v.procedure.executing_agencies.all()]
            receiving = sorted(points & set(competent + executing))
            if not receiving:
                continue
            days = {}
            fee = 0
            for channel in v.channels.all():
                days[channel.method] = max(1, int(channel.processing_time or 1))
                if channel.method == ChannelMethod.ONLINE:
                    fee = sum(f.amount for f in channel.fees.all() if f.kind == "fee")
            self.versions.append(
                VersionInfo(
                    id=v.pk,
                    procedure_id=v.procedure_id,
                    case_id=case.pk,
                    documents=[d.pk for d in case.documents.all()][:3],
                    days=days,
                    fee=fee,
                    receiving=receiving,
                    competent=competent,
                )
            )
        if not self.versions:
            raise RuntimeError(
                "No published procedure with a case and a receiving agency: "
                "run seed_demo (or import the catalogue) first."
            )
        # Zipf-like popularity: a few procedures (birth, residence) take most filings.
        self.versions.sort(key=lambda v: v.id)
        self.rng.shuffle(self.versions)
        self.version_weights = list(accumulate(1 / (i + 1) for i in range(len(self.versions))))

    def load_staff(self) -> None:
        """Officials of every agency that will receive or decide dossiers. The demo
        officials are used where they exist (so their queues fill up for the
        benchmark); one receptionist, four specialists and a leader are added per
        agency so the load spreads like in a real office."""
        User = get_user_model()
        agencies = {a for v in self.versions for a in v.receiving + v.competent}
        by_code = dict(Agency.objects.filter(pk__in=agencies).values_list("code", "pk"))
        self.staff = {pk: Staff() for pk in agencies}
        memberships = OfficialMembership.objects.filter(
            agency_id__in=by_code.values()
        ).select_related("user")
        for m in memberships:
            self._add_staff(m.agency_id, m.role, m.user.pk, str(m.user))
        new_users, new_members = [], []
        for code, pk in by_code.items():
            for role, count in (
                (OfficialRole.RECEPTIONIST, 1),
                (OfficialRole.SPECIALIST, 4),
                (OfficialRole.LEADER, 1),
            ):
                for i in range(count):
                    name = fake_name(self.rng)
                    user = User(
                        username=f"{self.tag}-{role[:4]}-{pk}-{i}",
                        full_name=name,
                        password="!",  # noqa: S106 - unusable: bench sessions are made directly
                    )
                    new_users.append(user)
                    new_members.append((user, code, role, pk))
        User.objects.bulk_create(new_users)
        OfficialMembership.objects.bulk_create(
            OfficialMembership(user=user, agency_id=pk, role=role)
            for user, _code, role, pk in new_members
        )
        for user, _code, role, pk in new_members:
            self._add_staff(pk, role, user.pk, user.full_name)

    def _add_staff(self, agency_id, role, user_id, name):
        staff = self.staff[agency_id]
        target = {
            OfficialRole.RECEPTIONIST: staff.receptionists,
            OfficialRole.SPECIALIST: staff.specialists,
            OfficialRole.LEADER: staff.leaders,
        }.get(role)
        if target is not None:
            target.append((user_id, name))

    # --- citizens ---------------------------------------------------------------------

    def make_citizens(self) -> None:
        User = get_user_model()
        table = Table(User)
        first = reserve_ids(User, self.n_citizens)
        self.citizens = []
        rng = self.rng
        for i in range(self.n_citizens):
            pk = first + i
            name = fake_name(rng)
            joined = self._random_moment(rng.random())
            table.add(
                id=pk,
                password="!",  # noqa: S106 - unusable: no one signs in with it
                username=f"{self.tag}-c{i}",
                full_name=name,
                # 9xx province prefixes are not used by the registry: no clash with demo ids.
                id_number=f"9{self.seed % 100:02d}{pk:09d}"[-12:],
                date_joined=joined,
                is_active=True,
                verification_level=2,
                registry_verified_at=joined,
                permanent_address=f"{rng.randint(1, 300)} {rng.choice(STREETS)}",
            )
            self.citizens.append((pk, name))
        with connection.cursor() as cursor, transaction.atomic():
            table.flush(cursor.cursor)
        self.report.citizens = self.n_citizens

    # --- dates ------------------------------------------------------------------------

    def _random_moment(self, fraction: float) -> dt.datetime:
        """A moment in the spread; more recent years file more (the portal grows)."""
        span = (self.now - self.start).total_seconds()
        return self.start + dt.timedelta(seconds=span * (fraction**0.7))

    @lru_cache(maxsize=20_000)  # noqa: B019 - one generator per run, dates repeat
    def _next_working(self, day: dt.date) -> dt.date:
        return self.calendar.next_working_day(day) if not self.calendar.is_working_day(day) else day

    @lru_cache(maxsize=200_000)  # noqa: B019
    def _add_working(self, day: dt.date, days: int) -> dt.date:
        return self.calendar.add_working_days(day, days)

    def _office(self, after: dt.datetime, rng) -> dt.datetime:
        """The first office moment at or after `after` on a working day, plus a bit."""
        local = after.astimezone(self.tz)
        day = local.date()
        if local.hour >= 16:
            day += dt.timedelta(days=1)
        day = self._next_working(day)
        if day == local.date() and 7 <= local.hour < 16:
            return after + dt.timedelta(minutes=rng.randint(5, 90))
        return dt.datetime.combine(day, dt.time(7, 30), tzinfo=self.tz) + dt.timedelta(
            minutes=rng.randint(0, 480)
        )

    def _timeline(self, created: dt.datetime, path, rng, days: int):
        """Moments of each step; officials act in office hours on working days."""
        moments, t = [], created
        for i, (action, _role, _target) in enumerate(path):
            if i:
                if action in OFFICE_ACTIONS:
                    gap = {
                        Action.PROPOSE: rng.uniform(0.3, 1.1) * days,
                        Action.APPROVE: rng.uniform(0, 1),
                        Action.RETURN_RESULT: rng.uniform(0, 2),
                    }.get(action, rng.uniform(0, 0.6))
                    t = self._office(t + dt.timedelta(days=gap), rng)
                else:
                    t = t + dt.timedelta(minutes=rng.randint(3, 60 * 24 * 2))
            moments.append(t)
        return moments

    # --- dossiers ---------------------------------------------------------------------

    def _counters(self) -> dict:
        return {
            (agency, day): last
            for agency, day, last in DossierCodeCounter.objects.values_list("agency", "day", "last")
        }

    def run(self) -> Report:
        began = time.monotonic()
        self.load_catalogue()
        self.load_staff()
        self.make_citizens()
        self.say(f"citizens: {self.n_citizens} in {time.monotonic() - began:.1f}s")
        self.codes = dict(Agency.objects.filter(pk__in=self.staff).values_list("pk", "code"))
        self.counters = self._counters()
        self.replica = self._may_skip_triggers()
        # Build in this thread, write in another: PostgreSQL takes in one batch on the
        # other core while Python makes the next (one batch in flight, so an error
        # stops the run after at most one more batch is built).
        done = 0
        first_batch = True
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="loadgen-writer") as writer:
            pending = None
            while done < self.n:
                size = min(self.batch, self.n - done)
                tables, counters = self._batch(size, first=first_batch)
                first_batch = False
                if pending is not None:
                    pending.result()
                pending = writer.submit(self._write, tables, counters)
                done += size
                elapsed = time.monotonic() - began
                self.say(
                    f"dossiers: {done}/{self.n} built, {self.report.dossiers} written, "
                    f"{self.report.dossiers / elapsed:,.0f} dossiers/s"
                )
            if pending is not None:
                pending.result()
        if self.replica:
            # The tally's trigger did not fire: count the open dossiers afresh.
            tally.rebuild()
        else:
            # The trigger wrote a +1 per open dossier into the tally; fold them now
            # rather than leave millions of rows to the first minutes of the beat.
            tally.compact()
        with connection.cursor() as cursor:
            for model in (
                get_user_model(),
                Dossier,
                DossierLog,
                StoredFile,
                DossierDocument,
                QueueTally,
            ):
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
        self.report.seconds = time.monotonic() - began
        return self.report

    @staticmethod
    def _may_skip_triggers() -> bool:
        """Whether the writer may run its batches as a replica does (superusers only):
        without the foreign-key checks and the queue tally's trigger, which together
        take half of PostgreSQL's time and would make it the bottleneck. The rows' keys are
        made here and checked by the tests; the tally is rebuilt at the end."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('is_superuser') = 'on'")
            return cursor.fetchone()[0]

    def _batch(self, size: int, *, first: bool = False):
        """Build `size` dossiers with everything that goes with them, in memory."""
        rng = self.rng
        dossiers = Table(Dossier)
        logs = Table(DossierLog, skip=("id",))
        files = Table(StoredFile)
        documents = Table(DossierDocument)
        messages = Table(DossierMessage)
        # No ids needed by other rows: the identity columns fill them in.
        ratings = Table(Rating, skip=("id",))
        payments = Table(Payment, skip=("id",))
        counters_touched = {}

        first_dossier = reserve_ids(Dossier, size)
        plans = []
        n_files = n_messages = 0
        for i in range(size):
            created = self._random_moment(rng.random())
            age = (self.now - created).days
            weights = RECENT if age < RECENT_DAYS else OLD
            status = rng.choices(list(weights), weights=list(weights.values()))[0]
            if first and i < len(Status.values):
                # The first few of a run: one recent dossier in every status, so every
                # page and queue has rows even at a tiny size.
                status = Status.values[i]
                created = self.now - dt.timedelta(days=rng.uniform(1, 30))
            version = self.versions[
                bisect(self.version_weights, rng.random() * self.version_weights[-1])
            ]
            path = PATHS[status]
            submitted = len(path) > 1 and path[1][0] == Action.SUBMIT
            docs = version.documents if submitted else version.documents[:1]
            # Messages only after submission (the service refuses them on drafts).
            chat = rng.choices((0, 1, 2), (60, 30, 10))[0] if submitted else 0
            plans.append((first_dossier + i, created, status, version, path, docs, chat))
            n_files += len(docs)
            n_messages += chat
        first_file = reserve_ids(StoredFile, n_files)
        first_document = reserve_ids(DossierDocument, n_files)
        first_message = reserve_ids(DossierMessage, n_messages)
        file_id, message_id = first_file, first_message

        for pk, created, status, version, path, docs, chat in plans:
            applicant_id, applicant_name = self.citizens[rng.randrange(len(self.citizens))]
            receiving = rng.choice(version.receiving)
            competent = (
                receiving
                if not version.competent or receiving in version.competent
                else version.competent[0]
            )
            channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
            days = version.days.get(channel) or version.days.get(ChannelMethod.ONLINE) or 5
            moments = self._timeline(created, path, rng, days)
            if moments[-1] > self.now:
                # Squeeze a recent dossier's steps into the time it has had so far.
                span = (moments[-1] - created).total_seconds() or 1
                room = max(60.0, (self.now - created).total_seconds() - 60)
                moments = [created + (m - created) * (room / span) for m in moments]
            desk = self.staff[receiving]
            office = self.staff[competent]
            receptionist = rng.choice(desk.receptionists or office.receptionists or [(None, "")])
            specialist = rng.choice(office.specialists or [(None, "")])
            leader = rng.choice(office.leaders or [(None, "")])
            actors = {
                A.APPLICANT: (applicant_id, applicant_name),
                A.RECEPTIONIST: receptionist,
                A.SPECIALIST: specialist,
                A.LEADER: leader,
            }
            row = {
                "id": pk,
                # The primary key mixed in: a second run with the same seed draws the
                # same bits, never the same refs.
                "ref": uuid.UUID(int=rng.getrandbits(128) ^ pk, version=4),
                "version_id": version.id,
                "case_id": version.case_id,
                "channel": channel,
                "applicant_id": applicant_id,
                "receiving_agency_id": receiving,
                "competent_agency_id": competent,
                "status": status,
                "form_data": {"ho_ten": applicant_name},
                "created_at": created,
                "updated_at": moments[-1],
                "paused_days": 0,
            }
            events = []
            prev_status = ""
            for (action, role, target), moment in zip(path, moments, strict=True):
                actor_id, actor_name = actors[role]
                data = {}
                if action == Action.SUBMIT:
                    local_day = moment.astimezone(self.tz).date()
                    key = (receiving, local_day)
                    number = self.counters.get(key, 0) + 1
                    self.counters[key] = counters_touched[key] = number
                    row["code"] = f"{self.codes[receiving]}-{local_day:%y%m%d}-{number:04d}"
                    row["submitted_at"] = moment
                    data["code"] = row["code"]
                elif action == Action.RECEIVE:
                    row["received_at"] = moment
                    start = moment.astimezone(self.tz).date()
                    due = self._add_working(start, days)
                    row["due_at"] = dt.datetime.combine(due, dt.time(17, 0), tzinfo=self.tz)
                    data["due_at"] = row["due_at"].isoformat()
                elif action == Action.ASSIGN:
                    row["assignee_id"] = specialist[0]
                elif action == Action.RETURN_RESULT and row.get("due_at"):
                    data["timeliness"] = "late" if moment > row["due_at"] else "early"
                if action in FINISHING:
                    row["finished_at"] = moment
                if action == Action.REQUEST_SUPPLEMENT:
                    data["phase"] = "processing" if row.get("due_at") else "desk"
                if action in PAUSING and row.get("due_at"):
                    # At the desk the clock has not started: nothing to pause.
                    row["paused_at"] = moment
                    data["clock"] = "paused"
                events.append(
                    (moment, actor_id, actor_name, role, action, prev_status, target, "", data)
                )
                prev_status = target
                if action == Action.ASSIGN and len(path) > 4:
                    # Work on the file between assignment and the next step: internal notes.
                    for _ in range(rng.randint(1, 3)):
                        events.append(
                            (
                                moment + dt.timedelta(minutes=rng.randint(1, 600)),
                                specialist[0],
                                specialist[1],
                                A.SPECIALIST,
                                Action.NOTE,
                                "",
                                "",
                                rng.choice(NOTES),
                                {},
                            )
                        )
            if status == Status.RETURNED and rng.random() < 0.6:
                scores = {k: rng.choices((3, 4, 5), (10, 30, 60))[0] for k in range(7)}
                rated = moments[-1] + dt.timedelta(hours=rng.randint(1, 72))
                rated = min(rated, self.now)
                ratings.add(
                    dossier_id=pk,
                    moment=EvaluationMoment.RESULT,
                    overall=scores[0],
                    staff_attitude=scores[1],
                    timeliness=scores[2],
                    guidance=scores[3],
                    transparency=scores[4],
                    contacts=scores[5],
                    result_conformity=scores[6],
                    created_at=rated,
                )
                events.append(
                    (
                        rated,
                        applicant_id,
                        applicant_name,
                        A.APPLICANT,
                        Action.RATE,
                        status,
                        status,
                        "",
                        {"moment": EvaluationMoment.RESULT, "overall": scores[0]},
                    )
                )
                row["updated_at"] = rated
            submitted_at = row.get("submitted_at")
            last = moments[-1]
            for j in range(chat):
                when = submitted_at + (last - submitted_at) * rng.random() if submitted_at else last
                from_agency = j % 2 == 1
                author = receptionist if from_agency else (applicant_id, applicant_name)
                if author[0] is None:
                    author = (applicant_id, applicant_name)
                    from_agency = False
                body = rng.choice(MESSAGES_OUT if from_agency else MESSAGES_IN)
                messages.add(
                    id=message_id,
                    dossier_id=pk,
                    author_id=author[0],
                    author_name=author[1],
                    from_agency=from_agency,
                    body=body,
                    created_at=when,
                )
                role = A.RECEPTIONIST if from_agency else A.APPLICANT
                events.append(
                    (
                        when,
                        author[0],
                        author[1],
                        role,
                        Action.MESSAGE,
                        "",
                        "",
                        body,
                        {"message": message_id},
                    )
                )
                message_id += 1
            for required in docs:
                files.add(
                    id=file_id,
                    owner_id=applicant_id,
                    file=f"dossier-files/load/{uuid.UUID(int=rng.getrandbits(128)).hex}",
                    name=f"giay-to-{required}.pdf",
                    content_type="application/pdf",
                    size=rng.randint(40_000, 4_000_000),
                    sha256=f"{rng.getrandbits(256):064x}",
                    kind=FileKind.UPLOAD,
                    created_at=created,
                )
                documents.add(
                    id=first_document + (file_id - first_file),
                    dossier_id=pk,
                    required_document_id=required,
                    file_id=file_id,
                    is_result=False,
                    added_at=created,
                )
                file_id += 1
            if status == Status.AWAITING_PAYMENT:
                payments.add(
                    dossier_id=pk,
                    purpose=PaymentPurpose.OBLIGATION,
                    amount=200_000,
                    reason="Phí cung cấp thông tin.",
                    status="pending",
                    reference=f"LD{pk:012d}",
                    created_at=row["paused_at"],
                )
            # The log: in time order (notes and messages interleave), hash-chained.
            events.sort(key=lambda e: e[0])
            prev = GENESIS
            for seq, (moment, actor_id, actor_name, role, action, frm, to, note, data) in enumerate(
                events, start=1
            ):
                entry = {
                    "dossier_id": pk,
                    "seq": seq,
                    "created_at": moment,
                    "actor_id": actor_id,
                    "actor_name": actor_name if actor_id else "",
                    "actor_role": role,
                    "action": action,
                    "from_status": frm,
                    "to_status": to,
                    "note": note,
                    "visibility": Visibility.INTERNAL
                    if action == Action.NOTE
                    else Visibility.PUBLIC,
                    "data": data,
                    "prev_hash": prev,
                }
                entry["hash"] = prev = log_hash(entry)
                logs.add(**entry)
            dossiers.add(**row)
            self.report.by_status[status] = self.report.by_status.get(status, 0) + 1

        return [dossiers, files, documents, messages, logs, ratings, payments], counters_touched

    def _write(self, tables, counters_touched) -> None:
        """One batch in one transaction. Runs in the writer thread, on that thread's
        own connection, while the main thread builds the next batch."""
        try:
            with transaction.atomic(), connection.cursor() as wrapper:
                cursor = wrapper.cursor
                if self.replica:
                    cursor.execute("SET LOCAL session_replication_role = replica")
                for table in tables:
                    table.flush(cursor)
                if counters_touched:
                    # Same upsert as dossier_code_next, keeping the highest number handed out.
                    cursor.executemany(
                        """
                        INSERT INTO dossiers_dossiercodecounter (agency_id, day, last)
                        VALUES (%s, %s, %s)
                        ON CONFLICT (agency_id, day)
                        DO UPDATE SET
                          last = GREATEST(dossiers_dossiercodecounter.last, EXCLUDED.last)
                        """,
                        [(a, d, n) for (a, d), n in counters_touched.items()],
                    )
        finally:
            connection.close()
        dossiers, files, _documents, messages, logs, ratings, payments = tables
        r = self.report
        r.dossiers += dossiers.count
        r.log_rows += logs.count
        r.files += files.count
        r.messages += messages.count
        r.ratings += ratings.count
        r.payments += payments.count
