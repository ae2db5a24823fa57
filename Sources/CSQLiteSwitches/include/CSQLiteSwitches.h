#ifndef PEERLEDGER_CSQLITESWITCHES_H
#define PEERLEDGER_CSQLITESWITCHES_H

/// Switches of one SQLite connection that SQLite sets through `sqlite3_db_config`, a variadic
/// function Swift cannot call.
///
/// `connection` is the connection's `sqlite3 *` (GRDB's `Database.sqliteConnection`).

/// Turns the connection's triggers on (`enabled` 1) or off (0) with
/// `SQLITE_DBCONFIG_ENABLE_TRIGGER`. Returns the setting in force after the call (1 or 0), or -1
/// when SQLite refused the call. SQLite expires the connection's prepared statements when the
/// setting changes, so each is prepared again, with or without its triggers, at its next step.
int peerledger_sqlite3_enable_triggers(void *connection, int enabled);

#endif
