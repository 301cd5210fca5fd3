"""A stored search document and a word list for typo tolerance; a flagship index.

On PostgreSQL:

- ``catalog_product.search_document`` holds ``setweight(to_tsvector('simple', name), 'A') ||
  setweight(to_tsvector('simple', description), 'D')``, written by a ``BEFORE INSERT OR
  UPDATE`` trigger whatever value Django sends, and indexed with GIN. A search no longer
  computes ``to_tsvector`` for every row it looks at.
- ``catalog_search_word`` lists every word (letters only, three or more) ever used in a
  product name, with a trigram GIN index. The same trigger adds the words of a new or
  renamed product. A search looks up the words close to each query word in this small list
  (``bras`` → ``beras``) and searches product names for them through the full-text index,
  instead of comparing the query with every product name by trigram similarity. Words are
  never removed: a word no product uses any more only adds a term that matches nothing.

They replace the expression indexes of migration 0003, which nothing queries any more.
SQLite gets the (empty) column and the flagship index only; its fallback search does
without the rest.
"""

import django.contrib.postgres.search
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models

DOCUMENT = (
    "setweight(to_tsvector('simple', coalesce({row}.name, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce({row}.description, '')), 'D')"
)
NAME_WORDS = (
    "SELECT lexeme FROM unnest(to_tsvector('simple', coalesce({row}.name, ''))) "
    "WHERE lexeme ~ '^[[:alpha:]]{{3,}}$'"
)

CREATE = [
    "CREATE TABLE catalog_search_word (word text PRIMARY KEY)",
    "CREATE INDEX catalog_search_word_trgm ON catalog_search_word USING gin (word gin_trgm_ops)",
    f"""
    CREATE FUNCTION catalog_product_search_document() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_document := {DOCUMENT.format(row="NEW")};
        IF TG_OP = 'INSERT' OR NEW.name IS DISTINCT FROM OLD.name THEN
            INSERT INTO catalog_search_word (word)
            {NAME_WORDS.format(row="NEW")}
            ON CONFLICT DO NOTHING;
        END IF;
        RETURN NEW;
    END
    $$
    """,
    "CREATE TRIGGER catalog_product_search_document BEFORE INSERT OR UPDATE ON catalog_product "
    "FOR EACH ROW EXECUTE FUNCTION catalog_product_search_document()",
    f"UPDATE catalog_product SET search_document = {DOCUMENT.format(row='catalog_product')}",
    "INSERT INTO catalog_search_word (word) SELECT DISTINCT lexeme FROM catalog_product, "
    "unnest(to_tsvector('simple', catalog_product.name)) "
    "WHERE lexeme ~ '^[[:alpha:]]{3,}$' ON CONFLICT DO NOTHING",
    "CREATE INDEX product_search ON catalog_product USING gin (search_document)",
]
DROP = [
    "DROP INDEX IF EXISTS product_search",
    "DROP TRIGGER IF EXISTS catalog_product_search_document ON catalog_product",
    "DROP FUNCTION IF EXISTS catalog_product_search_document()",
    "DROP TABLE IF EXISTS catalog_search_word",
]


def replaced_indexes():
    """The indexes of migration 0003, as that migration created them."""
    return [
        GinIndex(OpClass("name", name="gin_trgm_ops"), name="product_name_trgm"),
        GinIndex(
            SearchVector("name", "description", config="simple"), name="product_search_document"
        ),
    ]


def create_search(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in CREATE:
        schema_editor.execute(statement)
    product = apps.get_model("catalog", "Product")
    for index in replaced_indexes():
        schema_editor.remove_index(product, index)


def drop_search(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    product = apps.get_model("catalog", "Product")
    for index in replaced_indexes():
        schema_editor.add_index(product, index)
    for statement in DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_search")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="search_document",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(
                fields=["village", "-created_at", "-id"],
                condition=models.Q(is_flagship=True, is_active=True),
                name="product_flagship_newest",
            ),
        ),
        migrations.RunPython(create_search, drop_search),
    ]
