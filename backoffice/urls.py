from django.urls import path

from backoffice import (
    bulk_views,
    consult_views,
    counter_views,
    export_views,
    feedback_views,
    filing_views,
    queue_views,
    radar_views,
    statistics_views,
    views,
)

app_name = "backoffice"
urlpatterns = [
    path("", queue_views.home, name="home"),
    path("hang-loat/", bulk_views.bulk_apply, name="bulk"),
    path("hang-loat/ket-qua/<str:token>/", bulk_views.bulk_report, name="bulk-report"),
    path("xuat/", export_views.queue_export, name="export"),
    path("xuat/cua-toi/", export_views.my_exports, name="exports"),
    path("xuat/cua-toi/<int:pk>/", export_views.export_download, name="export-download"),
    path("so-theo-doi/", export_views.register, name="register"),
    path("ho-so/<uuid:ref>/", queue_views.dossier_detail, name="dossier"),
    path("ho-so/<uuid:ref>/thao-tac/<slug:action>/", queue_views.dossier_act, name="dossier-act"),
    path(
        "ho-so/<uuid:ref>/thao-tac/<slug:action>/mau/",
        queue_views.dossier_action_form,
        name="dossier-act-form",
    ),
    path("ho-so/<uuid:ref>/tep/<int:pk>/", queue_views.dossier_file, name="dossier-file"),
    path("ho-so/<uuid:ref>/mau/<int:pk>.pdf", queue_views.issued_document, name="issued-document"),
    path(
        "ho-so/<uuid:ref>/mau/<int:pk>/",
        queue_views.issued_document_item,
        name="issued-document-item",
    ),
    path("ho-so/<uuid:ref>/mau-06.pdf", queue_views.control_sheet, name="control-sheet"),
    path("tiep-nhan/", counter_views.intake, name="counter"),
    path("tiep-nhan/<uuid:ref>/", counter_views.done, name="counter-done"),
    path("tiep-nhan/<uuid:ref>/bien-nhan.pdf", counter_views.receipt, name="counter-receipt"),
    path("lien-thong/", consult_views.queue, name="consult-queue"),
    path("ho-so/<uuid:ref>/lien-thong/", consult_views.ask, name="consult-ask"),
    path("ho-so/<uuid:ref>/lien-thong/mau/", consult_views.ask_form, name="consult-ask-form"),
    path(
        "ho-so/<uuid:ref>/lien-thong/<int:pk>/tra-loi/",
        consult_views.answer,
        name="consult-answer",
    ),
    path(
        "ho-so/<uuid:ref>/lien-thong/<int:pk>/tep/", consult_views.answer_file, name="consult-file"
    ),
    path(
        "ho-so/<uuid:ref>/tin-nhan/<int:pk>/tep/",
        filing_views.message_attachment,
        name="message-attachment",
    ),
    path(
        "ho-so/<uuid:ref>/bien-lai/<str:reference>.pdf",
        filing_views.payment_receipt,
        name="payment-receipt",
    ),
    path("phan-anh/", feedback_views.queue, name="feedback-queue"),
    path("phan-anh/<uuid:ref>/", feedback_views.detail, name="feedback"),
    path("phan-anh/<uuid:ref>/phan-cong/", feedback_views.assign, name="feedback-assign"),
    path("phan-anh/<uuid:ref>/tra-loi/", feedback_views.answer, name="feedback-answer"),
    path("phan-anh/<uuid:ref>/dong/", feedback_views.close, name="feedback-close"),
    path("phan-anh/<uuid:ref>/tep/<int:pk>/", feedback_views.attachment, name="feedback-file"),
    path("thong-ke/", statistics_views.statistics, name="statistics"),
    path("thong-ke/ho-so/", statistics_views.statistics_dossiers, name="statistics-dossiers"),
    path("diem-nghen/", radar_views.radar_page, name="radar"),
    path(
        "diem-nghen/ho-so/<uuid:ref>/phan-cong/", radar_views.radar_reassign, name="radar-reassign"
    ),
    path("diem-nghen/ho-so/<uuid:ref>/ghi-chu/", radar_views.radar_note, name="radar-note"),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", views.LogoutView.as_view(), name="logout"),
    path("xac-thuc/", views.otp_verify, name="otp-verify"),
    path("xac-thuc/dang-ky/", views.otp_enrol, name="otp-enrol"),
]
