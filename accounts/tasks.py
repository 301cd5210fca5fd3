from celery import shared_task

from accounts.messaging import get_text_sender


@shared_task(
    autoretry_for=(OSError,), retry_backoff=5, retry_kwargs={"max_retries": 5}, acks_late=True
)
def send_text_message(*, phone: str, text: str) -> None:
    """A gateway that is slow or briefly down must not slow or fail the person's request."""
    get_text_sender().send(phone=phone, text=text)
