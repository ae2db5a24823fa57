import Foundation
import Logging
import Hummingbird
import PeerLedger
import PeerLedgerDomain

/// `/exchanges` and `/exchanges/ID`: the exchanges PeeringDB knows, and one exchange's members
/// with our status for each, filterable; `/exchanges/ID/networks/NET` sends a request or adds
/// sessions pre-filled with both sides' addresses.
extension Console {
    /// Our status with a member, from the most settled down: a closed set the filter offers.
    enum MemberStatus: String, CaseIterable {
        case peered, requested, qualified
        case notQualified = "not-qualified"
        case neverContacted = "never-contacted"

        var label: String {
            switch self {
            case .peered: "peered"
            case .requested: "requested"
            case .qualified: "qualified"
            case .notQualified: "not qualified"
            case .neverContacted: "never contacted"
            }
        }

        init(_ peer: Peer, own: OwnNetwork?) {
            if peer.isPeer {
                self = .peered
            } else if peer.requestStatus != nil {
                self = .requested
            } else if let qualified = peer.qualified(own: own) {
                self = qualified ? .qualified : .notQualified
            } else {
                self = .neverContacted
            }
        }
    }

    static func identifier(_ text: String?, field: String) throws -> Int64 {
        guard let text else { throw ConsoleNotFound(message: "no \(field) given") }
        return try Values.identifier(text, field: field)
    }

    func exchangesPage(_ session: ConsoleSession, _ request: Request) async throws -> Outcome {
        let asOf = Self.asOf(request)
        let after = try request.uri.queryParameters["after"].map { try Values.identifier(String($0), field: "after") }
        let suffix = Self.asOfQuery(asOf)
        let found = try await reading(asOf: asOf) { reader in try reader.exchanges(afterID: after, limit: 101) }
        let items = found.prefix(100).map { exchange -> [String: Any] in
            [
                "id": exchange.id, "name": exchange.name ?? "exchange \(exchange.id)", "city": exchange.city ?? "",
                "country": exchange.country ?? "", "liveSessions": exchange.liveSessions, "asOfQuery": suffix,
            ]
        }
        var context: [String: Any] = ["items": items]
        if found.count > 100, let last = found.prefix(100).last {
            context["next"] = "/exchanges?" + Self.query((asOf.map { [("as_of", $0)] } ?? []) + [("after", String(last.id))])
        }
        return .page(title: "Exchanges", template: "exchanges", context: context, asOf: AsOfControl(asOf: asOf, path: "/exchanges"))
    }

    /// "sent 2026-11-20 09:00:00" while unanswered, "accepted (sent 2026-11-20 09:00:00)" after.
    static func requestLabel(_ status: String, sent: String?) -> String {
        guard let sent else { return status }
        return status == "sent" ? "sent \(sent)" : "\(status) (sent \(sent))"
    }

    func exchangePage(_ session: ConsoleSession, _ request: Request, id text: String?) async throws -> Outcome {
        let id = try Self.identifier(text, field: "exchange id")
        let asOf = Self.asOf(request)
        let parameters = request.uri.queryParameters
        let name = parameters["name"].map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        let asnText = parameters["asn"].map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        let asn = asnText.isEmpty ? nil : try Values.asn(asnText, field: "asn")
        let statusText = parameters["status"].map(String.init) ?? ""
        let status: MemberStatus?
        if statusText.isEmpty {
            status = nil
        } else if let known = MemberStatus(rawValue: statusText) {
            status = known
        } else {
            throw Refusal(
                "status must be one of \(MemberStatus.allCases.map(\.rawValue).joined(separator: ", ")); got '\(Values.quoted(statusText))'")
        }
        let found = try await reading(asOf: asOf) { reader -> PageContext? in
            guard let exchange = try reader.exchanges(id: id).first else { return nil }
            let own = try reader.ownNetwork()
            let members = try reader.members(exchange: id).sorted { $0.name.lowercased() < $1.name.lowercased() }
            let latest = try reader.latestRequests(exchange: id)
            let rows = members.compactMap { peer -> [String: Any]? in
                let memberStatus = MemberStatus(peer, own: own)
                if let status, status != memberStatus { return nil }
                if let asn, peer.asn != asn { return nil }
                if !name.isEmpty, !peer.name.localizedCaseInsensitiveContains(name) { return nil }
                return [
                    "name": peer.name, "asn": peer.asn.map(String.init) ?? "", "policy": peer.parsedNet.policyGeneral ?? "",
                    "status": memberStatus.label, "netID": peer.netID, "exchange": id,
                    // The status as the peer's record has it (a reset clears it), with when the last request went.
                    "request": peer.requestStatus.map { status in Self.requestLabel(status, sent: latest[peer.netID]?.created) } ?? "",
                ]
            }
            return PageContext([
                "id": id, "name": exchange.name ?? "Exchange \(id)", "city": exchange.city ?? "", "country": exchange.country ?? "",
                "liveSessions": exchange.liveSessions, "members": rows, "shown": rows.count, "total": members.count,
                "filters": ["name": name, "asn": asnText],
                "statuses": [["value": "", "label": "any", "selected": status == nil]]
                    + MemberStatus.allCases.map { ["value": $0.rawValue, "label": $0.label, "selected": $0 == status] },
            ])
        }
        guard let found else { throw ConsoleNotFound(message: "PeeringDB knows no exchange \(id)") }
        var keep: [(String, String)] = []
        for (key, value) in [("name", name), ("asn", asnText), ("status", statusText)] where !value.isEmpty { keep.append((key, value)) }
        var context = found.values
        if let asOf { context["asOf"] = asOf }
        return .page(
            title: context["name"] as? String ?? "Exchange", template: "exchange", context: context,
            asOf: AsOfControl(asOf: asOf, keep: keep, path: "/exchanges/\(id)"))
    }

