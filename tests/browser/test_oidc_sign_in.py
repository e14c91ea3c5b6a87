"""Single sign-on in Chromium against a real OpenID provider (npm `oidc-provider`), the
same one tests/identity/test_oidc.py runs: the sign-in page's button, the provider's
login and consent pages, and back at the portal signed in."""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from identity.models import AccountEvent
from tests.identity.factories import UserFactory
from tests.identity.test_oidc import provider  # noqa: F401 - the fixture


def _sign_in_at_the_provider(page, login: str) -> None:
    # oidc-provider's development pages: a login form (any password), then consent.
    page.locator('input[name="login"]').fill(login)
    page.locator('input[name="password"]').fill("any")
    page.locator('button[type="submit"]').click()
    if page.locator('button[type="submit"]').count() and "/interaction/" in page.url:
        page.locator('button[type="submit"]').click()


def test_citizen_signs_in_with_the_national_platform(live_server, provider, page, axe_check):  # noqa: F811
    page.goto(live_server.url + "/dang-nhap/")
    button = page.get_by_role("link", name="Đăng nhập bằng tài khoản định danh điện tử (VNeID)")
    expect(button).to_be_visible()
    axe_check(page, "sign-in with single sign-on")

    button.click()
    expect(page).to_have_url(re.compile(r"^" + re.escape(provider)))
    _sign_in_at_the_provider(page, "nguoi-moi")

    expect(page).to_have_url(live_server.url + "/")
    page.goto(live_server.url + "/tai-khoan/")
    expect(page.get_by_text("Đinh Văn Mới").first).to_be_visible()
    axe_check(page, "profile after single sign-on")
    user = get_user_model().objects.get(id_number="001085000999")
    assert user.oidc_subject == "nguoi-moi"
    assert AccountEvent.objects.filter(user=user, kind="signed_in", data={"method": "oidc"})


def test_single_sign_on_links_the_existing_account(live_server, provider, page):  # noqa: F811
    existing = UserFactory(citizen=True)

    page.goto(live_server.url + "/dang-nhap/?next=/tai-khoan/")
    page.get_by_role("link", name="Đăng nhập bằng tài khoản định danh điện tử (VNeID)").click()
    _sign_in_at_the_provider(page, "da-co")

    # `next` survives the round trip through the provider.
    expect(page).to_have_url(live_server.url + "/tai-khoan/")
    expect(page.get_by_text(existing.full_name).first).to_be_visible()
    existing.refresh_from_db()
    assert existing.oidc_subject == "da-co"
    assert get_user_model().objects.filter(id_number="079190000777").count() == 1
