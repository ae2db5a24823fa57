import PeerLedger
import PeerLedgerDomain

/// getPeers' `data` written straight into bytes from the peers, without a JSON value per peer
/// in between: byte for byte `JSON.array(peers.map(PeerActions.json)).serialized()`, which the
/// writes' answers (resetPeerStatus, updatePeer) still build as values. `PeerAnswerTests`
/// compares both on peers with nulls, escapes and unicode, with and without the includes.
enum PeerAnswer {
    static func data(
        _ peers: [Peer], own: OwnNetwork?, _ reader: LedgerReader, publicIPs: Bool, contacts: Bool, log: Bool
    ) throws -> [UInt8] {
        var out: [UInt8] = []
        // About 185 bytes per peer without the includes.
        out.reserveCapacity(peers.count * 200 + 2)
        out.append(UInt8(ascii: "["))
        for (index, peer) in peers.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            try append(peer, own: own, reader, publicIPs: publicIPs, contacts: contacts, log: log, to: &out)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// One peer in the seed's shape, the members in `PeerActions.json`'s order.
    static func append(
        _ peer: Peer, own: OwnNetwork?, _ reader: LedgerReader, publicIPs: Bool, contacts: Bool, log: Bool, to out: inout [UInt8]
    ) throws {
        JSONBytes.appendLiteral(#"{"id":"#, to: &out)
        JSONBytes.appendNumericString(peer.netID, to: &out)
        JSONBytes.appendLiteral(#","public_id":"#, to: &out)
        JSONBytes.appendNumericString(peer.exchange, to: &out)
        JSONBytes.appendLiteral(#","asn":"#, to: &out)
        JSONBytes.appendNumericString(peer.asn, to: &out)
        JSONBytes.appendLiteral(#","name":"#, to: &out)
        JSONBytes.appendString(peer.name, to: &out)
        JSONBytes.appendLiteral(#","qualified":"#, to: &out)
        JSONBytes.appendBool(peer.qualified(own: own), to: &out)
        JSONBytes.appendLiteral(#","is_peer":"#, to: &out)
        out.append(peer.isPeer ? UInt8(ascii: "1") : UInt8(ascii: "0"))
        JSONBytes.appendLiteral(#","request_status":"#, to: &out)
        JSONBytes.appendString(peer.requestStatus, to: &out)
        // `PeerField.info_prefixes`: the net's `info_prefixes4` as a string.
        JSONBytes.appendLiteral(#","info_prefixes":"#, to: &out)
        JSONBytes.appendNumericString(peer.parsedNet.infoPrefixes4, to: &out)
        JSONBytes.appendLiteral(#","public_ips":"#, to: &out)
        if publicIPs {
            JSONBytes.append(.array(try reader.publicIPs(participant: peer.netID, exchange: peer.exchange).map(\.json)), to: &out)
        } else {
            JSONBytes.appendLiteral("[]", to: &out)
        }
        JSONBytes.appendLiteral(#","contacts":"#, to: &out)
        if contacts {
            JSONBytes.append(.array(try reader.contacts(participant: peer.netID).map(\.json)), to: &out)
        } else {
            JSONBytes.appendLiteral("[]", to: &out)
        }
        JSONBytes.appendLiteral(#","log_data":"#, to: &out)
        if log {
            JSONBytes.append(.array(try reader.peerLog(participant: peer.netID, exchange: peer.exchange).map(\.json)), to: &out)
        } else {
            JSONBytes.appendLiteral("[]", to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}

/// The seed's shapes of a peer's lists (ids as strings).
extension PublicAddress {
    var json: JSON {
        .object([("public_id", .numericString(publicID)), ("ip_type", .string(ipType)), ("ipaddr", .string(address))])
    }
}

extension PeerContact {
    var json: JSON {
        .object([("role", .string(role)), ("name", .string(name)), ("email", .string(email)), ("phone", .string(phone))])
    }
}

extension PeerLogEntry {
    var json: JSON {
        .object([
            ("message", .string(message)), ("time", .string(time)), ("request_id", .numericString(requestID)),
            ("session_id", .numericString(sessionID)), ("public_id", .numericString(publicID)),
        ])
    }
}
