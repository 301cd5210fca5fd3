"""Development on a laptop: SQLite and in-process tasks unless the environment says otherwise."""

from .base import *
from .env import env_bool, env_str

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-not-secret-" + "x" * 40)
VAR_DIR.mkdir(exist_ok=True)