    func networkPage(
        _ session: ConsoleSession, exchange exchangeText: String?, net netText: String?,
        error: String? = nil, notice: String? = nil, preview: (form: ConsoleForm, mail: String)? = nil
    ) async throws -> Outcome {
        let exchange = try Self.identifier(exchangeText, field: "exchange id")
        let net = try Self.identifier(netText, field: "network id")
        let found = try await ledger.reading { reader -> PageContext? in
            guard let peer = try reader.members(exchange: exchange, participant: net).first else { return nil }
            let exchangeName = try reader.exchangeName(exchange) ?? "exchange \(exchange)"
            let own = try reader.ownNetwork()
            let theirs = try reader.publicIPs(participant: net, exchange: exchange)
            var criteria = SessionCriteria()
            criteria.require(.public_id, equals: .int(exchange))
            criteria.require(.peer_participant_id, equals: .int(net))
            let sessions = try reader.sessions(matching: criteria).map { session -> [String: Any] in
                [
                    "id": session.id, "source": session.text(.source_ipaddr) ?? "", "peer": session.text(.peer_ipaddr) ?? "",
                    "state": session.text(.state) ?? "not configured",
                ]
            }
            var context: [String: Any] = [
                "name": peer.name, "asn": peer.asn.map(String.init) ?? "?", "exchange": exchange, "exchangeName": exchangeName,
                "netID": net, "status": MemberStatus(peer, own: own).label, "policy": peer.parsedNet.policyGeneral ?? "",
                "theirs": theirs.map(\.address), "sessions": sessions,
            ]
            if let own {
                let ours = try reader.publicIPs(participant: own.netID, exchange: exchange)
                let router = try reader.routers().first.map { String($0.id) } ?? ""
                var pairs: [[String: Any]] = []
                for family in ["ipv4", "ipv6"] {
                    guard let mine = ours.first(where: { $0.ipType == family }), let other = theirs.first(where: { $0.ipType == family })
                    else { continue }
                    pairs.append([
                        "family": family == "ipv4" ? "IPv4" : "IPv6", "ours": mine.address, "theirs": other.address, "router": router,
                        "index": pairs.count, "exchange": exchange, "netID": net,
                    ])
                }
                let contacts = try reader.contacts(participant: net)
                let preferred = contacts.filter { $0.role == "Policy" }.compactMap(\.email)
                let to = preferred.isEmpty ? contacts.compactMap(\.email) : preferred
                context["own"] = ["name": own.name, "asn": own.asn]
                context["pairs"] = pairs
                context["mail"] = [
                    "from": "", "to": to.prefix(3).joined(separator: ", "),
                    "subject": "Peering request: AS\(own.asn) (\(own.name)) and AS\(peer.asn.map(String.init) ?? "?") at \(exchangeName)",
                    "body": """
                        Hello \(peer.name),

                        \(own.name) (AS\(own.asn)) would like to peer with you at \(exchangeName).
                        Our addresses there: \(ours.map(\.address).joined(separator: ", ")).

                        Regards
                        """,
                ]
            }
            return PageContext(context)
        }
        guard var context = found?.values else {
            throw ConsoleNotFound(message: "network \(net) is not a member of exchange \(exchange) in PeeringDB")
        }
        if let error { context["error"] = error }
        if let notice { context["notice"] = notice }
        if let preview {
            // The form as it was posted, under the message it would send.
            context["mail"] = [
                "from": preview.form["email_from"] ?? "", "to": preview.form["email_to"] ?? "", "subject": preview.form["subject"] ?? "",
                "body": preview.form["body"] ?? "",
            ]
            context["preview"] = preview.mail
        }
        let title = "\(context["name"] as? String ?? "Network") at \(context["exchangeName"] as? String ?? "")"
        return .page(title: title, template: "network", context: context, status: error == nil ? .ok : .badRequest)
    }

