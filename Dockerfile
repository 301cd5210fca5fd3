# The one image for the web server, the Celery worker and Celery beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=pasardesa.settings.production

RUN groupadd --system pasardesa \
    && useradd --system --gid pasardesa --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin pasardesa

WORKDIR /app

# Dependencies first: a change to the code alone does not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .
# Installed in place (as `make` does): settings find templates, static files and
# translations relative to the source tree. collectstatic needs a secret key, not a real one.
RUN pip install --no-deps -e . \
    && export SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    && python manage.py collectstatic --noinput \
    && python manage.py compile_translations \
    && mkdir -p var/media \
    && chown -R pasardesa:pasardesa var staticfiles locale

USER pasardesa
EXPOSE 8000
# WEB_CONCURRENCY sets the number of gunicorn workers.
CMD ["gunicorn", "pasardesa.wsgi", "--config", "python:pasardesa.gunicorn_conf", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
