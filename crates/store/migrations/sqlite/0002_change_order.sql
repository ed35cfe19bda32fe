-- The change log is read in (tx, seq) order on both backends. SQLite has one writer at a time
-- and numbers a change inside its write transaction, so sequence order is commit order: tx is
-- always 0 and the order is seq's.
ALTER TABLE changes ADD COLUMN tx INTEGER NOT NULL DEFAULT 0;
CREATE INDEX changes_by_tx ON changes (tx, seq);
