#include <sqlite3.h>
#include "CPeerLedgerShims.h"

int peerledger_sqlite3_enable_triggers(void *connection, int enabled) {
    int now = -1;
    if (sqlite3_db_config((sqlite3 *)connection, SQLITE_DBCONFIG_ENABLE_TRIGGER, enabled ? 1 : 0, &now) != SQLITE_OK) {
        return -1;
    }
    return now;
}
