-- Appended records (audit events) apart from the versioned ones: written once, never updated,
-- never in the change log. SQLite keeps them in a rowid table for the cost of its inserts.
-- Here the table has the shape of `records` without a version.
CREATE TABLE appended (
    scope TEXT COLLATE "C" NOT NULL,
    kind  TEXT COLLATE "C" NOT NULL,
    key   TEXT COLLATE "C" NOT NULL,
    data  TEXT   NOT NULL,
    PRIMARY KEY (scope, kind, key)
);
-- The events stored before.
INSERT INTO appended (scope, kind, key, data)
    SELECT scope, kind, key, data FROM records WHERE kind = 'audit-event';
DELETE FROM records WHERE kind = 'audit-event';
