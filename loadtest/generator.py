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
import multiprocessing
import random
import time
import uuid
from bisect import bisect
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, fields
from itertools import accumulate
from operator import itemgetter
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from dossiers import evaluation, legal, tally
from dossiers.constants import (
    FINAL,
    RUNNING,
    Action,
    ActorRole,
    ConsultationStatus,
    DeadlineState,
    EvaluationMoment,
    FileKind,
    PaymentPurpose,
    PaymentStatus,
    ReturnMode,
    Status,
    Visibility,
)
from dossiers.consultation import ASKABLE as CONSULT_ASKABLE
from dossiers.consultation import VIEW as VIEW_DOSSIER
from dossiers.consultation import agency_group_name
from dossiers.models import (
    Consultation,
    Dossier,
    DossierAssessment,
    DossierCodeCounter,
    DossierDocument,
    DossierGroupObjectPermission,
    DossierLog,
    DossierMessage,
    Payment,
    QueueTally,
    Rating,
    StoredFile,
)
from dossiers.queues import name_key, name_words
from dossiers.services import ASSESSED
from dossiers.services.clock import DESK, LATE, ON_TIME, PROCESSING
from dossiers.workflow import OVERDUE_EXEMPT
from feedback.constants import Action as FeedbackAction
from feedback.constants import Kind as FeedbackKind
from feedback.constants import Status as FeedbackStatus
from feedback.constants import Subject as FeedbackSubject
from feedback.models import Feedback, FeedbackCodeCounter, FeedbackLog
from feedback.services import answer_days as feedback_answer_days
from identity.constants import OfficialRole, Sex
from identity.demo import STREETS, fake_name
from identity.models import OfficialMembership
from identity.validators import CENTURY_SEX_DIGITS, province_codes
from indicators import refresh
from loadtest.calendar import FastCalendar
from procedures.calendar import WorkingCalendar
from procedures.constants import ChannelMethod, VersionStatus
from procedures.models import Agency, ProcedureVersion

GENESIS = DossierLog.GENESIS
RESERVE_LOCK = 0x10AD
# Where the definitions of the indexes a load set aside wait until they are built again.
SET_ASIDE = "loadtest_indexes_set_aside"
# The tables that take most rows in a load, whose secondary indexes it may set aside.
INDEXED_AGAIN = (Dossier, DossierLog, StoredFile, DossierDocument)
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
# Citizens' dates of birth: adults, born 1945-2007.
ADULTS_BORN_FROM = dt.date(1945, 1, 1)
ADULTS_BORN_SPAN_DAYS = (dt.date(2007, 12, 31) - ADULTS_BORN_FROM).days
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
# Rows only officials read (as the services write them).
INTERNAL = {
    Action.NOTE,
    Action.PROPOSE,
    Action.OVERDUE,
    Action.CONSULT,
    Action.ANSWER,
    Action.CONSULT_CLOSE,
}

# What the statistics count, in shares chosen to look like a city's year: most results
# early, some on the day, some late (planned against the appointment; pauses, apologies
# and the squeeze of recent dossiers move the outcome, which is then computed from the
# moments as `dossier_return_result` computes it).
FINISH_PLAN = (("early", 60), ("on_time", 30), ("late", 10))
LATE_TRANSFER_SHARE = 0.06  # transfers from the desk that miss the 15:00 rule, about
DESK_SUPPLEMENT_SHARE = 0.06  # dossiers sent back once by the desk before receipt
SUPPLEMENT_SHARE = 0.14  # dossiers asked for a supplement during processing
REPEAT_SHARE = 0.2  # of those, asked a second time (a leader's confirmed request)
PAYMENT_SHARE = 0.06  # dossiers with a financial obligation paid during processing
EARLY_APOLOGY_SHARE = 0.35  # of those heading for a late result: apology ahead of time
OVERDUE_APOLOGY_SHARE = 0.5  # of those overdue now: the apology was given
CONSULT_SHARE = 0.04  # dossiers on which another agency was consulted
FEEDBACK_SHARE = 0.025  # dossiers whose applicant sent feedback
RESULT_FILE_SHARE = 0.75  # results issued as an electronic document
DIGITISED_SHARE = 0.85  # paper dossiers scanned at the desk
RATING_SHARE = {
    EvaluationMoment.RESULT: 0.55,
    EvaluationMoment.RECEIPT: 0.06,
    EvaluationMoment.SUPPLEMENT: 0.2,
    EvaluationMoment.REFUSAL: 0.15,
}

SUPPLEMENT_NOTES = (
    "Bổ sung bản sao có chứng thực giấy khai sinh.",
    "Tờ khai chưa có chữ ký của người yêu cầu; bổ sung bản có chữ ký.",
    "Bổ sung bản vẽ hiện trạng có xác nhận của đơn vị đo đạc.",
)
CONFIRMATIONS = ("Hồ sơ bổ sung lần trước chưa có bản chính để đối chiếu.",)
REFUSALS = ("Hồ sơ thuộc thẩm quyền của nơi đăng ký thường trú.",)
STOPS = ("Người yêu cầu không thuộc đối tượng.",)
APOLOGIES = (
    "Hồ sơ cần xin ý kiến cơ quan liên quan nên chưa kịp trả kết quả đúng hẹn.",
    "Số lượng hồ sơ tăng đột biến; cơ quan xin lỗi và hẹn lại ngày trả kết quả.",
)
CONSULT_QUESTIONS = ("Đề nghị cho ý kiến về quy hoạch sử dụng đất tại thửa đất nêu trong hồ sơ.",)
CONSULT_ANSWERS = ("Thửa đất phù hợp quy hoạch; không có ý kiến khác.",)
COMMENTS_GOOD = ("Nhanh, cán bộ hướng dẫn rõ ràng.", "Thủ tục gọn, trả kết quả trước hẹn.")
COMMENTS_BAD = ("Phải đi lại nhiều lần.", "Trả kết quả chậm so với giấy hẹn.")
# (title, text, answer): no personal data, so that a consented answer may be public.
FEEDBACK_TEXTS = (
    (
        "Thời gian chờ tại quầy tiếp nhận",
        "Buổi sáng phải chờ hơn một giờ dù đã lấy số thứ tự sớm.",
        "Bộ phận một cửa đã bố trí thêm một quầy tiếp nhận vào buổi sáng.",
    ),
    (
        "Hướng dẫn thành phần hồ sơ",
        "Trang hướng dẫn chưa nói rõ cần tải lên bản chụp giấy tờ nào.",
        "Cơ quan đã cập nhật hướng dẫn thành phần hồ sơ trên cổng dịch vụ công.",
    ),
    (
        "Niêm yết lệ phí",
        "Đề nghị niêm yết rõ mức lệ phí tại bộ phận một cửa.",
        "Mức lệ phí đã được niêm yết tại quầy và trên trang thủ tục.",
    ),
)


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
    # The builder processes reserve at the same time: one at a time, or two could read
    # the same nextval before either moves the sequence.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RESERVE_LOCK])
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
    fees: dict[str, int]
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
    feedback: int = 0
    consultations: int = 0
    seconds: float = 0.0
    summary_rows: int = 0
    statistics_seconds: float = 0.0
    by_status: dict = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.dossiers / self.seconds if self.seconds else 0.0


