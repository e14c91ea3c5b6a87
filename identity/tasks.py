"""Celery tasks of the identity app: the halves of the account doors that must not run
in the request, so that the request takes the same time whether or not an account
answers (STYLE R8: tasks take ids or plain values and call services)."""

from celery import shared_task

from identity import services


@shared_task(name="identity.sign_up_dispatch", ignore_result=True)
def sign_up_dispatch(sign_up_id: str) -> str:
    """The code and link of a pending sign-up, or the notice to an existing account.
    Idempotent: a pending sign-up is dispatched once."""
    return services.sign_up_dispatch(sign_up_id=sign_up_id)


@shared_task(name="identity.password_reset_send", ignore_result=True)
def password_reset_send(
    identifier: str,
    ip_address: str | None = None,
    domain: str = "",
    use_https: bool | None = None,
) -> str:
    """The reset link or SMS code for the account `identifier` names, if any. Run twice,
    it sends a second email, or no second code within the minute: harmless."""
    return services.password_reset_send(
        identifier=identifier, ip_address=ip_address, domain=domain, use_https=use_https
    )


@shared_task(name="identity.business_invitation_dispatch", ignore_result=True)
def business_invitation_dispatch(invitation_id: int) -> str:
    """The notice to the owner of an invited contact, if an account has verified it.
    Run twice, the owner hears twice: harmless."""
    return services.business_invitation_dispatch(invitation_id=invitation_id)
