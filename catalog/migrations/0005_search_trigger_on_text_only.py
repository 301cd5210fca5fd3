"""The search document's trigger fires only when a product's text is written.

Migration 0004's trigger ran on every UPDATE of a product, so each sale (an UPDATE of the
stock alone) recomputed the product's ``to_tsvector`` of name and description. Now it runs
when an UPDATE's SET list names ``name``, ``description`` or ``search_document`` (a model
``save()`` names them all), and on INSERT, as before.
"""

from django.db import migrations

TEXT_ONLY = (
    "CREATE TRIGGER catalog_product_search_document "
    "BEFORE INSERT OR UPDATE OF name, description, search_document ON catalog_product "
    "FOR EACH ROW EXECUTE FUNCTION catalog_product_search_document()"
)
EVERY_UPDATE = (
    "CREATE TRIGGER catalog_product_search_document BEFORE INSERT OR UPDATE ON catalog_product "
    "FOR EACH ROW EXECUTE FUNCTION catalog_product_search_document()"
)
DROP = "DROP TRIGGER IF EXISTS catalog_product_search_document ON catalog_product"


def replace_trigger(create: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(DROP)
        schema_editor.execute(create)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_search_document")]

    operations = [
        migrations.RunPython(replace_trigger(TEXT_ONLY), replace_trigger(EVERY_UPDATE)),
    ]
