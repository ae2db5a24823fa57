-- Console logins shared by the nodes following the log, so a browser logged in through one node
-- is logged in through every node, and a logout or a disabled user ends the login on all of
-- them. A login is kept under the SHA-256 of its id: the id itself (the cookie's value) is kept
-- by no one but the browser. Not the log: a login is not an event, and is never exported.
CREATE TABLE console_sessions (
    id_sha256            TEXT    PRIMARY KEY,
    user_name            TEXT    NOT NULL,
    role                 TEXT    NOT NULL,
    csrf_token           TEXT    NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    started_at           BIGINT  NOT NULL  -- Unix milliseconds
);
CREATE INDEX console_sessions_by_user ON console_sessions (user_name);

-- Failed console logins, by name, counted across the nodes for the lockout.
CREATE TABLE console_login_failures (
    user_name TEXT   NOT NULL,
    failed_at BIGINT NOT NULL  -- Unix milliseconds
);
CREATE INDEX console_login_failures_by_user ON console_login_failures (user_name, failed_at);
