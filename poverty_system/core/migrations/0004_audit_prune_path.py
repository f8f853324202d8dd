from django.db import migrations

# The one way an entry leaves the trail (poverty_system.core.retention.prune): a DELETE inside
# a transaction that has set poverty.audit_prune_before, of rows older than that instant AND
# older than 180 days. Every other UPDATE or DELETE is refused, as before (0002).
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
DECLARE
    before text := current_setting('poverty.audit_prune_before', true);
BEGIN
    IF TG_OP = 'DELETE' AND before IS NOT NULL AND before <> ''
       AND OLD.at < before::timestamptz
       AND OLD.at < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '审计日志只能追加，不能修改或删除';
END;
$$ LANGUAGE plpgsql;
"""
PG_OLD_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '审计日志只能追加，不能修改或删除';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_OLD_FUNCTION)


class Migration(migrations.Migration):
    dependencies = [("poverty_system", "0003_audit_no_update_sqlite")]
    operations = [migrations.RunPython(forwards, backwards)]
