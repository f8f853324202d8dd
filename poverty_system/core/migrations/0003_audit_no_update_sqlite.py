from django.db import migrations

SQLITE_TRIGGER = """
CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON poverty_system_auditentry
BEGIN
    SELECT RAISE(ABORT, '审计日志只能追加，不能修改或删除');
END;
"""


def forwards(apps, schema_editor):
    # SQLite refuses UPDATE of audit rows in SQL too. DELETE stays possible there only because
    # the test runner empties tables with DELETE; PostgreSQL refuses both (0002).
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_entry_no_update;")


class Migration(migrations.Migration):
    dependencies = [("poverty_system", "0002_audit_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