@dataclass
class Tables:
    """The rows of one batch, per table; `in_order` is the COPY order (referenced
    tables first, for a run that keeps the foreign-key checks)."""

    dossiers: Table
    files: Table
    documents: Table
    messages: Table
    consultations: Table
    feedback: Table
    logs: Table
    ratings: Table
    payments: Table
    assessments: Table
    grants: Table
    feedback_logs: Table
    by_status: dict = field(default_factory=dict)

    @classmethod
    def empty(cls) -> Tables:
        return cls(
            dossiers=Table(Dossier),
            files=Table(StoredFile),
            documents=Table(DossierDocument),
            messages=Table(DossierMessage),
            consultations=Table(Consultation),
            feedback=Table(Feedback),
            logs=Table(DossierLog, skip=("id",)),
            # No ids needed by other rows: the identity columns fill them in.
            ratings=Table(Rating, skip=("id",)),
            payments=Table(Payment, skip=("id",)),
            assessments=Table(DossierAssessment, skip=("id",)),
            grants=Table(DossierGroupObjectPermission, skip=("id",)),
            feedback_logs=Table(FeedbackLog, skip=("id",)),
        )

    def pack(self) -> tuple[dict[str, list[tuple]], dict]:
        """The rows alone, to send from a builder process (tuples of plain values
        pickle fast; the tables' model fields do not)."""
        return {f.name: getattr(self, f.name).rows for f in TABLE_FIELDS}, self.by_status

    @classmethod
    def unpack(cls, packed) -> Tables:
        rows, by_status = packed
        tables = cls.empty()
        for name, table_rows in rows.items():
            table = getattr(tables, name)
            table.rows = table_rows
            table.count = len(table_rows)
        tables.by_status = by_status
        return tables

    def in_order(self) -> list[Table]:
        return [
            self.dossiers,
            self.files,
            self.documents,
            self.messages,
            self.consultations,
            self.feedback,
            self.logs,
            self.ratings,
            self.payments,
            self.assessments,
            self.grants,
            self.feedback_logs,
        ]


TABLE_FIELDS = [f for f in fields(Tables) if f.name != "by_status"]


@dataclass
class Ids:
    """The next id of each block reserved for a batch."""

    file: int
    document: int
    message: int
    consultation: int
    feedback: int


@dataclass
class Walk:
    """Where one dossier stands while its steps are walked in time order."""

    last: dt.datetime
    status: str = ""
    due: dt.datetime | None = None
    paused: dt.datetime | None = None
    apologised: bool = False
    supplements: int = 0
    obligation: tuple | None = None
    overdue: set = field(default_factory=set)
    changes: list = field(default_factory=list)  # (moment, status reached)

    def status_at(self, moment: dt.datetime) -> str:
        status = ""
        for at, reached in self.changes:
            if at > moment:
                break
            status = reached
        return status


