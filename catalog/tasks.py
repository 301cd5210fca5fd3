"""Catalog tasks: thin, idempotent, and sent only after their transaction commits."""

from celery import shared_task

from catalog import services


@shared_task(acks_late=True)
def make_photo_renditions(photo_id: int) -> None:
    """Make a photo's WebP renditions; a second run once they exist does nothing."""
    services.make_photo_renditions(photo_id=photo_id)
