"""Indexes behind the market search, on PostgreSQL only.

They live here rather than in ``Product.Meta`` because they serve one query of
``catalog.search`` and exist on PostgreSQL only; SQLite gets none of them and the
fallback search does without.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models


def search_indexes():
    return [
        # Trigram word similarity on the name: ``bras`` finds ``beras``.
        GinIndex(OpClass("name", name="gin_trgm_ops"), name="product_name_trgm"),
        # Full-text search on name and description; the expression must stay identical to
        # the one catalog.search filters on, or PostgreSQL cannot use the index.
        GinIndex(
            SearchVector("name", "description", config="simple"), name="product_search_document"
        ),
        # Sorting by price without sorting every product.
        models.Index(fields=["price"], name="product_price"),
    ]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    product = apps.get_model("catalog", "Product")
    for index in search_indexes():
        schema_editor.add_index(product, index)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    product = apps.get_model("catalog", "Product")
    for index in search_indexes():
        schema_editor.remove_index(product, index)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_seed_categories")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