    func sendRequest(_ session: ConsoleSession, _ form: ConsoleForm, exchange exchangeText: String?, net netText: String?) async throws -> Outcome {
        let (exchange, net, own, peer) = try await parties(exchangeText, netText)
        var texts: [String: String] = [
            "public_id": String(exchange), "peer_participant_id": String(net), "source_participant_id": String(own.netID),
            "source_asn": String(own.asn), "peer_name": peer.name, "type": "text", "status": "sent",
        ]
        if let asn = peer.asn { texts["peer_asn"] = String(asn) }
        for field in ["email_from", "email_to", "subject", "body"] { texts[field] = form.text(field) }
        let request: PeeringRequest
        do {
            request = try PeeringRequest(sendRequest: { texts[$0] })
        } catch {
            return try await networkPage(session, exchange: exchangeText, net: netText, error: "\(error.message); nothing was sent")
        }
        switch form.text("mode") ?? "send" {
        case "send": break
        case "preview":
            let next = try await ledger.reading { reader in try (reader.lastRequestID() ?? 0) + 1 }
            let message = try request.message(requestID: next, date: ledger.clock.now())
            return try await networkPage(session, exchange: exchangeText, net: netText, preview: (form, message.rendered))
        case let other: throw Refusal("mode must be send or preview; got '\(Values.quoted(other))'")
        }
        let quietPeriodSeconds = self.quietPeriodSeconds
        let id: Int64
        do {
            id = try await ledger.write(Self.metadata(session)) { transaction in
                try transaction.recordPeeringRequest(request, directory: ProjectedPeeringDirectory(), quietPeriodSeconds: quietPeriodSeconds)
            }
        } catch let refusal as Refusal {
            return try await networkPage(session, exchange: exchangeText, net: netText, error: "\(refusal.message); nothing was sent")
        }
        return try await networkPage(session, exchange: exchangeText, net: netText, notice: "Peering request \(id) recorded; its message is queued.")
    }

    func addSession(_ session: ConsoleSession, _ form: ConsoleForm, exchange exchangeText: String?, net netText: String?) async throws -> Outcome {
        let (exchange, net, own, peer) = try await parties(exchangeText, netText)
        var texts: [SessionField: String] = [
            .public_id: String(exchange), .source_asn: String(own.asn), .peer_name: peer.name, .peer_participant_id: String(net),
            .type: "Peer",
        ]
        if let asn = peer.asn { texts[.peer_asn] = String(asn) }
        for field in [SessionField.source_ipaddr, .peer_ipaddr, .resource_id, .peer_group, .prfx_max] {
            if let text = form.text(field.rawValue) { texts[field] = text }
        }
        let id: Int64
        do {
            for (field, text) in texts { _ = try field.parse(text) }
            id = try await ledger.write(Self.metadata(session)) { [texts] transaction in try transaction.addSession(texts) }
        } catch let refusal as Refusal {
            return try await networkPage(session, exchange: exchangeText, net: netText, error: "\(refusal.message); nothing was added")
        }
        return .redirect("/sessions/\(id)")
    }

    /// The exchange and network a form names, our network and theirs there: refused when our
    /// network is not set, not found when they are not a member.
    func parties(_ exchangeText: String?, _ netText: String?) async throws -> (Int64, Int64, OwnNetwork, Peer) {
        let exchange = try Self.identifier(exchangeText, field: "exchange id")
        let net = try Self.identifier(netText, field: "network id")
        let found = try await ledger.reading { reader -> (own: OwnNetwork?, peer: Peer?) in
            (try reader.ownNetwork(), try reader.members(exchange: exchange, participant: net).first)
        }
        guard let own = found.own else { throw Refusal("our own network is not set (peerledger self); nothing was done") }
        guard let peer = found.peer else { throw ConsoleNotFound(message: "network \(net) is not a member of exchange \(exchange)") }
        return (exchange, net, own, peer)
    }
}
