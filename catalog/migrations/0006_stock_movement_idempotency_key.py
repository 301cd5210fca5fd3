"""A stock movement may carry the key its person's app sent, applied once per person.

Existing movements have none (NULL); a movement with a key must have a person as actor.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_search_trigger_on_text_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="stockmovement",
            name="idempotency_key",
            field=models.CharField(
                blank=True,
                help_text="Sent by the person's app: a repeat of the change answers this movement.",
                max_length=64,
                null=True,
                verbose_name="idempotency key",
            ),
        ),
        migrations.AddConstraint(
            model_name="stockmovement",
            constraint=models.UniqueConstraint(
                condition=models.Q(("idempotency_key__isnull", False)),
                fields=("actor", "idempotency_key"),
                name="stock_movement_once_per_key",
            ),
        ),
        migrations.AddConstraint(
            model_name="stockmovement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("idempotency_key__isnull", True),
                    models.Q(
                        ("actor__isnull", False), models.Q(("idempotency_key", ""), _negated=True)
                    ),
                    _connector="OR",
                ),
                name="stock_movement_key_has_a_person",
            ),
        ),
    ]
