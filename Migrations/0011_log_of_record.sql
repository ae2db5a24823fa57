-- Set when this file follows a log of record (`serve --store`, a command given `--store`): the
-- file is then a copy of that log, and a command run on it without the log is refused, since it
-- would write to the copy alone and make it no longer a copy.
CREATE TABLE log_of_record (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    location  TEXT NOT NULL,   -- the log's URL, without a password
    since     TEXT NOT NULL    -- when the file first followed it (ISO 8601)
) STRICT;
