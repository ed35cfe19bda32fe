-- Appended records (audit events) apart from the versioned ones, in a rowid table: rows are
-- written once, in time order, at the end of the table, with only their address in the
-- unique index. In `records` (WITHOUT ROWID, the row in the key's B-tree) an event of 1-3 KB
-- overflowed its leaf and was inserted at the front of its range (keys order newest first),
-- costing about twice the work per event.
CREATE TABLE appended (
    id    INTEGER PRIMARY KEY,
    scope TEXT    NOT NULL,
    kind  TEXT    NOT NULL,
    key   TEXT    NOT NULL,
    data  TEXT    NOT NULL
);
CREATE UNIQUE INDEX appended_by_address ON appended (scope, kind, key);
-- The events stored before, oldest first (their keys order newest first).
INSERT INTO appended (scope, kind, key, data)
    SELECT scope, kind, key, data FROM records WHERE kind = 'audit-event' ORDER BY scope, key DESC;
DELETE FROM records WHERE kind = 'audit-event';
