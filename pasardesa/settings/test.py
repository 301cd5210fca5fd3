"""Tests: fast hashing, in-memory mail, tasks run in-process unless a test starts a worker."""

import os

from .base import *

SECRET_KEY = "test-only-not-secret-" + "x" * 40
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASARDESA_TEXT_SENDER = "accounts.messaging.MemorySender"
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = BASE_DIR / "var" / "test-media" / str(os.getpid())
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = "pasardesa-test"
