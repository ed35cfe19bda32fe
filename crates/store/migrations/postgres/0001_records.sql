-- Every persisted entity is a versioned JSON record addressed by (scope, kind, key).
-- COLLATE "C": keys order byte-wise, as on SQLite, so pagination is identical on both backends.
CREATE TABLE records (
    scope   TEXT COLLATE "C" NOT NULL,
    kind    TEXT COLLATE "C" NOT NULL,
    key     TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    data    TEXT   NOT NULL,
    PRIMARY KEY (scope, kind, key)
);

-- One row per committed write, for cache invalidation on every node.
CREATE TABLE changes (
    seq   BIGSERIAL PRIMARY KEY,
    scope TEXT   NOT NULL,
    kind  TEXT   NOT NULL,
    key   TEXT   NOT NULL,
    at_ms BIGINT NOT NULL
);
