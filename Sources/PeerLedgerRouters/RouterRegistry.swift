public import PeerLedger
public import PeerLedgerDomain

/// What `peerledger routers add` asks for: a router and how to reach it. The SSH password, if
/// any, goes to `secrets`; the event carries its ref.
public struct RouterRegistration: Sendable {
    public var id: Int64
    public var name: String
    public var platform: RouterPlatform
    public var access: RouterAccess
    public var sshPassword: String?

    public init(id: Int64, name: String, platform: RouterPlatform, access: RouterAccess, sshPassword: String? = nil) {
        self.id = id
        self.name = name
        self.platform = platform
        self.access = access
        self.sshPassword = sshPassword
    }

    /// Every value is checked here, once: names and paths end up in command lines.
    func checked() throws(Refusal) -> RouterRegistration {
        guard id >= 1 else { throw Refusal("id must be a positive integer (the routers' resource_id)") }
        let name = try Values.text(self.name, field: "name", maxLength: 255)
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ ConfigurationValues.isWordScalar($0) }) else {
            throw Refusal("name must be a host name such as ar1.inoc.com (letters, digits, '.', '_', '-'), got '\(Values.quoted(name))'")
        }
        var access = self.access
        for (field, value) in [
            ("vtysh-socket", access.vtyshSocket), ("vtysh-config-dir", access.vtyshConfigDir), ("bird-socket", access.birdSocket), ("bird-config-dir", access.birdConfigDir),
            ("key-file", access.keyFile),
        ] {
            guard let value else { continue }
            _ = try Values.text(value, field: field, maxLength: 1024)
            guard value.hasPrefix("/") else { throw Refusal("\(field) must be an absolute path, got '\(Values.quoted(value))'") }
        }
        for (field, value) in [("netns", access.netns), ("host", access.host), ("user", access.user)] {
            guard let value else { continue }
            _ = try Values.text(value, field: field, maxLength: 255)
            guard !value.isEmpty, !value.hasPrefix("-"),
                value.unicodeScalars.allSatisfy({ ConfigurationValues.isWordScalar($0) || $0 == ":" })
            else {
                throw Refusal("\(field) must be a plain name (letters, digits, '.', '_', '-', ':'; not starting with '-'), got '\(Values.quoted(value))'")
            }
        }
        switch access.kind {
        case .ssh:
            guard access.host != nil else { throw Refusal("ssh access needs --host") }
            if let port = access.port, !(1...65535).contains(port) { throw Refusal("port must be 1 to 65535, got \(port)") }
        case .local:
            guard access.host == nil, sshPassword == nil, access.keyFile == nil else {
                throw Refusal("host, user, key file and password belong to --access ssh, not local")
            }
        }
        if let sshPassword { _ = try Values.text(sshPassword, field: "password", maxLength: 128) }
        access.passwordRef = nil
        return RouterRegistration(id: id, name: name, platform: platform, access: access, sshPassword: sshPassword)
    }
}

extension Ledger {
    /// Registers a router (RouterAdded). Refused when the id or the name is already taken.
    @discardableResult
    public func addRouter(_ registration: RouterRegistration, metadata: EventMetadata) throws -> BGPRouter {
        let checked = try registration.checked()
        return try writeNow(metadata) { tx in
            if let existing = try tx.reader.router(id: checked.id) {
                throw Refusal("router \(checked.id) is already registered as \(existing.name); remove it first")
            }
            if let other = try tx.reader.liveRouter(named: checked.name) {
                throw Refusal("a router named \(checked.name) is already registered (id \(other))")
            }
            var access = checked.access
            if let password = checked.sshPassword { access.passwordRef = try tx.storeSecret(password) }
            let stream = BGPRouter.stream(checked.id)
            try tx.append(
                .routerAdded(RouterAdded(routerID: checked.id, name: checked.name, platform: checked.platform, access: access)),
                to: stream, expecting: try tx.version(of: stream).map(ExpectedVersion.exactly) ?? .noStream)
            return BGPRouter(id: checked.id, name: checked.name, platform: checked.platform, access: access)
        }
    }

    /// Unregisters a router by id or name (RouterRemoved).
    @discardableResult
    public func removeRouter(_ key: String, metadata: EventMetadata) throws -> BGPRouter {
        try writeNow(metadata) { tx in
            let router =
                try Int64(key).flatMap { try tx.reader.router(id: $0) }
                ?? tx.reader.routers().first { $0.name == key }
            guard let router else { throw Refusal("No registered router with id or name '\(Values.quoted(key))'") }
            let stream = BGPRouter.stream(router.id)
            try tx.append(
                .routerRemoved(RouterRemoved(routerID: router.id, name: router.name)), to: stream,
                expecting: .exactly(try tx.version(of: stream) ?? 0))
            return router
        }
    }

    /// Every registered router, by id.
    public func routers() throws -> [BGPRouter] {
        try readingNow { reader in try reader.routers() }
    }
}
