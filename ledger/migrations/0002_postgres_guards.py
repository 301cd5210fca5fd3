"""On PostgreSQL the database itself keeps the books: every transfer's entries sum to zero
when its transaction commits (a deferred constraint trigger), and entries and transfers are
never updated or deleted. SQLite relies on ledger.services and ``check_ledger``."""

from django.db import migrations

GUARDS = """
CREATE FUNCTION ledger_transfer_balances() RETURNS trigger AS $$
DECLARE
    total bigint;
    legs integer;
BEGIN
    SELECT coalesce(sum(amount), 0), count(*) INTO total, legs
    FROM ledger_entry WHERE transfer_id = NEW.transfer_id;
    IF total <> 0 OR legs < 2 THEN
        RAISE EXCEPTION 'ledger transfer % does not balance: entries sum to % over % legs',
            NEW.transfer_id, total, legs
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_entry_balances
    AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_transfer_balances();

CREATE FUNCTION ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_entry_append_only
    BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

CREATE TRIGGER ledger_transfer_append_only
    BEFORE UPDATE OR DELETE ON ledger_transfer
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS ledger_transfer_append_only ON ledger_transfer;
DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_append_only();
DROP TRIGGER IF EXISTS ledger_entry_balances ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_transfer_balances();
"""


def add_guards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARDS, params=None)


def drop_guards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(add_guards, drop_guards)]
