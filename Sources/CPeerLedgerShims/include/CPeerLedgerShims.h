#ifndef PEERLEDGER_CPEERLEDGERSHIMS_H
#define PEERLEDGER_CPEERLEDGERSHIMS_H

/// C calls Swift cannot make directly (a variadic function), each behind one plain function.

/// Turns the triggers of one SQLite connection on (`enabled` 1) or off (0), with
/// `sqlite3_db_config(SQLITE_DBCONFIG_ENABLE_TRIGGER)` (variadic). `connection` is the
/// connection's `sqlite3 *` (GRDB's `Database.sqliteConnection`). Returns the setting in force
/// after the call (1 or 0), or -1 when SQLite refused the call. SQLite expires the connection's
/// prepared statements when the setting changes, so each is prepared again, with or without its
/// triggers, at its next step.
int peerledger_sqlite3_enable_triggers(void *connection, int enabled);

#endif
