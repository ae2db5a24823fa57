-- Routers and what PeerLedger last saw of each session on its router. Both are projections
-- (rebuilt from RouterAdded/RouterRemoved, SessionConfiguration*, SessionStateObserved events).

CREATE TABLE routers (
    id       INTEGER PRIMARY KEY,                -- resource_id
    name     TEXT    NOT NULL,                   -- resource_name, e.g. 'ar1.inoc.com'
    platform TEXT    NOT NULL,                   -- frr, cisco-ios, junos, bird2
    access   TEXT    NOT NULL,                   -- canonical JSON of how to reach it (no secrets)
    created  TEXT    NOT NULL,
    removed  INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE session_router_state (
    session_id        INTEGER PRIMARY KEY,
    router_id         INTEGER NOT NULL,
    on_router         INTEGER NOT NULL,          -- 1 after a configure was applied, 0 after a remove
    last_push         TEXT,                      -- 'applied' or 'failed: <reason>'
    last_push_at      TEXT,
    bgp_state         TEXT,                      -- last observed: idle ... established
    prfx_received     INTEGER,
    last_error        TEXT,
    observed_at       TEXT
) STRICT;
