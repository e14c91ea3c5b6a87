"""Every legal reference MotCua cites, and the legal rules whose text is uncertain.

ONE place, so that a lawyer corrects a citation without touching logic: the workflow
table (`dossiers.workflow`), the standard forms (`dossiers.documents`), the deadline
rules (`dossiers.services.clock`) and the pages import these names and print them.
docs/legal.md lists each rule with its citation, the code that enforces it and its test.

How the citations are written. Decree 118/2025/NĐ-CP replaced Decree 61/2018/NĐ-CP on
1 July 2025 and keeps its mechanism (Decree 367/2025/NĐ-CP amends it). The article
numbers of Decree 118/2025 were not confirmed from a primary text, so it is cited by
subject; Decree 61/2018 and Circular 01/2018/TT-VPCP were read, so they are cited by
article. A citation reads "Decree 118/2025 (subject) — Decree 61/2018 art. N cl. M".

The rules whose 2025 wording could differ are settings (`LEGAL_*`, config/settings),
read through the functions at the bottom of this module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import get_language

from procedures.constants import REGISTRY_SOURCES


@dataclass(frozen=True)
class Text:
    """A legal text: its kind in both languages and its number."""

    kind_en: str
    kind_vi: str
    number: str

    def name(self, vietnamese: bool) -> str:
        return f"{self.kind_vi if vietnamese else self.kind_en} {self.number}"


DECREE_118_2025 = Text("Decree", "Nghị định", "118/2025/NĐ-CP")
DECREE_61_2018 = Text("Decree", "Nghị định", "61/2018/NĐ-CP")
DECREE_45_2020 = Text("Decree", "Nghị định", "45/2020/NĐ-CP")
CIRCULAR_01_2018 = Text("Circular", "Thông tư", "01/2018/TT-VPCP")
CIRCULAR_03_2025 = Text("Circular", "Thông tư", "03/2025/TT-VPCP")
DECISION_766_2022 = Text("Decision", "Quyết định", "766/QĐ-TTg")


@dataclass(frozen=True)
class Article:
    """Article `art`, clause `cl`, point `point` of `text` (clause and point optional;
    `cl` may be a range such as "6-7")."""

    text: Text
    art: str
    cl: str = ""
    point: str = ""

    def cite(self, vietnamese: bool, *, named: bool = True) -> str:
        if vietnamese:
            parts = [f"Điều {self.art}"]
            parts += [f"khoản {self.cl}"] if self.cl else []
            parts += [f"điểm {self.point}"] if self.point else []
        else:
            parts = [f"art. {self.art}"]
            parts += [f"cl. {self.cl}"] if self.cl else []
            parts += [self.point] if self.point else []
        where = " ".join(parts)
        return f"{self.text.name(vietnamese)} {where}" if named else where


def _d61(art, cl="", point=""):
    return Article(DECREE_61_2018, str(art), str(cl), point)


@dataclass(frozen=True)
class Citation:
    """The legal basis of one rule: the subject under Decree 118/2025 (None when the
    rule is not the one-stop decree's), the articles of the texts read, the standard
    form it issues."""

    subject_en: str
    subject_vi: str
    articles: tuple[Article, ...] = ()
    form: str = ""
    decree_118: bool = True

    def text(self, vietnamese: bool | None = None) -> str:
        if vietnamese is None:
            vietnamese = (get_language() or "vi").startswith("vi")
        head = []
        if self.decree_118:
            subject = self.subject_vi if vietnamese else self.subject_en
            head.append(f"{DECREE_118_2025.name(vietnamese)} ({subject})")
        elif not self.articles:
            head.append(self.subject_vi if vietnamese else self.subject_en)
        # Articles of one text read "Decree X art. 17 cl. 1 a, art. 15 cl. 3".
        groups: list[str] = []
        for i, article in enumerate(self.articles):
            same = i and self.articles[i - 1].text == article.text
            if same:
                groups[-1] += ", " + article.cite(vietnamese, named=False)
            else:
                groups.append(article.cite(vietnamese))
        tail = groups
        if self.form:
            tail.append(
                f"{'mẫu số' if vietnamese else 'form'} {self.form} "
                f"{CIRCULAR_03_2025.name(vietnamese)}"
            )
        return " — ".join(filter(None, [", ".join(head), "; ".join(tail)]))

    def __str__(self) -> str:
        return self.text()


# --- filing and receipt --------------------------------------------------------------

FILING = Citation(
    "ways to file: at the desk, by post, online",
    "cách thức nộp hồ sơ",
    (_d61(16),),
)
ONLINE_FILING = Citation(
    "online filing on the public-service portal",
    "nộp hồ sơ trực tuyến",
    (_d61(17, 2),),
)
GUIDANCE_ONCE = Citation(
    "guidance: everything missing is said once, completely",
    "hướng dẫn một lần, đầy đủ",
    (_d61(15, 3),),
)
DESK_SUPPLEMENT = Citation(
    "receipt: an incomplete dossier is sent back for a supplement",
    "tiếp nhận: yêu cầu bổ sung, hoàn thiện hồ sơ",
    (_d61(17, 1, "a"), _d61(15, 3)),
    form="02",
)
DESK_REFUSAL = Citation(
    "receipt: refusal of a dossier the agency cannot receive",
    "tiếp nhận: từ chối tiếp nhận hồ sơ",
    (_d61(17, 1, "b"),),
    form="03",
)
RECEIPT = Citation(
    "receipt and appointment",
    "tiếp nhận và hẹn trả kết quả",
    (_d61(17, 1, "c"), _d61(17, 2)),
    form="01",
)
REGISTRY_DATA = Citation(
    "Decree 45/2020/NĐ-CP (administrative procedures by electronic means): the "
    "applicant's data already in the national population database fills the electronic "
    "form and is not declared again",
    "Nghị định 45/2020/NĐ-CP (thực hiện thủ tục hành chính trên môi trường điện tử): "
    "thông tin đã có trong Cơ sở dữ liệu quốc gia về dân cư được tự động điền vào biểu "
    "mẫu điện tử, không yêu cầu kê khai lại",
    decree_118=False,
)
DOSSIER_CODE = Citation(
    "the dossier code",
    "mã số hồ sơ",
    (_d61(17, 3), _d61(26), Article(CIRCULAR_01_2018, "19")),
)

# --- transfer and settlement ---------------------------------------------------------

TRANSFER = Citation(
    "transfer to the competent department: the same working day, or the next working "
    "morning when received after the afternoon cut-off",
    "chuyển hồ sơ đến cơ quan giải quyết",
    (_d61(18),),
)
SETTLEMENT = Citation(
    "settlement: appraisal, proposal, approval",
    "giải quyết hồ sơ",
    (_d61(19),),
)
PROCESS_CONTROL = Citation(
    "settlement: each handover recorded on the process control sheet",
    "giải quyết hồ sơ: phiếu kiểm soát quá trình",
    (_d61(19),),
    form="06",
)
PROCESSING_SUPPLEMENT = Citation(
    "settlement: one supplement request within 3 working days, the time counted again "
    "from the complete supplement",
    "giải quyết: yêu cầu bổ sung một lần, tính lại thời gian",
    (_d61(19, 4),),
    form="02",
)
CONSULTATION = Citation(
    "settlement: consulting other agencies",
    "giải quyết: lấy ý kiến cơ quan, tổ chức liên quan",
    (_d61(19, 5), _d61(19, "6-7")),
)
STOP = Citation(
    "settlement: a dossier that cannot be settled, with the reasons",
    "giải quyết: hồ sơ không đủ điều kiện giải quyết",
    (_d61(19, 8),),
    form="05",
)
APOLOGY = Citation(
    "late dossier: written apology and new appointment, at least 1 working day before "
    "the deadline, at most once",
    "hồ sơ quá hạn: văn bản xin lỗi và hẹn lại ngày trả kết quả",
    (_d61(19, 9),),
    form="04",
)
RETURN = Citation("return of results", "trả kết quả giải quyết", (_d61(20),))
# Article numbers not confirmed from the primary texts: cited by subject, naming them.
SIGNED_DOCUMENTS = Citation(
    "an electronic result and the agency's electronic documents are valid when digitally "
    "signed (Law on Electronic Transactions 20/2023/QH15; Decree 45/2020/NĐ-CP)",
    "kết quả giải quyết và văn bản điện tử của cơ quan có giá trị pháp lý khi được ký số "
    "(Luật Giao dịch điện tử 20/2023/QH15; Nghị định 45/2020/NĐ-CP)",
    decree_118=False,
)
FEES = Citation("fees and charges", "phí, lệ phí", (_d61(22),))
ONLINE_PAYMENT = Citation(
    "online payment of fees and financial obligations",
    "thanh toán trực tuyến",
    (_d61(22),),
)
WITHDRAWAL = Citation(
    "the applicant's rights: withdrawing a dossier before its result",
    "quyền của tổ chức, cá nhân: rút hồ sơ",
)
DRAFT_DISCARD = Citation(
    "a draft never filed: MotCua's own rule",
    "hồ sơ nháp chưa nộp: quy định của MotCua",
    decree_118=False,
)

# --- evaluation ----------------------------------------------------------------------

EVALUATION = Citation(
    "evaluation of the settlement of administrative procedures",
    "đánh giá việc giải quyết thủ tục hành chính",
    (_d61("29-32"),),
)
CITIZEN_EVALUATION = Citation(
    "evaluation by the applicant",
    "đánh giá của tổ chức, cá nhân",
    (_d61(31),),
)
AGENCY_EVALUATION = Citation(
    "the agency's own evaluation of each dossier, by software",
    "cơ quan tự đánh giá",
    (_d61(30), Article(CIRCULAR_01_2018, "13")),
)
SERVICE_INDEX = Citation(
    "the service index of ministries and provinces",
    "bộ chỉ số phục vụ người dân, doanh nghiệp",
    (Article(DECISION_766_2022, "1"),),
    decree_118=False,
)

# --- deadlines -----------------------------------------------------------------------

WORKING_DAYS = Citation(
    "processing time counted in working days from the working day after receipt",
    "thời hạn giải quyết tính theo ngày làm việc",
)

# --- the standard forms of Circular 03/2025 ------------------------------------------

# Their titles are the Circular's words, Vietnamese only: they print on legal documents.
FORM_TITLES = {
    "01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "03": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "04": "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết",
    "05": "Thông báo dừng giải quyết hồ sơ",
    "06": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
    "07": "Sổ theo dõi hồ sơ",
}
FORMS = Citation(
    "Circular 03/2025/TT-VPCP, the standard forms of the one-stop mechanism",
    "Thông tư 03/2025/TT-VPCP, biểu mẫu thực hiện cơ chế một cửa",
    decree_118=False,
)


# --- the rules whose wording is uncertain: settings -----------------------------------

SUPPLEMENT_CLOCK_RESTART = "restart"
SUPPLEMENT_CLOCK_PAUSE = "pause"
SUPPLEMENT_CLOCK_CHOICES = (SUPPLEMENT_CLOCK_RESTART, SUPPLEMENT_CLOCK_PAUSE)


def supplement_clock() -> str:
    """After a complete supplement during processing: "restart" counts the full
    allotted time again (PROCESSING_SUPPLEMENT), "pause" only adds the days waited."""
    value = getattr(settings, "LEGAL_SUPPLEMENT_CLOCK", SUPPLEMENT_CLOCK_RESTART)
    if value not in SUPPLEMENT_CLOCK_CHOICES:
        raise ImproperlyConfigured(
            f"LEGAL_SUPPLEMENT_CLOCK must be one of {SUPPLEMENT_CLOCK_CHOICES}, not {value!r}"
        )
    return value


def supplement_request_days() -> int:
    """Working days after receipt within which a supplement request is on time."""
    return int(getattr(settings, "LEGAL_SUPPLEMENT_REQUEST_DAYS", 3))


def apology_lead_days() -> int:
    """Working days before the deadline by which the apology is expected."""
    return int(getattr(settings, "LEGAL_APOLOGY_LEAD_DAYS", 1))


# The population registry's facts (procedures.constants.REGISTRY_SOURCES) an applicant
# may not change in a declaration filed online from a verified account (REGISTRY_DATA):
# identity facts are corrected in the registry, through the police, not in a dossier.
# The permanent address stays editable by default: a declaration's "residence" may be
# a temporary one, and a difference is flagged to the official rather than refused.
DECLARATION_LOCKED_DEFAULT = "full_name,id_number,birth_date,sex"


def declaration_locked() -> frozenset[str]:
    """The registry facts a level-2 applicant cannot change in the declaration."""
    value = getattr(settings, "LEGAL_DECLARATION_LOCKED", DECLARATION_LOCKED_DEFAULT)
    names = frozenset(n.strip() for n in str(value).split(",") if n.strip())
    unknown = names - REGISTRY_SOURCES
    if unknown:
        raise ImproperlyConfigured(
            f"LEGAL_DECLARATION_LOCKED names facts the population registry does not give: "
            f"{sorted(unknown)}; choose among {sorted(REGISTRY_SOURCES)}"
        )
    return names


def transfer_morning_end() -> dt.time:
    """When "the next working morning" ends for a dossier received after the cut-off."""
    hours, minutes = str(getattr(settings, "LEGAL_TRANSFER_MORNING_END", "11:30")).split(":")
    return dt.time(int(hours), int(minutes))
