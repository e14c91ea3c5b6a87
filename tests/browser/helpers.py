"""Steps several browser tests share."""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.identity.factories import PASSWORD


def official_sign_in(page, live_server, user):
    """An official with an enrolled authenticator signs in to the back office: password,
    then the current TOTP code."""
    page.goto(live_server.url + "/mot-cua/")
    page.get_by_label("Số định danh cá nhân, email hoặc số điện thoại").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    device = TOTPDevice.objects.get(user=user)
    page.get_by_label("Mã 6 chữ số trong ứng dụng xác thực").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Xác nhận").click()
