"""Demo feedback for `manage.py seed_demo`, made through the services (so each item has
its code, deadline, history and events): one waiting, one assigned, one answered and
published, one closed. Keyed by the title, so running the seed again adds nothing."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from feedback import services
from feedback.constants import Kind, Subject
from feedback.models import Feedback
from identity.demo import DEPARTMENT_CODE, WARD_CODE
from procedures.models import Agency

CITIZEN = "congdan"
DEMO_FEEDBACK = (
    # (title, kind, agency code, text, what happens next, consent)
    (
        "Thời gian chờ tại quầy tiếp nhận",
        Kind.FEEDBACK,
        DEPARTMENT_CODE,
        "Sáng thứ Hai tôi phải chờ hơn một giờ dù đã lấy số thứ tự từ 7 giờ 30.",
        "received",
        False,
    ),
    (
        "Niêm yết lệ phí chứng thực",
        Kind.RECOMMENDATION,
        WARD_CODE,
        "Đề nghị niêm yết rõ mức lệ phí chứng thực bản sao tại bộ phận một cửa của phường.",
        "assigned",
        True,
    ),
    (
        "Hướng dẫn nộp phiếu lý lịch tư pháp trực tuyến",
        Kind.RECOMMENDATION,
        DEPARTMENT_CODE,
        "Trang hướng dẫn chưa nói rõ cần tải lên bản chụp giấy tờ nào; tôi là Phạm Thu Hà, "
        "số điện thoại 0912000001.",
        "answered",
        True,
    ),
    (
        "Phản ánh trùng lặp",
        Kind.FEEDBACK,
        WARD_CODE,
        "Tôi gửi lại nội dung đã phản ánh hôm trước.",
        "closed",
        False,
    ),
)


def seed_feedback(*, stdout=None) -> int:
    User = get_user_model()
    citizen = User.objects.filter(username=CITIZEN).first()
    if citizen is None:
        return 0
    made = 0
    for title, kind, code, text, step, consent in DEMO_FEEDBACK:
        if Feedback.objects.filter(sender=citizen, title=title).exists():
            continue
        agency = Agency.objects.get(code=code)
        suffix = "" if code == DEPARTMENT_CODE else ".phuong"
        leader = User.objects.get(username=f"lanhdao{suffix}")
        specialist = User.objects.get(username=f"chuyenvien{suffix}")
        item = services.feedback_send(
            sender=citizen,
            kind=kind,
            subject=Subject.AGENCY,
            agency=agency,
            title=title,
            text=text,
            public_consent=consent,
        )
        if step in ("assigned", "answered"):
            services.feedback_assign(feedback_id=item.pk, actor=leader, assignee=specialist)
        if step == "answered":
            services.feedback_answer(
                feedback_id=item.pk,
                actor=specialist,
                answer="Sở đã bổ sung danh mục giấy tờ cần tải lên vào trang hướng dẫn; "
                "cảm ơn ý kiến của bà Phạm Thu Hà.",
                public_question="Trang hướng dẫn nộp phiếu lý lịch tư pháp trực tuyến chưa "
                "nói rõ cần tải lên bản chụp giấy tờ nào.",
            )
        if step == "closed":
            services.feedback_close(
                feedback_id=item.pk, actor=leader, reason="Trùng với phản ánh đã được trả lời."
            )
        made += 1
    if stdout is not None:
        stdout.write(f"demo feedback: {made} new")
    return made
