"""The shipped edition of the service index: Decision 766/QĐ-TTg of 23 June 2022
(Bộ chỉ số chỉ đạo, điều hành và đánh giá chất lượng phục vụ người dân, doanh nghiệp
trong thực hiện thủ tục hành chính, dịch vụ công theo thời gian thực trên môi trường
điện tử). The five groups and their points (18, 20, 22, 22, 18) and the ranking bands
are the decision's; where the split of a group between its components could not be
read from the annex, the component's `source` says so. Admins correct it in Django
admin (docs/indicators.md)."""

from django.db import migrations

SOURCE = "Quyết định 766/QĐ-TTg ngày 23/6/2022 của Thủ tướng Chính phủ, Phụ lục"
SPLIT = " Điểm của thành phần trong nhóm: mặc định của MotCua, cần đối chiếu Phụ lục."

GROUPS = [
    (
        "1",
        "Công khai, minh bạch",
        "Transparency",
        18,
        [
            (
                "1.1",
                "Công bố, công khai thủ tục hành chính đúng hạn",
                "Procedures published on time",
                4,
                "procedures_published",
                "procedures_total",
                SOURCE + ", nhóm 1. MotCua không ghi ngày công bố của thủ tục: không có số liệu.",
            ),
            (
                "1.2",
                "Công khai tiến độ, kết quả giải quyết hồ sơ trên Cổng Dịch vụ công quốc gia",
                "Progress and results published on the national portal",
                14,
                "",
                "",
                SOURCE + ", nhóm 1. Cổng Dịch vụ công quốc gia đo việc đồng bộ; MotCua không có số "
                "liệu này (mọi hồ sơ đều tra cứu được tại /tra-cuu/)." + SPLIT,
            ),
        ],
    ),
    (
        "2",
        "Tiến độ, kết quả giải quyết",
        "Progress and results of settlement",
        20,
        [
            (
                "2.1",
                "Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn",
                "Dossiers finished early or on time",
                20,
                "finished_early + finished_on_time",
                "finished",
                SOURCE + ", nhóm 2.",
            ),
        ],
    ),
    (
        "3",
        "Số hóa hồ sơ, kết quả giải quyết",
        "Digitisation of dossiers and results",
        22,
        [
            (
                "3.1",
                "Tỷ lệ hồ sơ giấy được số hóa khi tiếp nhận",
                "Paper dossiers digitised at receipt",
                8,
                "digitised",
                "paper_received",
                SOURCE + ", nhóm 3." + SPLIT,
            ),
            (
                "3.2",
                "Tỷ lệ kết quả giải quyết được cấp điện tử",
                "Results issued electronically",
                8,
                "results_electronic",
                "finished",
                SOURCE + ", nhóm 3." + SPLIT,
            ),
            (
                "3.3",
                "Tỷ lệ khai thác, sử dụng lại dữ liệu đã số hóa",
                "Reuse of digitised data",
                6,
                "",
                "",
                SOURCE
                + ", nhóm 3. MotCua chưa đếm việc dùng lại giấy tờ: không có số liệu."
                + SPLIT,
            ),
        ],
    ),
    (
        "4",
        "Cung cấp dịch vụ công trực tuyến",
        "Online public services",
        22,
        [
            (
                "4.1",
                "Tỷ lệ hồ sơ nộp trực tuyến",
                "Dossiers filed online",
                12,
                "received_online",
                "received",
                SOURCE + ", nhóm 4." + SPLIT,
            ),
            (
                "4.2",
                "Tỷ lệ thanh toán trực tuyến",
                "Payments made online",
                10,
                "payments_online",
                "payments_paid",
                SOURCE + ", nhóm 4." + SPLIT,
            ),
        ],
    ),
    (
        "5",
        "Mức độ hài lòng",
        "Satisfaction",
        18,
        [
            (
                "5.1",
                "Tỷ lệ phản ánh, kiến nghị xử lý đúng hạn",
                "Feedback answered on time",
                6,
                "feedback_on_time",
                "feedback_total",
                SOURCE + ", nhóm 5.",
            ),
            (
                "5.2",
                "Tỷ lệ hài lòng trong xử lý phản ánh, kiến nghị",
                "Satisfaction with the handling of feedback",
                6,
                "feedback_satisfied",
                "feedback_total",
                SOURCE + ", nhóm 5.",
            ),
            (
                "5.3",
                "Tỷ lệ hài lòng trong tiếp nhận, giải quyết thủ tục hành chính",
                "Satisfaction with receipt and settlement",
                6,
                "rating_good",
                "ratings",
                SOURCE + ", nhóm 5. Quyết định tính (tổng hồ sơ − hồ sơ bị đánh giá không hài lòng "
                "hoặc quá hạn) ÷ tổng hồ sơ; MotCua đọc đánh giá của người nộp: đánh giá tốt "
                "(4–5/5) ÷ số đánh giá.",
            ),
        ],
    ),
]
BANDS = [
    (90, "Xuất sắc", "Excellent"),
    (80, "Tốt", "Good"),
    (70, "Khá", "Fair"),
    (50, "Trung bình", "Average"),
    (0, "Yếu", "Weak"),
]


def create(apps, schema_editor):
    Version = apps.get_model("indicators", "IndexVersion")
    Group = apps.get_model("indicators", "IndexGroup")
    Component = apps.get_model("indicators", "IndexComponent")
    Band = apps.get_model("indicators", "RankBand")
    version = Version.objects.create(
        code="766-2022",
        name_vi="Bộ chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766/QĐ-TTg)",
        name_en="Service index for citizens and businesses (Decision 766/QĐ-TTg)",
        valid_from="2022-06-23",
        source=SOURCE,
    )
    for position, (code, vi, en, points, components) in enumerate(GROUPS):
        group = Group.objects.create(
            version=version,
            code=code,
            name_vi=vi,
            name_en=en,
            max_points=points,
            position=position,
        )
        for cpos, (ccode, cvi, cen, cpoints, num, den, source) in enumerate(components):
            Component.objects.create(
                group=group,
                code=ccode,
                name_vi=cvi,
                name_en=cen,
                max_points=cpoints,
                numerator=num,
                denominator=den,
                source=source,
                position=cpos,
            )
    for points, vi, en in BANDS:
        Band.objects.create(version=version, min_points=points, name_vi=vi, name_en=en)


def remove(apps, schema_editor):
    apps.get_model("indicators", "IndexVersion").objects.filter(code="766-2022").delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_summary_and_index")]

    operations = [migrations.RunPython(create, remove)]