class LoadGenerator:
    def __init__(
        self,
        *,
        dossiers: int,
        citizens: int | None = None,
        seed: int = 1,
        years: int = 4,
        batch: int = 10_000,
        workers: int = 1,
        indexes: str = "auto",
        now: dt.datetime | None = None,
        statistics: bool = True,
        stdout=None,
    ):
        self.n = dossiers
        self.n_citizens = citizens or max(10, dossiers // 3)
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - invented data, repeatable by seed
        self.years = years
        self.batch = batch
        self.workers = workers
        self.indexes = indexes
        self.now = now or timezone.now()
        self.start = self.now - dt.timedelta(days=365 * years)
        self.stdout = stdout
        self.statistics = statistics
        self.calendar = WorkingCalendar.load()
        self.tz = timezone.get_current_timezone()
        self.fcal = FastCalendar(
            self.calendar, self.start.astimezone(self.tz).date(), self.now.date(), self.tz
        )
        # The rules' settings, read once (`dossiers.legal`).
        self.clock_rule = legal.supplement_clock()
        self.supplement_days = legal.supplement_request_days()
        self.apology_lead = legal.apology_lead_days()
        self.morning_end = legal.transfer_morning_end()
        self.feedback_days = feedback_answer_days()
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
            days, fees = {}, {}
            for channel in v.channels.all():
                days[channel.method] = max(1, int(channel.processing_time or 1))
                # As `dossiers.services.payments.version_fee` sums them.
                fees[channel.method] = sum(
                    f.amount or 0 for f in channel.fees.all() if f.currency == "VND"
                )
            self.versions.append(
                VersionInfo(
                    id=v.pk,
                    procedure_id=v.procedure_id,
                    case_id=case.pk,
                    documents=[d.pk for d in case.documents.all()][:3],
                    days=days,
                    fees=fees,
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
        provinces = self._free_provinces()
        digits = {(century, sex): d for d, (century, sex) in CENTURY_SEX_DIGITS.items()}
        for i in range(self.n_citizens):
            pk = first + i
            sex = rng.choice((Sex.MALE, Sex.FEMALE))
            name = fake_name(rng, sex)
            born = ADULTS_BORN_FROM + dt.timedelta(days=rng.randrange(ADULTS_BORN_SPAN_DAYS))
            joined = self._random_moment(rng.random())
            table.add(
                id=pk,
                password="!",  # noqa: S106 - unusable: no one signs in with it
                username=f"{self.tag}-c{i}",
                full_name=name,
                # A number of the right shape for the date of birth and sex, as the
                # portal's declarations check it. The account's id picks a province no
                # account had before this run (one per million ids) and the serial, so
                # numbers never repeat.
                id_number=(
                    f"{provinces[(pk // 10**6) % len(provinces)]}"
                    f"{digits[(born.year // 100 * 100, sex)]}{born.year % 100:02d}{pk % 10**6:06d}"
                ),
                birth_date=born,
                sex=sex,
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

    def _free_provinces(self) -> list[str]:
        """Province-of-birth codes that no account's ID number starts with yet."""
        User = get_user_model()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT left(id_number, 3) FROM {User._meta.db_table} "  # noqa: S608
                "WHERE id_number IS NOT NULL"
            )
            used = {row[0] for row in cursor.fetchall()}
        free = sorted(set(province_codes()) - used)
        if not free:
            raise RuntimeError("every province code is taken: no new ID numbers to give")
        return free

    # --- dates ------------------------------------------------------------------------

    def _random_moment(self, fraction: float) -> dt.datetime:
        """A moment in the spread; more recent years file more (the portal grows)."""
        span = (self.now - self.start).total_seconds()
        return self.start + dt.timedelta(seconds=span * (fraction**0.7))

    def _next_working(self, day: dt.date) -> dt.date:
        return day if self.fcal.is_working_day(day) else self.fcal.next_working_day(day)

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

    def _office_on(self, day: dt.date, rng) -> dt.datetime:
        """A moment of office hours on `day` (7:30 to 15:30: before the cut-off)."""
        return dt.datetime.combine(day, dt.time(7, 30), tzinfo=self.tz) + dt.timedelta(
            minutes=rng.randint(0, 480)
        )

    def _path(self, status: str, rng, channel: str) -> list:
        """The steps to `status`: its path of PATHS with the round trips a dossier may
        have made on the way (a supplement at the desk; supplements, a second one
        confirmed by a leader, and a financial obligation during processing), each an
        edge of the workflow table."""
        path = list(PATHS[status])
        actions = [step[0] for step in path]
        # Who answers a supplement: the applicant online, the desk for paper dossiers.
        answers = A.APPLICANT if channel == ChannelMethod.ONLINE else A.RECEPTIONIST
        if (
            Action.RECEIVE in actions or Action.REFUSE in actions
        ) and rng.random() < DESK_SUPPLEMENT_SHARE:
            at = actions.index(Action.SUBMIT) + 1
            path[at:at] = [
                (Action.REQUEST_SUPPLEMENT, A.RECEPTIONIST, Status.DESK_SUPPLEMENT),
                (Action.SUPPLEMENT, answers, Status.SUBMITTED),
            ]
        if Action.ASSIGN not in actions:
            return path
        at = [step[0] for step in path].index(Action.ASSIGN) + 1
        detours = []
        trips = 1 if rng.random() < SUPPLEMENT_SHARE else 0
        if trips and rng.random() < REPEAT_SHARE:
            trips = 2
        if status == Status.SUPPLEMENT_REQUESTED:
            # The request it waits on may itself be the second one.
            trips = min(trips, 1)
        for n in range(trips):
            detours += [
                (
                    Action.REQUEST_SUPPLEMENT,
                    A.LEADER if n else A.SPECIALIST,
                    Status.SUPPLEMENT_REQUESTED,
                ),
                (Action.SUPPLEMENT, answers, Status.PROCESSING),
            ]
        if status == Status.SUPPLEMENT_REQUESTED and trips:
            path[-1] = (Action.REQUEST_SUPPLEMENT, A.LEADER, Status.SUPPLEMENT_REQUESTED)
        if status != Status.AWAITING_PAYMENT and rng.random() < PAYMENT_SHARE:
            detours += [
                (Action.REQUIRE_PAYMENT, A.SPECIALIST, Status.AWAITING_PAYMENT),
                (Action.PAY, A.APPLICANT, Status.PROCESSING),
            ]
        path[at:at] = detours
        return path

    def _timeline(self, created: dt.datetime, path, rng, days: int, plan: str):
        """Moments of each step; officials act in office hours on working days. The
        result is proposed and returned around a day chosen against the appointment
        (`plan`: early, on time or late), the appointment estimated as the services
        move it (restarted after a supplement, moved by a paid obligation's wait)."""
        cal = self.fcal
        moments, t = [], created
        due_day = paused_day = target = None
        for i, (action, _role, target_status) in enumerate(path):
            if i:
                if action == Action.PROPOSE:
                    t = self._office(t + dt.timedelta(days=rng.uniform(0.1, 0.8)), rng)
                    today = cal.local(t).date()
                    target = today
                    if due_day is not None:
                        left = cal.working_days_between(today, due_day)
                        if plan == "early" and left > 0:
                            target = cal.add_working_days(today, rng.randint(0, left - 1))
                        elif plan == "late":
                            target = cal.add_working_days(max(due_day, today), rng.randint(1, 8))
                        else:
                            target = max(due_day, today)
                    if target > today:
                        # Proposed the working day before the result is due out.
                        day = cal.working_day_before(target, 1)
                        if day > today:
                            t = self._office_on(day, rng)
                elif action == Action.APPROVE and target is not None:
                    # The leader signs within hours of the proposal.
                    t = t + dt.timedelta(minutes=rng.randint(5, 120))
                elif action == Action.RETURN_RESULT and target is not None:
                    on_day = self._office_on(target, rng)
                    t = on_day if on_day > t else t + dt.timedelta(minutes=rng.randint(5, 60))
                elif action in OFFICE_ACTIONS:
                    if action == Action.ASSIGN:
                        # Most transfers within the hour; some wait a day or two.
                        gap = (
                            rng.uniform(0.3, 2.5)
                            if rng.random() < LATE_TRANSFER_SHARE
                            else rng.uniform(0.003, 0.04)
                        )
                    elif action in (Action.REQUEST_SUPPLEMENT, Action.REQUIRE_PAYMENT):
                        gap = rng.uniform(0.1, 0.5) * days if due_day else rng.uniform(0, 1)
                    elif action == Action.STOP:
                        gap = rng.uniform(0.3, 1.0) * days
                    else:
                        gap = {Action.APPROVE: rng.uniform(0, 1)}.get(action, rng.uniform(0, 1.2))
                    t = self._office(t + dt.timedelta(days=gap), rng)
                elif action == Action.SUPPLEMENT:
                    t = t + dt.timedelta(days=rng.uniform(0.3, 6))
                elif action == Action.PAY:
                    t = t + dt.timedelta(days=rng.uniform(0.05, 3))
                else:
                    t = t + dt.timedelta(minutes=rng.randint(3, 60 * 24 * 2))
            moments.append(t)
            if action == Action.RECEIVE or (
                action == Action.SUPPLEMENT and target_status == Status.PROCESSING
            ):
                due_day = cal.add_working_days(cal.clock_start(t), days)
            elif action == Action.REQUIRE_PAYMENT:
                paused_day = cal.local(t).date()
            elif action == Action.PAY and due_day is not None and paused_day is not None:
                waited = cal.working_days_between(paused_day, cal.local(t).date())
                due_day = cal.add_working_days(due_day, waited)
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
        self.feedback_counters = dict(FeedbackCodeCounter.objects.values_list("day", "last"))
        self._load_consultation_targets()
        self.replica = self._may_skip_triggers()
        with self._indexes_set_aside():
            self._load(began)
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
                Rating,
                Payment,
                DossierAssessment,
                Consultation,
                Feedback,
                FeedbackLog,
            ):
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
        self.report.seconds = time.monotonic() - began
        with connection.cursor() as cursor:
            # A BRIN index answers only for the block ranges it has summarised, which
            # autovacuum does after a load; until then every range matches and the
            # statistics' daily read of the receipts scans the whole table.
            cursor.execute(
                "SELECT brin_summarize_new_values(i.indexrelid::regclass) FROM pg_index i"
                " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
                " WHERE a.amname = 'brin' AND i.indrelid = %s::regclass",
                [Dossier._meta.db_table],
            )
        if self.statistics:
            self.say("statistics: refreshing every day from the first dossier to today")
            refreshed = time.monotonic()
            first_day = refresh.first_day()
            if first_day is not None:
                # Two processes: the refresh waits on PostgreSQL about as long as it
                # computes.
                self.report.summary_rows = refresh.refresh(
                    first_day, timezone.localdate(), workers=2
                )
            refresh.analyze()
            self.report.statistics_seconds = time.monotonic() - refreshed
        return self.report

    def _load(self, began: float) -> None:
        """The batches, built and written. Written in another thread than the one that
        receives (or builds) them: PostgreSQL takes in one batch while Python makes
        the next (one batch in flight, so an error stops the run after at most one
        more batch is built)."""
        with (
            closing(self._built_batches()) as batches,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="loadgen-writer") as writer,
        ):
            pending = None
            for tables in batches:
                counters = self._number(tables)
                if pending is not None:
                    pending.result()
                pending = writer.submit(self._write, tables, counters)
                self.built += tables.dossiers.count
                elapsed = time.monotonic() - began
                self.say(
                    f"dossiers: {self.built}/{self.n} built, {self.report.dossiers} written, "
                    f"{self.report.dossiers / elapsed:,.0f} dossiers/s"
                )
            if pending is not None:
                pending.result()

    @contextmanager
    def _indexes_set_aside(self):
        """For a load at least as large as the dossiers already there (`indexes`
        "auto"; "rebuild" always, "keep" never), run as a superuser: the secondary
        indexes of the tables that take most rows are dropped before the batches and
        built again after them, even when a batch fails. Building an index once from
        sorted rows costs PostgreSQL about half of keeping it up to date row by row,
        and the dossiers' forty indexes are most of its work in a load. Their
        definitions are kept in a table of their own until they are back, so that a
        run killed before the end has them built again by the next run."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {SET_ASIDE} (name text PRIMARY KEY, definition text)"
            )
        self._build_indexes()  # those a killed run left aside
        if self.indexes == "keep" or not self.replica:
            yield
            return
        if self.indexes == "auto" and Dossier.objects.count() > self.n:
            yield
            return
        tables = [model._meta.db_table for model in INDEXED_AGAIN]
        with transaction.atomic(), connection.cursor() as cursor:
            # Not the unique ones (primary keys, codes, refs): they check the rows as
            # they come.
            cursor.execute(
                f"INSERT INTO {SET_ASIDE} (name, definition)"  # noqa: S608 - a constant
                " SELECT i.indexname, i.indexdef FROM pg_indexes i"
                " WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)"
                " AND i.indexdef NOT LIKE 'CREATE UNIQUE%%'"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
                " RETURNING name",
                [tables],
            )
            names = [name for (name,) in cursor.fetchall()]
            for name in names:
                cursor.execute(f'DROP INDEX "{name}"')
        self.say(f"indexes: {len(names)} set aside for the load")
        try:
            yield
        finally:
            began = time.monotonic()
            self._build_indexes()
            self.say(f"indexes: built again in {time.monotonic() - began:.1f}s")

    def _build_indexes(self) -> None:
        """Builds the indexes set aside, two at a time (one a core), each removed from
        the list once built."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT name, definition FROM {SET_ASIDE} ORDER BY name")  # noqa: S608
            aside = cursor.fetchall()
        if not aside:
            return

        def build(name: str, definition: str) -> None:
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
                    cursor.execute(
                        definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1)
                    )
                    cursor.execute(f"DELETE FROM {SET_ASIDE} WHERE name = %s", [name])  # noqa: S608
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="loadgen-index") as pool:
            for done in [pool.submit(build, name, definition) for name, definition in aside]:
                done.result()

    def _batch_plan(self):
        """(size, offset, first) of each batch of the run, in order."""
        done = 0
        while done < self.n:
            size = min(self.batch, self.n - done)
            yield size, done, done == 0
            done += size

    def _built_batches(self):
        """The run's batches in order, built here (`workers` 1) or by that many
        processes forked from this one, each building whole batches while this one
        numbers the codes and writes (Python building rows is the load's bottleneck,
        and one process uses one core). At most `workers` + 1 batches wait built."""
        self.built = 0
        if self.workers <= 1:
            for size, offset, first in self._batch_plan():
                first_dossier = reserve_ids(Dossier, size)
                yield self._batch(size, offset=offset, first=first, first_dossier=first_dossier)
            return
        global _BUILDER
        _BUILDER = self
        # The builders open connections of their own: none may inherit this one's.
        connection.close()
        pool = multiprocessing.get_context("fork").Pool(self.workers)
        try:
            waiting = deque()
            plan = self._batch_plan()
            for size, offset, first in plan:
                first_dossier = reserve_ids(Dossier, size)
                waiting.append(pool.apply_async(_build, (size, offset, first, first_dossier)))
                if len(waiting) > self.workers:
                    yield Tables.unpack(waiting.popleft().get())
            while waiting:
                yield Tables.unpack(waiting.popleft().get())
        finally:
            pool.terminate()
            pool.join()
            _BUILDER = None

    def _number(self, tables: Tables) -> tuple[dict, dict]:
        """Codes for the batch's submitted dossiers and its feedback, in the order of
        the rows, from the same per agency and day (per day) counters as the services;
        returns the counters the batch moved, for `_write` to upsert."""
        codes, feedback_codes = {}, {}
        rows = tables.dossiers.rows
        at = tables.dossiers.attnames.index("code")
        for i, row in enumerate(rows):
            key = row[at]
            if key is None:
                continue
            number = self.counters.get(key, 0) + 1
            self.counters[key] = codes[key] = number
            agency, day = key
            code = f"{self.codes[agency]}-{day:%y%m%d}-{number:04d}"
            rows[i] = (*row[:at], code, *row[at + 1 :])
        rows = tables.feedback.rows
        at = tables.feedback.attnames.index("code")
        for i, row in enumerate(rows):
            day = row[at]
            number = self.feedback_counters.get(day, 0) + 1
            self.feedback_counters[day] = feedback_codes[day] = number
            rows[i] = (*row[:at], f"PA-{day:%y%m%d}-{number:04d}", *row[at + 1 :])
        for status, n in tables.by_status.items():
            self.report.by_status[status] = self.report.by_status.get(status, 0) + n
        return codes, feedback_codes

    def _load_consultation_targets(self) -> None:
        """The agencies another one may consult (those with staff here), their codes,
        names and guardian groups (`agency:<code>`, made as `consultation_ask` makes
        them), and the permission an open consultation grants."""
        from django.contrib.auth.models import Group, Permission

        agencies = Agency.objects.filter(pk__in=self.staff).order_by("pk")
        self.agency_list = [a.pk for a in agencies]
        self.agency_names = {a.pk: (a.code, a.name) for a in agencies}
        self.agency_groups = {
            a.pk: Group.objects.get_or_create(name=agency_group_name(a.code))[0].pk
            for a in agencies
        }
        app_label, codename = VIEW_DOSSIER.split(".")
        self.view_permission = Permission.objects.get(
            codename=codename, content_type__app_label=app_label
        ).pk

    @staticmethod
    def _may_skip_triggers() -> bool:
        """Whether the writer may run its batches as a replica does (superusers only):
        without the foreign-key checks and the queue tally's trigger, which together
        take half of PostgreSQL's time and would make it the bottleneck. The rows' keys are
        made here and checked by the tests; the tally is rebuilt at the end."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('is_superuser') = 'on'")
            return cursor.fetchone()[0]

    def _batch(self, size: int, *, offset: int, first: bool, first_dossier: int) -> Tables:
        """Build `size` dossiers with everything that goes with them, in memory, the
        dossiers' ids from `first_dossier` on. The batch draws from a generator of its
        own, seeded by the run's seed and its place in the run, so that it comes out
        the same whichever process builds it; codes are numbered later (`_number`)."""
        rng = random.Random(f"{self.seed}:{offset}")  # noqa: S311 - invented data
        t = Tables.empty()
        plans = []
        n_files = n_messages = n_consults = n_feedback = 0
        for i in range(size):
            # Filing moments rise through the run, as they do in a real table: the
            # statistics' BRIN index on the receipt time then finds a day's rows.
            created = self._random_moment((offset + i + rng.random()) / self.n)
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
            channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
            path = self._path(status, rng, channel)
            submitted = len(path) > 1 and path[1][0] == Action.SUBMIT
            docs = version.documents if submitted else version.documents[:1]
            # Messages only after submission (the service refuses them on drafts).
            chat = rng.choices((0, 1, 2), (60, 30, 10))[0] if submitted else 0
            result_file = (
                status in (Status.RESULT_READY, Status.RETURNED)
                and rng.random() < RESULT_FILE_SHARE
            )
            consult = (
                any(step[0] == Action.ASSIGN for step in path)
                and len(self.staff) > 1
                and rng.random() < CONSULT_SHARE
            )
            feedback = submitted and rng.random() < FEEDBACK_SHARE
            plans.append(
                (
                    first_dossier + i,
                    created,
                    status,
                    version,
                    channel,
                    path,
                    docs,
                    chat,
                    result_file,
                    consult,
                    feedback,
                )
            )
            n_files += len(docs) + result_file
            n_messages += chat
            n_consults += consult
            n_feedback += feedback
        first_file = reserve_ids(StoredFile, n_files)
        first_document = reserve_ids(DossierDocument, n_files)
        ids = Ids(
            file=first_file,
            document=first_document,
            message=reserve_ids(DossierMessage, n_messages),
            consultation=reserve_ids(Consultation, n_consults),
            feedback=reserve_ids(Feedback, n_feedback),
        )
        for plan in plans:
            self._dossier(plan, rng, t, ids)
        return t

    def _dossier(self, plan, rng, t: Tables, ids: Ids) -> None:
        """One dossier and what goes with it: its steps walked in time order as the
        services walk them (the appointment, its pauses and restarts, the transfer and
        the 15:00 rule, apologies when it runs late, the clock job's overdue rows),
        then its evaluations, consultations, messages, files, feedback and the agency's
        assessment, and the hash-chained log."""
        (pk, created, status, version, channel, path, docs, chat) = plan[:8]
        result_file, consult, feedback = plan[8:]
        cal = self.fcal
        applicant_id, applicant_name = self.citizens[rng.randrange(len(self.citizens))]
        receiving = rng.choice(version.receiving)
        competent = (
            receiving
            if not version.competent or receiving in version.competent
            else version.competent[0]
        )
        days = version.days.get(channel) or version.days.get(ChannelMethod.ONLINE) or 5
        finish_plan = rng.choices([p for p, _ in FINISH_PLAN], [w for _, w in FINISH_PLAN])[0]
        moments = self._timeline(created, path, rng, days, finish_plan)
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
            A.SYSTEM: (None, ""),
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
            "applicant_name": (key := name_key(applicant_name)),
            "applicant_name_words": name_words(key),
            "receiving_agency_id": receiving,
            "competent_agency_id": competent,
            "status": status,
            "form_data": {"ho_ten": applicant_name},
            "created_at": created,
            "updated_at": moments[-1],
            "paused_days": 0,
        }
        events = []
        fee = version.fees.get(channel, 0)
        payments = []  # (status, gateway) for the assessment
        st = Walk(last=created)
        early_apology = finish_plan == "late" and rng.random() < EARLY_APOLOGY_SHARE
        for (action, role, target), moment in zip(path, moments, strict=True):
            self._deadline(
                st,
                row,
                events,
                rng,
                actors,
                until=moment,
                forced=action not in OVERDUE_EXEMPT,
                early=early_apology,
            )
            actor_id, actor_name = actors[role]
            data = {}
            note = ""
            if action == Action.SUBMIT:
                # The agency and day of the code: numbered in the batches' order
                # (`_number`), wherever the batch was built.
                row["code"] = (receiving, cal.local(moment).date())
                row["submitted_at"] = moment
                if fee:
                    data["fee"] = fee
                    payments.append(self._fee(pk, fee, channel, moment, rng, t, events, actors))
            elif action == Action.RECEIVE:
                row["received_at"] = moment
                st.due = cal.due_at(moment, days)
                row["transfer_due_at"] = self._transfer_due(moment)
                data["due_at"] = st.due.isoformat()
                data["transfer_due_at"] = row["transfer_due_at"].isoformat()
            elif action == Action.ASSIGN:
                row["assignee_id"] = specialist[0]
                if specialist[0] is not None:
                    data["assignee"] = specialist[0]
                    data["assignee_name"] = specialist[1]
                data["transfer"] = LATE if moment > row["transfer_due_at"] else ON_TIME
                data["transfer_due_at"] = row["transfer_due_at"].isoformat()
            elif action == Action.REQUEST_SUPPLEMENT:
                note = rng.choice(SUPPLEMENT_NOTES)
                if target == Status.DESK_SUPPLEMENT:
                    data["phase"] = DESK
                else:
                    data["phase"] = PROCESSING
                    if st.supplements:
                        data.update(repeat=True, confirmation=rng.choice(CONFIRMATIONS))
                    st.supplements += 1
                    asked = cal.working_days_between(
                        cal.local(row["received_at"]).date(), cal.local(moment).date()
                    )
                    data["timeliness"] = ON_TIME if asked <= self.supplement_days else LATE
                    data["clock_rule"] = self.clock_rule
                    self._pause(st, moment, data)
            elif action == Action.SUPPLEMENT:
                data["documents"] = []
                data["phase"] = DESK if target == Status.SUBMITTED else PROCESSING
                if target == Status.PROCESSING:
                    data["clock_rule"] = self.clock_rule
                    if self.clock_rule == legal.SUPPLEMENT_CLOCK_PAUSE or st.paused is None:
                        self._resume(st, row, moment, data)
                    else:
                        before = st.due
                        row["paused_days"] += cal.working_days_between(
                            cal.local(st.paused).date(), cal.local(moment).date()
                        )
                        st.paused = None
                        st.due = cal.due_at(moment, days)
                        data.update(
                            clock="restarted",
                            due_at_before=before.isoformat() if before else None,
                            due_at=st.due.isoformat(),
                        )
            elif action == Action.REQUIRE_PAYMENT:
                amount = rng.choice((50_000, 100_000, 200_000, 500_000))
                data["amount"] = amount
                note = "Phí cung cấp thông tin."
                self._pause(st, moment, data)
                st.obligation = (amount, moment)
            elif action == Action.PAY:
                amount, asked_at = st.obligation
                reference = f"LO{pk:012d}"
                payment = {
                    "payment": reference,
                    "amount": amount,
                    "transaction": f"VNP{pk:010d}",
                }
                data.update(payment)
                t.payments.add(
                    dossier_id=pk,
                    purpose=PaymentPurpose.OBLIGATION,
                    amount=amount,
                    reason="Phí cung cấp thông tin.",
                    status=PaymentStatus.PAID,
                    reference=reference,
                    gateway="vnpay",
                    transaction_id=payment["transaction"],
                    created_at=asked_at,
                    paid_at=moment,
                )
                payments.append((PaymentStatus.PAID, "vnpay"))
                st.obligation = None
                self._resume(st, row, moment, data)
            elif action == Action.APPROVE and result_file:
                self._result_file(pk, applicant_id, moment, rng, t, ids)
            elif action == Action.RETURN_RESULT:
                mode = (
                    ReturnMode.POST
                    if channel == ChannelMethod.POSTAL
                    else ReturnMode.ONLINE
                    if result_file and channel == ChannelMethod.ONLINE and rng.random() < 0.6
                    else ReturnMode.IN_PERSON
                )
                row["return_mode"] = mode
                data["mode"] = mode
                if mode == ReturnMode.POST:
                    row["postal_tracking"] = data["postal_tracking"] = f"EP{pk:09d}VN"
                if st.due is not None:
                    data["timeliness"] = (
                        LATE
                        if moment > st.due
                        else ON_TIME
                        if cal.local(moment).date() == cal.local(st.due).date()
                        else "early"
                    )
            elif action in (Action.REFUSE, Action.STOP):
                note = rng.choice(REFUSALS if action == Action.REFUSE else STOPS)
            elif action == Action.WITHDRAW:
                note = "Tôi nộp nhầm thủ tục."
            if action in FINISHING:
                row["finished_at"] = moment
            events.append(
                (moment, actor_id, actor_name, role, action, st.status, target, note, data)
            )
            st.status = target
            st.changes.append((moment, target))
            st.last = moment
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
        # Still running now: the clock job has marked it overdue, and half of those
        # had their apology.
        self._deadline(st, row, events, rng, actors, until=self.now, forced=False, early=False)
        row["due_at"] = st.due
        row["paused_at"] = st.paused
        row["deadline_state"] = (
            DeadlineState.OVERDUE if st.due is not None and st.due in st.overdue else ""
        )
        if status == Status.AWAITING_PAYMENT:
            amount, asked_at = st.obligation
            t.payments.add(
                dossier_id=pk,
                purpose=PaymentPurpose.OBLIGATION,
                amount=amount,
                reason="Phí cung cấp thông tin.",
                status=PaymentStatus.PENDING,
                reference=f"LO{pk:012d}",
                created_at=asked_at,
            )
        self._ratings(pk, st, status, events, rng, t, actors)
        if consult:
            self._consultation(pk, competent, st, events, rng, t, ids, actors)
        last = moments[-1]
        submitted_at = row.get("submitted_at")
        for j in range(chat):
            when = submitted_at + (last - submitted_at) * rng.random() if submitted_at else last
            from_agency = j % 2 == 1
            author = receptionist if from_agency else (applicant_id, applicant_name)
            if author[0] is None:
                author = (applicant_id, applicant_name)
                from_agency = False
            body = rng.choice(MESSAGES_OUT if from_agency else MESSAGES_IN)
            t.messages.add(
                id=ids.message,
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
                    {"message": ids.message},
                )
            )
            ids.message += 1
        # Paper dossiers are scanned at the desk (most of them).
        scanned = channel != ChannelMethod.ONLINE and rng.random() < DIGITISED_SHARE
        for required in docs:
            t.files.add(
                id=ids.file,
                owner_id=applicant_id,
                file=f"dossier-files/load/{uuid.UUID(int=rng.getrandbits(128)).hex}",
                name=f"giay-to-{required}.pdf",
                content_type="application/pdf",
                size=rng.randint(40_000, 4_000_000),
                sha256=f"{rng.getrandbits(256):064x}",
                kind=FileKind.UPLOAD,
                created_at=created,
            )
            t.documents.add(
                id=ids.document,
                dossier_id=pk,
                required_document_id=required,
                file_id=ids.file,
                is_result=False,
                digitised=scanned,
                added_at=created,
            )
            ids.file += 1
            ids.document += 1
        if feedback:
            self._feedback(pk, version, competent, submitted_at, last, rng, t, ids, actors)
        # The log: in time order (notes and messages interleave), hash-chained.
        events.sort(key=itemgetter(0))
        prev = GENESIS
        rows = []
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
                "visibility": Visibility.INTERNAL if action in INTERNAL else Visibility.PUBLIC,
                "data": data,
                "prev_hash": prev,
            }
            entry["hash"] = prev = log_hash(entry)
            t.logs.add(**entry)
            if status in ASSESSED:
                rows.append(evaluation.Row(action, moment, frm, data))
        row["updated_at"] = max(row["updated_at"], events[-1][0])
        if status in ASSESSED:
            # The agency's own evaluation, by the rules `dossier_assess` applies.
            facts = SimpleNamespace(
                status=status, due_at=st.due, finished_at=row["finished_at"], channel=channel
            )
            paid = [SimpleNamespace(status=s, gateway=g) for s, g in payments]
            t.assessments.add(
                dossier_id=pk,
                status=status,
                finished_at=row["finished_at"],
                computed_at=row["finished_at"],
                **evaluation.indices(facts, rows, paid, cal),
            )
        t.dossiers.add(**row)
        t.by_status[status] = t.by_status.get(status, 0) + 1

    def _transfer_due(self, received: dt.datetime) -> dt.datetime:
        """`dossiers.services.clock.transfer_due_at`: the close of a working day when
        received before the cut-off, else the end of the next working morning."""
        cal = self.fcal
        local = cal.local(received)
        day = local.date()
        if cal.is_working_day(day) and local.time() < cal.hours.cutoff:
            return cal.at(day, cal.hours.closing)
        return cal.at(cal.next_working_day(day), self.morning_end)

    @staticmethod
    def _pause(st: Walk, moment, data) -> None:
        if st.due is not None and st.paused is None:
            st.paused = moment
            data["clock"] = "paused"

    def _resume(self, st: Walk, row, moment, data) -> None:
        """`clock_resume`: the appointment moves by the working days waited."""
        if st.paused is None:
            return
        cal = self.fcal
        waited = cal.working_days_between(cal.local(st.paused).date(), cal.local(moment).date())
        before = st.due
        if waited and before is not None:
            local_due = cal.local(before)
            st.due = cal.at(cal.add_working_days(local_due.date(), waited), local_due.time())
        row["paused_days"] += waited
        st.paused = None
        data.update(
            clock="resumed",
            paused_working_days=waited,
            due_at_before=before.isoformat() if before else None,
            due_at=st.due.isoformat() if st.due else None,
        )

    def _deadline(self, st: Walk, row, events, rng, actors, *, until, forced, early) -> None:
        """What happens to a running dossier's appointment before `until` (the next
        step, or now): an apology given ahead of a deadline it will miss (`early`); the
        clock job's overdue row once the appointment passes; the apology and new
        appointment (form 04) that must come before an overdue dossier moves on
        (`forced`), or that half of the dossiers still overdue now have had."""
        if st.due is None or st.paused is not None or st.status not in RUNNING:
            return
        cal = self.fcal
        role = A.SPECIALIST if st.status != Status.RECEIVED else A.RECEPTIONIST
        if early and not st.apologised and st.due < until:
            due_day = cal.local(st.due).date()
            lead = rng.randint(1, 2)
            day = cal.working_day_before(due_day, lead)
            moment = self._office_on(day, rng)
            if st.last < moment < st.due:
                self._apologise(st, events, rng, actors[role], role, moment)
        while st.due < until:
            if st.due not in st.overdue:
                st.overdue.add(st.due)
                flagged = st.due + dt.timedelta(minutes=rng.randint(5, 25))
                if flagged < until:
                    events.append(
                        (
                            flagged,
                            None,
                            "",
                            A.SYSTEM,
                            Action.OVERDUE,
                            st.status,
                            st.status,
                            "",
                            {"due_at": st.due.isoformat()},
                        )
                    )
            if st.apologised or not (forced or rng.random() < OVERDUE_APOLOGY_SHARE):
                return
            moment = self._office(st.due + dt.timedelta(days=rng.uniform(0, 1.5)), rng)
            if moment >= until:
                moment = until - dt.timedelta(minutes=rng.randint(1, 20))
            moment = max(moment, st.due + dt.timedelta(minutes=30), st.last)
            if moment >= until:
                moment = st.last + (until - st.last) / 2
            self._apologise(st, events, rng, actors[role], role, moment)

    def _apologise(self, st: Walk, events, rng, actor, role, moment) -> None:
        """Form 04: a new appointment on a working day after both today and the current
        one; on time when given `apology_lead_days` working days ahead of the deadline
        (`apology_timeliness`)."""
        cal = self.fcal
        before = st.due
        local_due = cal.local(before)
        today = cal.local(moment).date()
        ahead = cal.working_days_between(today, local_due.date())
        timeliness = ON_TIME if before > moment and ahead >= self.apology_lead else LATE
        new_day = cal.add_working_days(max(today, local_due.date()), rng.randint(1, 6))
        st.due = cal.at(new_day, local_due.time())
        st.apologised = True
        events.append(
            (
                moment,
                actor[0],
                actor[1],
                role,
                Action.APOLOGISE,
                st.status,
                st.status,
                rng.choice(APOLOGIES),
                {
                    "due_at_before": before.isoformat(),
                    "due_at": st.due.isoformat(),
                    "timeliness": timeliness,
                    "overdue": before <= moment,
                },
            )
        )
        st.last = max(st.last, moment)

    def _fee(self, pk, fee, channel, submitted, rng, t: Tables, events, actors):
        """The procedure's fee, asked at submission: paid through the gateway for
        most online filings, at the desk for paper ones (`indicators.refresh` counts
        the latter as offline); a few are still unpaid."""
        online = channel == ChannelMethod.ONLINE
        reference = f"LF{pk:012d}"
        if online:
            paid = submitted + dt.timedelta(minutes=rng.randint(2, 600))
            gateway = "vnpay" if rng.random() < 0.9 else ""
        else:
            paid = submitted + dt.timedelta(minutes=rng.randint(1, 10))
            gateway = "counter"
        if not gateway or paid > self.now:
            t.payments.add(
                dossier_id=pk,
                purpose=PaymentPurpose.FEE,
                amount=fee,
                status=PaymentStatus.PENDING,
                reference=reference,
                created_at=submitted,
            )
            return (PaymentStatus.PENDING, "")
        transaction_id = f"{'VNP' if online else 'TM'}{pk:010d}"
        t.payments.add(
            dossier_id=pk,
            purpose=PaymentPurpose.FEE,
            amount=fee,
            status=PaymentStatus.PAID,
            reference=reference,
            gateway=gateway,
            transaction_id=transaction_id,
            created_at=submitted,
            paid_at=paid,
        )
        actor = (None, "") if online else actors[A.RECEPTIONIST]
        events.append(
            (
                paid,
                actor[0],
                actor[1],
                A.SYSTEM if online else A.RECEPTIONIST,
                Action.PAYMENT_RECEIVED,
                "",
                "",
                "",
                {"payment": reference, "amount": fee, "transaction": transaction_id},
            )
        )
        return (PaymentStatus.PAID, gateway)

    def _result_file(self, pk, owner, moment, rng, t: Tables, ids: Ids) -> None:
        """The signed result attached at approval: the result issued electronically."""
        t.files.add(
            id=ids.file,
            owner_id=owner,
            file=f"dossier-files/load/{uuid.UUID(int=rng.getrandbits(128)).hex}",
            name="ket-qua.pdf",
            content_type="application/pdf",
            size=rng.randint(40_000, 400_000),
            sha256=f"{rng.getrandbits(256):064x}",
            kind=FileKind.RESULT,
            created_at=moment,
        )
        t.documents.add(
            id=ids.document,
            dossier_id=pk,
            required_document_id=None,
            file_id=ids.file,
            is_result=True,
            added_at=moment,
        )
        ids.file += 1
        ids.document += 1

    def _ratings(self, pk, st: Walk, status, events, rng, t: Tables, actors) -> None:
        """The applicant's evaluations, one per moment reached (`moments_reached`), a
        share of the dossiers each; the scores lower when the result came late."""
        reached = []
        for moment_at, changed in st.changes:
            if changed == Status.RECEIVED:
                reached.append((EvaluationMoment.RECEIPT, moment_at))
            elif changed in (Status.DESK_SUPPLEMENT, Status.SUPPLEMENT_REQUESTED):
                reached.append((EvaluationMoment.SUPPLEMENT, moment_at))
            elif changed == Status.REFUSED:
                reached.append((EvaluationMoment.REFUSAL, moment_at))
            elif changed == Status.RETURNED:
                reached.append((EvaluationMoment.RESULT, moment_at))
        late = any(e[4] == Action.RETURN_RESULT and e[8].get("timeliness") == LATE for e in events)
        done = set()
        applicant = actors[A.APPLICANT]
        for kind, since in reached:
            if kind in done or rng.random() >= RATING_SHARE[kind]:
                continue
            done.add(kind)
            rated = since + dt.timedelta(minutes=rng.randint(10, 60 * 72))
            if rated > self.now:
                continue
            weights = (12, 15, 28, 25, 20) if late else (1, 2, 9, 30, 58)
            overall = rng.choices((1, 2, 3, 4, 5), weights)[0]
            scores = {
                name: max(1, min(5, overall + rng.choice((-1, 0, 0, 0, 1))))
                for name in evaluation.CRITERIA[kind]
            }
            scores["overall"] = overall
            t.ratings.add(
                dossier_id=pk,
                moment=kind,
                comment=rng.choice(COMMENTS_GOOD if overall >= 4 else COMMENTS_BAD)
                if rng.random() < 0.15
                else "",
                created_at=rated,
                **{name: scores.get(name) for name in evaluation.ALL_CRITERIA},
            )
            events.append(
                (
                    rated,
                    applicant[0],
                    applicant[1],
                    A.APPLICANT,
                    Action.RATE,
                    st.status_at(rated),
                    st.status_at(rated),
                    "",
                    {"moment": kind, "overall": overall},
                )
            )

    def _consultation(self, pk, competent, st: Walk, events, rng, t: Tables, ids, actors):
        """Another agency asked for its opinion while the dossier was being appraised:
        answered, closed when the dossier finished first, or still open (the consulted
        agency's read grant then exists, as `consultation_ask` leaves it)."""
        cal = self.fcal
        window = [m for m, s in st.changes if s in CONSULT_ASKABLE]
        if not window:
            return
        start = window[0]
        leaving = [m for m, s in st.changes if m > start and s not in CONSULT_ASKABLE]
        end = leaving[0] if leaving else self.now
        asked = start + (end - start) * rng.uniform(0.1, 0.6)
        if asked >= self.now:
            return
        others = [a for a in self.agency_list if a != competent]
        consulted = others[rng.randrange(len(others))]
        staff = self.staff[consulted]
        answerer = rng.choice(staff.specialists or staff.leaders or [(None, "")])
        asker = actors[A.SPECIALIST]
        if asker[0] is None or answerer[0] is None:
            return
        reply_by = cal.add_working_days(cal.local(asked).date(), rng.randint(3, 10))
        answered = asked + dt.timedelta(days=rng.uniform(0.3, 9))
        finished = next((m for m, s in st.changes if s in FINAL), None)
        cid = ids.consultation
        ids.consultation += 1
        code, name = self.agency_names[consulted]
        values = {
            "id": cid,
            "dossier_id": pk,
            "asking_agency_id": competent,
            "consulted_agency_id": consulted,
            "asked_by_id": asker[0],
            "question": rng.choice(CONSULT_QUESTIONS),
            "reply_by": reply_by,
            "asked_at": asked,
        }
        events.append(
            (
                asked,
                asker[0],
                asker[1],
                A.SPECIALIST,
                Action.CONSULT,
                "",
                "",
                values["question"],
                {
                    "consultation": cid,
                    "agency": code,
                    "agency_name": name,
                    "reply_by": reply_by.isoformat(),
                    "grant": VIEW_DOSSIER,
                },
            )
        )
        if answered < self.now and (finished is None or answered < finished):
            answer = rng.choice(CONSULT_ANSWERS)
            values.update(
                status=ConsultationStatus.ANSWERED,
                answer=answer,
                answered_by_id=answerer[0],
                answered_at=answered,
                closed_at=answered,
            )
            events.append(
                (
                    answered,
                    answerer[0],
                    answerer[1],
                    A.SPECIALIST,
                    Action.ANSWER,
                    "",
                    "",
                    answer,
                    {"consultation": cid, "agency": code, "agency_name": name, "file": None},
                )
            )
        elif finished is not None:
            values.update(status=ConsultationStatus.CLOSED, closed_at=finished)
            events.append(
                (
                    finished,
                    None,
                    "",
                    A.SYSTEM,
                    Action.CONSULT_CLOSE,
                    "",
                    "",
                    "",
                    {"consultation": cid, "agency": code},
                )
            )
        else:
            values["status"] = ConsultationStatus.OPEN
            t.grants.add(
                group_id=self.agency_groups[consulted],
                permission_id=self.view_permission,
                content_object_id=pk,
            )
        t.consultations.add(**values)

    def _feedback(self, pk, version, agency, submitted, last, rng, t: Tables, ids, actors):
        """Feedback about the dossier or its procedure, sent to its competent agency:
        answered on time, answered late, closed, or still waiting (overdue or not);
        answers published when the sender agreed (texts without personal data)."""
        cal = self.fcal
        created = (
            submitted + (last - submitted) * rng.random() + dt.timedelta(days=rng.uniform(0, 20))
        )
        if created >= self.now:
            created = submitted + (self.now - submitted) * rng.random()
        day = cal.local(created).date()
        fid = ids.feedback
        ids.feedback += 1
        due = cal.due_at(created, self.feedback_days)
        staff = self.staff[agency]
        leader = rng.choice(staff.leaders or [(None, "")])
        answerer = rng.choice(staff.specialists or staff.leaders or [(None, "")])
        sender = actors[A.APPLICANT]
        subject = FeedbackSubject.DOSSIER if rng.random() < 0.7 else FeedbackSubject.PROCEDURE
        title, text, answer = FEEDBACK_TEXTS[rng.randrange(len(FEEDBACK_TEXTS))]
        consent = rng.random() < 0.4
        values = {
            "id": fid,
            "ref": uuid.UUID(int=rng.getrandbits(128) ^ fid, version=4),
            "code": day,  # numbered by `_number`
            "kind": FeedbackKind.FEEDBACK if rng.random() < 0.7 else FeedbackKind.RECOMMENDATION,
            "subject": subject,
            "dossier_id": pk if subject == FeedbackSubject.DOSSIER else None,
            "procedure_id": version.procedure_id,
            "agency_id": agency,
            "title": title,
            "text": text,
            "sender_id": sender[0],
            "status": FeedbackStatus.RECEIVED,
            "created_at": created,
            "due_at": due,
            "public_consent": consent,
        }
        log = [(created, sender, FeedbackAction.SEND, "", FeedbackStatus.RECEIVED, "", {})]
        outcome = rng.random()
        assigned = self._office(created + dt.timedelta(days=rng.uniform(0, 1.5)), rng)
        if answerer[0] is not None and leader[0] is not None and assigned < self.now:
            values.update(status=FeedbackStatus.ASSIGNED, assignee_id=answerer[0])
            log.append(
                (
                    assigned,
                    leader,
                    FeedbackAction.ASSIGN,
                    FeedbackStatus.RECEIVED,
                    FeedbackStatus.ASSIGNED,
                    answerer[1],
                    {"assignee": answerer[0], "previous": None},
                )
            )
            if outcome < 0.70:
                answered = assigned + (due - assigned) * rng.uniform(0.05, 1.0)
            elif outcome < 0.85:
                answered = due + dt.timedelta(days=rng.uniform(0.3, 12))
            else:
                answered = None
            if outcome >= 0.92:
                closed = assigned + dt.timedelta(days=rng.uniform(0.1, 3))
                if closed < self.now:
                    values.update(
                        status=FeedbackStatus.CLOSED,
                        closed_at=closed,
                        close_reason="Nội dung trùng với phản ánh đã được trả lời.",
                    )
                    log.append(
                        (
                            closed,
                            leader,
                            FeedbackAction.CLOSE,
                            FeedbackStatus.ASSIGNED,
                            FeedbackStatus.CLOSED,
                            values["close_reason"],
                            {},
                        )
                    )
            elif answered is not None and answered < self.now:
                values.update(status=FeedbackStatus.ANSWERED, answer=answer, answered_at=answered)
                if consent:
                    values.update(public_question=text, public_answer=answer)
                log.append(
                    (
                        answered,
                        answerer,
                        FeedbackAction.ANSWER,
                        FeedbackStatus.ASSIGNED,
                        FeedbackStatus.ANSWERED,
                        "",
                        {"on_time": answered <= due},
                    )
                )
        t.feedback.add(**values)
        for moment, actor, action, frm, to, note, data in log:
            t.feedback_logs.add(
                feedback_id=fid,
                created_at=moment,
                actor_id=actor[0],
                actor_name=actor[1] if actor[0] else "",
                action=action,
                from_status=frm,
                to_status=to,
                note=note,
                data=data,
            )

    def _write(self, tables: Tables, counters) -> None:
        """One batch in one transaction. Runs in the writer thread, on that thread's
        own connection, while the main thread builds the next batch."""
        dossier_codes, feedback_codes = counters
        try:
            with transaction.atomic(), connection.cursor() as wrapper:
                cursor = wrapper.cursor
                if self.replica:
                    cursor.execute("SET LOCAL session_replication_role = replica")
                for table in tables.in_order():
                    table.flush(cursor)
                if dossier_codes:
                    # Same upsert as dossier_code_next, keeping the highest number handed out.
                    cursor.executemany(
                        """
                        INSERT INTO dossiers_dossiercodecounter (agency_id, day, last)
                        VALUES (%s, %s, %s)
                        ON CONFLICT (agency_id, day)
                        DO UPDATE SET
                          last = GREATEST(dossiers_dossiercodecounter.last, EXCLUDED.last)
                        """,
                        [(a, d, n) for (a, d), n in dossier_codes.items()],
                    )
                if feedback_codes:
                    cursor.executemany(
                        """
                        INSERT INTO feedback_feedbackcodecounter (day, last) VALUES (%s, %s)
                        ON CONFLICT (day) DO UPDATE SET
                          last = GREATEST(feedback_feedbackcodecounter.last, EXCLUDED.last)
                        """,
                        list(feedback_codes.items()),
                    )
        finally:
            connection.close()
        r = self.report
        r.dossiers += tables.dossiers.count
        r.log_rows += tables.logs.count
        r.files += tables.files.count
        r.messages += tables.messages.count
        r.ratings += tables.ratings.count
        r.payments += tables.payments.count
        r.feedback += tables.feedback.count
        r.consultations += tables.consultations.count


# The generator a forked builder process works for (set by `_built_batches` before
# the fork; the process inherits it with the catalogue, staff and citizens loaded).
_BUILDER: LoadGenerator | None = None


def _build(size: int, offset: int, first: bool, first_dossier: int):
    """One batch, in a builder process; the rows go back pickled."""
    return _BUILDER._batch(size, offset=offset, first=first, first_dossier=first_dossier).pack()
