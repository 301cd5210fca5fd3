"""Text messages (SMS or WhatsApp) go through one pluggable sender.

A gateway plugs in as a class with ``send(*, phone, text)`` named by the
``PASARDESA_TEXT_SENDER`` setting. Senders are called from a Celery task, after commit.
"""

import logging
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.phone import mask_phone

logger = logging.getLogger(__name__)


class TextSender(Protocol):
    def send(self, *, phone: str, text: str) -> None:
        """Deliver ``text`` to ``phone`` (E.164) or raise; retries are the caller's."""


class LogSender:
    """Development: writes the message to the log, so a developer can read the code.

    The phone number is masked; the text is logged whole because that is the point here.
    Do not use it where logs are shared with people who must not read sign-in codes.
    """

    def send(self, *, phone: str, text: str) -> None:
        logger.warning("Text message to %s: %s", mask_phone(phone), text)


class MemorySender:
    """Tests: keeps messages in ``outbox``, like Django's in-memory email backend."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str) -> None:
        MemorySender.outbox.append((phone, text))


class FileSender:
    """A worker in another process appends messages to ``PASARDESA_TEXT_SENDER_FILE``."""

    def send(self, *, phone: str, text: str) -> None:
        with open(settings.PASARDESA_TEXT_SENDER_FILE, "a", encoding="utf-8") as file:
            file.write(f"{phone}\t{text}\n")


@lru_cache(maxsize=4)
def _sender_class(path: str) -> type[TextSender]:
    return import_string(path)  # type: ignore[no-any-return]


def get_text_sender() -> TextSender:
    return _sender_class(settings.PASARDESA_TEXT_SENDER)()
