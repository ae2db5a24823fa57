import Foundation
import Logging
import HummingbirdBcrypt
public import PeerLedger
public import PeerLedgerDomain

/// Console users as the command line and `serve --demo` make them: a random one-time password,
/// shown once, whose bcrypt hash is all the ledger keeps.
public enum ConsoleAccounts {
    /// bcrypt's work factor for stored passwords (2^12 rounds); 4 to 31.
    public static let defaultCost: UInt8 = 12

    /// Creates `name` with `role` and returns the user and their one-time password.
    public static func create(
        _ ledger: Ledger, name: String, role: ConsoleRole, metadata: EventMetadata, cost: UInt8 = defaultCost
    ) throws -> (user: ConsoleUser, password: String) {
        let password = randomPassword()
        let user = try ledger.createConsoleUser(name: name, role: role, passwordHash: hash(password, cost: cost), metadata: metadata)
        return (user, password)
    }

    /// Gives an existing user a new one-time password, returned (to change at next login).
    public static func reset(_ ledger: Ledger, name: String, metadata: EventMetadata) throws -> String {
        let password = randomPassword()
        try ledger.resetConsoleUserPassword(name, passwordHash: hash(password, cost: defaultCost), metadata: metadata)
        return password
    }

    /// `{"user":…,"password":…}`, as `users create` prints it.
    public static func issuedJSON(user: ConsoleUser, password: String) -> String {
        JSON.object([("user", .string(user.name)), ("role", .string(user.role.rawValue)), ("password", .string(password))])
            .serialized()
    }

    /// A cost outside 4...31 is taken as the nearest bound, never a crash.
    static func hash(_ password: String, cost: UInt8) -> String { Bcrypt.hash(password, cost: min(max(cost, 4), 31)) }

    static func verify(_ password: String, hash: String) -> Bool { Bcrypt.verify(password, hash: hash) }

    /// 20 characters from an alphabet without look-alikes (about 100 bits).
    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var random = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
    }

    /// A password a user may choose: 12 to 200 characters, no control characters.
    static func checkedNewPassword(_ text: String) throws(Refusal) -> String {
        guard text.count >= 12 else { throw Refusal("the new password is \(text.count) characters long; at least 12 are needed") }
        // bcrypt reads at most 72 bytes; longer passwords would be cut silently, so they are refused.
        guard text.utf8.count <= 72 else { throw Refusal("the new password is \(text.utf8.count) bytes long; at most 72 are allowed") }
        _ = try Values.text(text, field: "the new password", maxLength: 72)
        return text
    }
}
