"""sensors: on PostgreSQL, the readings' device checked once a statement instead of by a foreign key per row

PostgreSQL checks a foreign key with a trigger per inserted row (a look-up and a row lock in the parent): with the
greenhouse's gone (1701) the device's was still a quarter of the ingest's time for a batch of six-metric messages.
It is replaced by what it did, done once a statement: after an insert (or update) into readings, the batch's devices
are locked against deletion until the commit (FOR KEY SHARE, as the foreign key locks them) and a reading of a
device that is not there is refused (SQLSTATE 23503, foreign_key_violation, as before); deleting a device deletes
its readings (a row trigger, as ON DELETE CASCADE did). Device ids never change, so the key's ON UPDATE check has no
counterpart. SQLite keeps the foreign key: its check is a cheap look-up there.

Revision ID: 1702_readings_device_check_pg
Revises: 1701_readings_greenhouse_fk_pg
Create Date: 2026-12-03 10:45:00
"""
from alembic import op

revision = '1702_readings_device_check_pg'
down_revision = '1701_readings_greenhouse_fk_pg'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_constraint('fk_readings_device_id_devices', 'readings', type_='foreignkey')
    op.execute("""
        CREATE FUNCTION readings_device_exists() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM 1 FROM devices d WHERE d.id IN (SELECT n.device_id FROM new_readings n) ORDER BY d.id
                FOR KEY SHARE;
            IF EXISTS (SELECT 1 FROM new_readings n WHERE NOT EXISTS (
                    SELECT 1 FROM devices d WHERE d.id = n.device_id)) THEN
                RAISE foreign_key_violation USING
                    MESSAGE = 'insert or update on table "readings" names a device that does not exist';
            END IF;
            RETURN NULL;
        END $$""")
    for event in ("INSERT", "UPDATE"):
        op.execute(f"CREATE TRIGGER readings_device_exists_{event.lower()} AFTER {event} ON readings "
                   "REFERENCING NEW TABLE AS new_readings FOR EACH STATEMENT EXECUTE FUNCTION readings_device_exists()")
    op.execute("""
        CREATE FUNCTION devices_delete_readings() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM readings WHERE device_id = OLD.id;
            RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER devices_delete_readings AFTER DELETE ON devices FOR EACH ROW "
               "EXECUTE FUNCTION devices_delete_readings()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER devices_delete_readings ON devices")
    op.execute("DROP FUNCTION devices_delete_readings()")
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER readings_device_exists_{event} ON readings")
    op.execute("DROP FUNCTION readings_device_exists()")
    op.create_foreign_key('fk_readings_device_id_devices', 'readings', 'devices', ['device_id'], ['id'],
                          ondelete='CASCADE')
