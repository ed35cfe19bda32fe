-- Commit order for the change log. A sequence number is taken when a row is inserted, but
-- transactions commit in another order: a reader that went on from the highest number it had
-- seen would skip for ever a transaction that took a lower number and committed later.
-- Each change therefore records its transaction id (xid8 as a number, never reused, grows
-- with every new transaction), and readers only read below the oldest transaction still in
-- progress (pg_snapshot_xmin of the statement's snapshot), in (tx, seq) order: below that
-- horizon every transaction has ended, so nothing can ever appear behind a reader.
ALTER TABLE changes ADD COLUMN tx BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX changes_by_tx ON changes (tx, seq);
