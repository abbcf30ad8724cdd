"""Database-level protection of the audit trail.

PostgreSQL: a row trigger refuses UPDATE and DELETE, except the one update Django makes when a user is deleted
(``actor_id`` set to NULL; the copied ``actor_label`` keeps who it was). TRUNCATE stays possible for the
database owner (used by test isolation), never through the application.
SQLite: UPDATE of any column other than ``actor_id`` is refused, and ``actor_id`` can only become NULL. DELETE is
refused by the model and queryset; a DELETE trigger is left out because SQLite has no TRUNCATE and test
isolation deletes rows.

A migration that adds a column to AuditEntry must add it to the SQLite column list below.
"""

from django.db import migrations

COLUMNS = (
    "timestamp, action, actor_label, request_id, ip_address, object_type, object_id, object_repr, person_type, "
    "person_id, person_label, centre_id, municipality_id, purpose, message, before, after, changed_fields, id"
)

PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
       AND to_jsonb(NEW) = jsonb_set(to_jsonb(OLD), '{actor_id}', 'null'::jsonb) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_append_only();
"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER audit_entry_no_update BEFORE UPDATE OF {COLUMNS} ON audit_auditentry
    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only (UPDATE refused)'); END;""",
    """CREATE TRIGGER audit_entry_actor_only_cleared BEFORE UPDATE OF actor_id ON audit_auditentry
    WHEN NEW.actor_id IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only (UPDATE refused)'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update;",
    "DROP TRIGGER IF EXISTS audit_entry_actor_only_cleared;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # params=None: run the SQL verbatim (the trigger body contains a literal % placeholder of RAISE).
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
