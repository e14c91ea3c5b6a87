"""The account audit log is append-only: PostgreSQL refuses UPDATE and DELETE on it.

TRUNCATE (used by test teardown) is a table-level statement and is not affected.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION identity_account_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'identity_accountevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER identity_account_event_append_only
    BEFORE UPDATE OR DELETE ON identity_accountevent
    FOR EACH ROW EXECUTE FUNCTION identity_account_event_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS identity_account_event_append_only ON identity_accountevent;
DROP FUNCTION IF EXISTS identity_account_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("identity", "0002_accounts_businesses_officials_audit")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
