-- The console's users. The bcrypt hash of each password is kept here, never in the log: creating,
-- disabling a user and changing a password are events without it (UserCreated, UserDisabled,
-- UserPasswordChanged). `must_change_password` is 1 for a one-time password given at creation,
-- until the user sets their own.
CREATE TABLE console_users (
    name                 TEXT    PRIMARY KEY,
    role                 TEXT    NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    password_hash        TEXT    NOT NULL,
    must_change_password INTEGER NOT NULL CHECK (must_change_password IN (0, 1)),
    created_at           TEXT    NOT NULL,
    disabled_at          TEXT
) STRICT;
