from django.conf import settings
from django.urls import path

from portal import (
    account_views,
    catalogue_views,
    dossier_views,
    feedback_views,
    payment_views,
    transparency_views,
    verify_views,
    views,
)

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", catalogue_views.procedure_list, name="procedure-list"),
    path("thu-tuc/<str:code>/", catalogue_views.procedure_detail, name="procedure-detail"),
    path("tra-cuu/", dossier_views.lookup, name="lookup"),
    path("xac-thuc/", verify_views.verify, name="verify"),
    path("xac-thuc/goc-demo.pem", verify_views.demo_root, name="verify-demo-root"),
    path("minh-bach/", transparency_views.transparency, name="transparency"),
    # Dossiers (issue 5): the random `ref` in the URL, never the code or an id.
    path("thu-tuc/<str:code>/nop-ho-so/", dossier_views.dossier_start, name="dossier-start"),
    path("ho-so/", dossier_views.dossier_list, name="dossier-list"),
    path("ho-so/<uuid:ref>/", dossier_views.dossier_detail, name="dossier-detail"),
    path("ho-so/<uuid:ref>/soan/", dossier_views.dossier_edit, name="dossier-edit"),
    path("ho-so/<uuid:ref>/xoa/", dossier_views.dossier_discard, name="dossier-discard"),
    path("ho-so/<uuid:ref>/tu-luu/", dossier_views.dossier_autosave, name="dossier-autosave"),
    path("ho-so/<uuid:ref>/xem-lai/", dossier_views.dossier_review, name="dossier-review"),
    path("ho-so/<uuid:ref>/da-nop/", dossier_views.dossier_submitted, name="dossier-submitted"),
    path(
        "ho-so/<uuid:ref>/bien-nhan.pdf", dossier_views.dossier_receipt_pdf, name="dossier-receipt"
    ),
    path("ho-so/<uuid:ref>/tep/<int:pk>/", dossier_views.dossier_file, name="dossier-file"),
    path(
        "ho-so/<uuid:ref>/mau/<int:pk>.pdf",
        dossier_views.dossier_issued_document,
        name="dossier-issued-document",
    ),
    path("ho-so/<uuid:ref>/rut/", dossier_views.dossier_withdraw, name="dossier-withdraw"),
    path("ho-so/<uuid:ref>/bo-sung/", dossier_views.dossier_supplement, name="dossier-supplement"),
    path("ho-so/<uuid:ref>/tin-nhan/", dossier_views.dossier_message, name="dossier-message"),
    path(
        "ho-so/<uuid:ref>/tin-nhan/<int:pk>/tep/",
        dossier_views.dossier_message_attachment,
        name="dossier-message-attachment",
    ),
    path("ho-so/<uuid:ref>/danh-gia/", dossier_views.dossier_rate, name="dossier-rate"),
    path(
        "ho-so/<uuid:ref>/thanh-toan/<str:reference>/",
        payment_views.dossier_pay,
        name="dossier-pay",
    ),
    path(
        "ho-so/<uuid:ref>/bien-lai/<str:reference>.pdf",
        payment_views.payment_receipt_pdf,
        name="payment-receipt",
    ),
    path("thanh-toan/ket-qua/", payment_views.payment_callback, name="payment-callback"),
    # The bank's server-to-server notification (IPN): no session, no CSRF, signed.
    path("thanh-toan/thong-bao/", payment_views.payment_notification, name="payment-notify"),
    # Feedback and recommendations: the random `ref` in the URL, never the code.
    path("phan-anh/", feedback_views.feedback_send, name="feedback-send"),
    path("phan-anh/cong-khai/", feedback_views.feedback_public, name="feedback-public"),
    path("phan-anh/cua-toi/", feedback_views.feedback_list, name="feedback-list"),
    path("phan-anh/<uuid:ref>/", feedback_views.feedback_detail, name="feedback-detail"),
    path("phan-anh/<uuid:ref>/tep/<int:pk>/", feedback_views.feedback_file, name="feedback-file"),
    path("kho-giay-to/", dossier_views.my_documents, name="my-documents"),
    path("kho-giay-to/<int:pk>/", dossier_views.my_document_file, name="my-document-file"),
    path("kho-giay-to/<int:pk>/xoa/", dossier_views.my_document_delete, name="my-document-delete"),
    # Accounts (identity issue): Vietnamese paths, no personal data in any of them.
    path("dang-nhap/", account_views.LoginView.as_view(), name="login"),
    path("dang-xuat/", account_views.LogoutView.as_view(), name="logout"),
    path("dang-ky/", account_views.sign_up, name="sign-up"),
    path("dang-ky/xac-nhan/", account_views.sign_up_confirm, name="sign-up-confirm"),
    path("tai-khoan/", account_views.account, name="account"),
    path("tai-khoan/xac-minh/", account_views.verify_contacts, name="verify-contacts"),
    path("tai-khoan/lien-he/", account_views.contact_change, name="contact-change"),
    path(
        "tai-khoan/xac-minh-email/<str:token>/",
        account_views.verify_email,
        name="verify-email",
    ),
    path("tai-khoan/dinh-danh/", account_views.verify_identity, name="verify-identity"),
    path("tai-khoan/doi-mat-khau/", account_views.password_change, name="password-change"),
    path(
        "tai-khoan/dang-xuat-moi-noi/",
        account_views.sign_out_everywhere,
        name="sign-out-everywhere",
    ),
    path(
        "tai-khoan/doanh-nghiep/dang-ky/",
        account_views.business_sign_up,
        name="business-sign-up",
    ),
    path(
        "tai-khoan/doanh-nghiep/<int:pk>/thanh-vien/",
        account_views.business_members,
        name="business-members",
    ),
    path(
        "tai-khoan/doanh-nghiep/<int:pk>/thanh-vien/<int:member_pk>/vai-tro/",
        account_views.business_member_role,
        name="business-member-role",
    ),
    path(
        "tai-khoan/doanh-nghiep/<int:pk>/thanh-vien/<int:member_pk>/xoa/",
        account_views.business_member_remove,
        name="business-member-remove",
    ),
    path(
        "tai-khoan/doanh-nghiep/<int:pk>/loi-moi/<int:invitation_pk>/thu-hoi/",
        account_views.business_invitation_revoke,
        name="business-invitation-revoke",
    ),
    path(
        "tai-khoan/loi-moi/<int:invitation_pk>/chap-nhan/",
        account_views.business_invitation_answer,
        {"answer": "accept"},
        name="business-invitation-accept",
    ),
    path(
        "tai-khoan/loi-moi/<int:invitation_pk>/tu-choi/",
        account_views.business_invitation_answer,
        {"answer": "decline"},
        name="business-invitation-decline",
    ),
    path("quen-mat-khau/", account_views.password_forgot, name="password-forgot"),
    path("quen-mat-khau/ma-sms/", account_views.password_reset_sms, name="password-reset-sms"),
    path(
        "quen-mat-khau/da-gui/",
        account_views.PasswordResetDoneView.as_view(),
        name="password-reset-done",
    ),
    path(
        "dat-lai-mat-khau/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
]

# The simulated bank exists only while it is the configured gateway: never in production
# (config/backends.py), so there is no page to mark a fee paid without paying.
if settings.PAYMENT_GATEWAY == "dossiers.payments.DevelopmentGateway":
    urlpatterns.append(
        path("thanh-toan/gia-lap/", payment_views.payment_dev_bank, name="payment-dev-bank")
    )
