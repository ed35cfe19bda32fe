-- Every persisted entity is a versioned JSON record addressed by (scope, kind, key).
CREATE TABLE records (
    scope   TEXT    NOT NULL,
    kind    TEXT    NOT NULL,
    key     TEXT    NOT NULL,
    version INTEGER NOT NULL,
    data    TEXT    NOT NULL,
    PRIMARY KEY (scope, kind, key)
) WITHOUT ROWID;

-- One row per committed write, for cache invalidation on every node.
CREATE TABLE changes (
    seq   INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT    NOT NULL,
    kind  TEXT    NOT NULL,
    key   TEXT    NOT NULL,
    at_ms INTEGER NOT NULL
);
