"""Settings shared by every environment. Values that differ come from the environment."""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_optional, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

SECRET_KEY = env_str("SECRET_KEY", "")  # each environment decides whether a default is allowed
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "core.apps.PasardesaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # full-text and trigram search when on PostgreSQL
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "core",
    "accounts",
    "villages",
    "catalog",
    "orders",
    "vouchers",
    "ledger",
    "settlement",
    "transparency",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "pasardesa.urls"
WSGI_APPLICATION = "pasardesa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'pasardesa.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
# Services own their transactions (see docs/adr/0001-transactions.md).
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_optional("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pasardesa",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# How long the market home keeps its rendered village cards and flagship lists; the cache
# key changes with what they show, so this bounds only what the key does not cover. 0: off.
MARKET_HOME_CACHE_SECONDS = env_int("MARKET_HOME_CACHE_SECONDS", 60)
# How long a page of best search matches is remembered (seconds; 0: never).
SEARCH_CACHE_SECONDS = env_int("SEARCH_CACHE_SECONDS", 30)
# How old the public transparency figures may be (seconds; 0: always fresh).
TRANSPARENCY_CACHE_SECONDS = env_int("TRANSPARENCY_CACHE_SECONDS", 60)

# Celery: with Redis it is the broker; without it tasks run in-process right after commit.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Jakarta"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Fulfilment lifecycle: the system's deadlines and the beat jobs that keep them -------
# (docs/adr/0005-fulfilment-lifecycle.md). A job run twice, or late, changes nothing twice.
PASARDESA_AUTO_COMPLETE_DAYS = env_int("PASARDESA_AUTO_COMPLETE_DAYS", 3)  # delivered → completed
PASARDESA_AUTO_CANCEL_HOURS = env_int("PASARDESA_AUTO_CANCEL_HOURS", 48)  # placed → cancelled
PASARDESA_TRANSFER_HOURS = env_int("PASARDESA_TRANSFER_HOURS", 24)  # unpaid transfer released
# Who hears of orders: classes with the orders.notifications.OrderNotifier methods.
PASARDESA_ORDER_NOTIFIERS = env_list(
    "PASARDESA_ORDER_NOTIFIERS",
    ["orders.notifications.LogNotifier", "orders.notifications.EmailNotifier"],
)
CELERY_BEAT_SCHEDULE = {
    "orders-complete-delivered": {
        "task": "orders.tasks.complete_delivered_fulfilments",
        "schedule": 60 * 60,  # hourly: the deadline is in days
    },
    "orders-cancel-unconfirmed": {
        "task": "orders.tasks.cancel_unconfirmed_fulfilments",
        "schedule": 15 * 60,
    },
    "orders-release-unpaid-transfers": {
        "task": "orders.tasks.release_unpaid_transfers",
        "schedule": 15 * 60,
    },
    # Aid (docs/adr/0007-vouchers.md): unspent money returns per each programme's rule.
    "vouchers-expire": {
        "task": "vouchers.tasks.expire_vouchers",
        "schedule": 24 * 60 * 60,  # daily; a late run returns the same, once
    },
    "vouchers-resume-stalled-issuances": {
        "task": "vouchers.tasks.resume_stalled_issuances",
        "schedule": 15 * 60,
    },
}
# --- end of the fulfilment lifecycle block --------------------------------------------

# Settlement (docs/adr/0008-settlement.md): the BUMDes commission when neither the village
# nor the seller has a rate of its own, and the sweeper that posts what no task posted.
PASARDESA_DEFAULT_COMMISSION_BP = env_int("PASARDESA_DEFAULT_COMMISSION_BP", 500)  # 5%
CELERY_BEAT_SCHEDULE["settlement-sweep-unposted"] = {
    "task": "settlement.tasks.sweep_unposted_sales",
    "schedule": 5 * 60,
}
# Daily: settle yesterday per market, and close last month's profit (both once per period).
CELERY_BEAT_SCHEDULE["settlement-close-day"] = {
    "task": "settlement.tasks.close_settlement_day",
    "schedule": 24 * 60 * 60,
}
CELERY_BEAT_SCHEDULE["settlement-close-profit-month"] = {
    "task": "settlement.tasks.close_profit_month",
    "schedule": 24 * 60 * 60,
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:my_account"
LOGOUT_REDIRECT_URL = "villages:home"

# django-allauth: sign in with an Indonesian phone number or an email address.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"phone", "email"}
ACCOUNT_SIGNUP_FIELDS = ["phone", "email", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = 5
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 10 * 60
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
# Six digits, as Indonesian banks and wallets send them: easy to read out and type.
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
# A resident who forgot the password, or never had an email, signs in with a code by SMS.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
# A resident must hear at once that a number is taken, so they sign in instead; signup is
# rate limited per address, which bounds how fast anyone can probe numbers.
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated so a reader sees them; failed logins lock a login for 5 minutes.
    "login_failed": "10/m/ip,5/300s/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "verify_phone": "1/30s/key,3/m/ip",
}
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_USER_DISPLAY = str  # User.__str__: the name, never the generated username

# Where one-time codes go: a text-message sender class (see accounts/messaging.py).
PASARDESA_TEXT_SENDER = env_str("PASARDESA_TEXT_SENDER", "accounts.messaging.LogSender")

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads are read into memory only up to this size; photos are capped below it anyway.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
PASARDESA_MAX_IMAGE_BYTES = 4 * 1024 * 1024
PASARDESA_MAX_IMAGE_PIXELS = 24_000_000

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "pasardesa <noreply@pasardesa.id>")

REST_FRAMEWORK = {
    # Token first, so an anonymous call is answered 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": "10/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "pasardesa API",
    "DESCRIPTION": "The village marketplace: villages, markets, accounts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",  # served by us: no third-party CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One schema name per domain enum, however many serializers use it.
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "villages.enums.Role",
        "SellerKindEnum": "villages.enums.SellerKind",
        "BumdesKindEnum": "villages.enums.BumdesKind",
        "ProductKindEnum": "catalog.enums.ProductKind",
        "FoodGroupEnum": "catalog.enums.FoodGroup",
        "StockStateEnum": "catalog.selectors.storefront.StockState",
        "ProductSortEnum": "catalog.search.ProductSort",
        "FulfilmentStatusEnum": "orders.enums.FulfilmentStatus",
        "DeliveryMethodEnum": "orders.enums.DeliveryMethod",
        "PaymentMethodEnum": "orders.enums.PaymentMethod",
        "PaymentStatusEnum": "orders.enums.PaymentStatus",
        "FulfilmentEventTypeEnum": "orders.enums.EventType",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per successful task drowns what matters; failures still log as errors.
        "celery.app.trace": {"level": "WARNING"},
    },
}

# Demo accounts are only created when DEBUG is on or when seed_demo is asked explicitly.
# Encrypts and hashes NIK and KK numbers at rest (vouchers.nik). Empty: derived from
# SECRET_KEY, good enough for development; production settings require their own.
PASARDESA_PERSONAL_DATA_KEY = env_str("PASARDESA_PERSONAL_DATA_KEY", "")
PASARDESA_DEMO_PASSWORD = "desa-maju-2026"  # noqa: S105 -- the published demo password
PASARDESA_TEXT_SENDER_FILE = env_str(
    "PASARDESA_TEXT_SENDER_FILE", str(VAR_DIR / "text-messages.log")
)

SILENCED_SYSTEM_CHECKS = [
    # allauth wants one login method required at signup; accounts.forms.SignupForm requires
    # a phone number or an email address, whichever the person has.
    "account.W001",
]
