"""Settings for a Celery worker that a test starts in its own process.

The test settings pin the in-memory text sender, which a worker in another process cannot
share with the test; here the sender (and its file) come from the environment instead.
"""

from pasardesa.settings.env import env_str
from pasardesa.settings.test import *  # noqa: F403 -- a settings module extends another

PASARDESA_TEXT_SENDER = env_str("PASARDESA_TEXT_SENDER", "accounts.messaging.FileSender")
