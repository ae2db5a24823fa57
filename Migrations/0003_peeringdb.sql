-- PeeringDB objects and peer status: projections of the PeeringDB* and Peer* events.

-- One row per PeeringDB object present upstream (org, ix, ixlan, ixpfx, net, netixlan, poc). The
-- tracked fields are kept as canonical JSON (sorted keys) so an import can compare an incoming
-- record with the stored one by text, and the views below give them columns.
CREATE TABLE peeringdb_objects (
    type    TEXT    NOT NULL,                    -- 'net', 'ix', ...
    id      INTEGER NOT NULL,                    -- PeeringDB id
    version INTEGER NOT NULL,                    -- stream_version of pdb-<type>-<id>
    fields  TEXT    NOT NULL,                    -- canonical JSON of the tracked fields
    PRIMARY KEY (type, id)
) STRICT, WITHOUT ROWID;

CREATE INDEX peeringdb_netixlan_by_ix ON peeringdb_objects (json_extract(fields, '$.ix_id'))
    WHERE type = 'netixlan';
CREATE INDEX peeringdb_netixlan_by_net ON peeringdb_objects (json_extract(fields, '$.net_id'))
    WHERE type = 'netixlan';
CREATE INDEX peeringdb_poc_by_net ON peeringdb_objects (json_extract(fields, '$.net_id'))
    WHERE type = 'poc';
CREATE INDEX peeringdb_net_by_asn ON peeringdb_objects (json_extract(fields, '$.asn'))
    WHERE type = 'net';

-- The newest `updated` seen per object type: the `since` of the next incremental sync.
CREATE TABLE peeringdb_sync (
    type    TEXT PRIMARY KEY,
    updated TEXT NOT NULL                        -- PeeringDB's ISO 8601 'updated'
) STRICT;

CREATE VIEW pdb_ix AS
SELECT id, json_extract(fields, '$.name') AS name, json_extract(fields, '$.org_id') AS org_id
FROM peeringdb_objects WHERE type = 'ix';

CREATE VIEW pdb_net AS
SELECT id, json_extract(fields, '$.asn') AS asn, json_extract(fields, '$.name') AS name, fields
FROM peeringdb_objects WHERE type = 'net';

CREATE VIEW pdb_netixlan AS
SELECT id, json_extract(fields, '$.net_id') AS net_id, json_extract(fields, '$.ix_id') AS ix_id,
       json_extract(fields, '$.ipaddr4') AS ipaddr4, json_extract(fields, '$.ipaddr6') AS ipaddr6
FROM peeringdb_objects WHERE type = 'netixlan';

CREATE VIEW pdb_poc AS
SELECT id, json_extract(fields, '$.net_id') AS net_id, json_extract(fields, '$.role') AS role,
       json_extract(fields, '$.name') AS name, json_extract(fields, '$.email') AS email,
       json_extract(fields, '$.phone') AS phone, json_extract(fields, '$.visible') AS visible
FROM peeringdb_objects WHERE type = 'poc';

-- Our own network (one row at most), and the rule that makes a peer `qualified` by default.
CREATE TABLE own_network (
    singleton          INTEGER PRIMARY KEY CHECK (singleton = 1),
    net_id             INTEGER NOT NULL,
    asn                INTEGER NOT NULL,
    name               TEXT    NOT NULL,
    qualified_policies TEXT    NOT NULL          -- JSON array of policy_general values, e.g. ["Open","Selective"]
) STRICT;

-- The local status of a peer (a network at an exchange). Absent row: nothing recorded yet.
CREATE TABLE peer_status (
    participant_id INTEGER NOT NULL,             -- PeeringDB net id
    public_id      INTEGER NOT NULL,             -- PeeringDB ix id
    version        INTEGER NOT NULL,             -- stream_version of peer-<participant>@<exchange>
    request_status TEXT,                         -- none, sent, accepted, rejected (NULL: never set)
    qualified      INTEGER,                      -- set by updatePeer; NULL: the default rule decides
    marked_peer    INTEGER NOT NULL DEFAULT 0,   -- is_peer set by updatePeer
    notes_private  TEXT,
    PRIMARY KEY (participant_id, public_id)
) STRICT, WITHOUT ROWID;
