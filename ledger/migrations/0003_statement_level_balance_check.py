"""Check that transfers balance once per INSERT statement instead of once per entry row at
commit: the same guarantee for code that writes a transfer's entries in one statement (as
ledger.services always does), at a fraction of the cost when thousands of transfers are
posted at once (bench/settlement.py). A one-sided insert is refused at once."""

from django.db import migrations

STATEMENT_CHECK = """
DROP TRIGGER IF EXISTS ledger_entry_balances ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_transfer_balances();

CREATE FUNCTION ledger_entries_balance() RETURNS trigger AS $$
DECLARE
    bad record;
BEGIN
    SELECT e.transfer_id, sum(e.amount) AS total, count(*) AS legs INTO bad
    FROM ledger_entry e
    WHERE e.transfer_id IN (SELECT DISTINCT transfer_id FROM new_entries)
    GROUP BY e.transfer_id
    HAVING sum(e.amount) <> 0 OR count(*) < 2
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transfer % does not balance: entries sum to % over % legs',
            bad.transfer_id, bad.total, bad.legs
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_entries_balance
    AFTER INSERT ON ledger_entry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_balance();
"""

ROW_CHECK = """
DROP TRIGGER IF EXISTS ledger_entries_balance ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_entries_balance();

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
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STATEMENT_CHECK, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ROW_CHECK, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_postgres_guards")]

    operations = [migrations.RunPython(forwards, backwards)]
