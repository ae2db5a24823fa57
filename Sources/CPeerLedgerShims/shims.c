#include <sqlite3.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include "CPeerLedgerShims.h"

int peerledger_sqlite3_enable_triggers(void *connection, int enabled) {
    int now = -1;
    if (sqlite3_db_config((sqlite3 *)connection, SQLITE_DBCONFIG_ENABLE_TRIGGER, enabled ? 1 : 0, &now) != SQLITE_OK) {
        return -1;
    }
    return now;
}

int peerledger_return_freed_memory(void) {
#if defined(__GLIBC__)
    return malloc_trim(0);
#else
    return 0;
#endif
}
