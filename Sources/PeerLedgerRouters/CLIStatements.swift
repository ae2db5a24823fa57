import PeerLedger
import PeerLedgerDomain
/// One statement of an FRR or IOS configuration with the blocks it sits in (`router bgp 32787`,
/// `address-family ipv6 unicast`), so that the same neighbor line under IPv4 and under IPv6 stays
/// two different things.
struct CLIStatement: Hashable, Sendable {
    var context: [String]
    var line: String
}

/// FRR's and IOS's configuration read as statements, one way for the commands PeerLedger types
/// (modes: `conf t`, `router bgp`, `address-family`, `exit-address-family`, `end`) and one way for
/// what the router prints (`show running-config`, the saved file: blocks by indentation). Both
/// sides of a comparison are then normalised the same way, so that a line the router leaves
/// implied, or writes with other spacing, is no difference.
enum CLIStatements {
    /// Commands that save the configuration: not part of it.
    static let saveCommands: Set<String> = [
        "write", "write memory", "write file", "wr", "copy running-config startup-config", "do write", "do write memory",
    ]

    /// Blocks that start at the top level wherever they are typed (vtysh leaves the current mode
    /// for them).
    static let topLevelBlocks = ["router ", "interface ", "route-map ", "vrf ", "line ", "key chain ", "bfd", "segment-routing"]

    /// The commands PeerLedger sends, or a caller's `config`, as statements. Mode changes and
    /// saves are not statements; comments are already gone (`RouterConfiguration.commandLines`).
    static func parse(commands lines: [String]) -> [CLIStatement] {
        var context: [String] = []
        var statements: [CLIStatement] = []
        for raw in lines {
            let line = normalisedLine(raw)
            if line.isEmpty || line.hasPrefix("!") || saveCommands.contains(line) { continue }
            switch line {
            case "conf t", "configure terminal", "configure", "end":
                context = []
                continue
            case "exit-address-family":
                context = Array(context.prefix(1))
                continue
            case "exit":
                if !context.isEmpty { context.removeLast() }
                continue
            default:
                break
            }
            if topLevelBlocks.contains(where: { line.hasPrefix($0) || line == $0 }) {
                context = [line]
                continue
            }
            if line.hasPrefix("address-family "), let router = context.first, router.hasPrefix("router bgp") {
                context = [router, addressFamily(line)]
                continue
            }
            statements.append(CLIStatement(context: context, line: line))
        }
        return statements
    }

    /// A configuration as the router prints it: a line indented under another belongs to that
    /// block; a line that has lines indented under it is a block header, not a statement.
    static func parse(printed text: String) -> [CLIStatement] {
        var statements: [CLIStatement] = []
        // The open blocks, innermost last, with the indentation of their header lines.
        var blocks: [(indent: Int, header: String)] = []
        var pending: (indent: Int, line: String)?
        func settle(nextIndent: Int?) {
            guard let last = pending else { return }
            pending = nil
            if let nextIndent, nextIndent > last.indent {
                blocks.append((last.indent, last.line))
            } else {
                statements.append(CLIStatement(context: blocks.map(\.header), line: last.line))
            }
        }
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            let indent = raw.prefix { $0 == " " }.count
            let line = normalisedLine(String(raw))
            if line.isEmpty || line.hasPrefix("!") || ignoredPrinted.contains(line) { continue }
            settle(nextIndent: indent)
            while let innermost = blocks.last, innermost.indent >= indent { blocks.removeLast() }
            let header = blocks.count == 1 && blocks[0].header.hasPrefix("router bgp") && line.hasPrefix("address-family ")
            pending = (indent, header ? addressFamily(line) : line)
        }
        settle(nextIndent: nil)
        return statements
    }

    /// Lines FRR and IOS print around a configuration that are not part of it.
    static let ignoredPrinted: Set<String> = [
        "Building configuration...", "Current configuration:", "end", "exit", "exit-address-family", "exit-vrf",
    ]

    /// Statements with what the router leaves implied taken out: `neighbor X activate` under
    /// IPv4 unicast, which FRR (and IOS) apply and never print while `bgp default ipv4-unicast` is
    /// on. `ipv4UnicastByDefault` comes from the running configuration, and both sides of a
    /// comparison go through here with the same value.
    static func normalised(_ statements: [CLIStatement], ipv4UnicastByDefault: Bool) -> [CLIStatement] {
        statements.filter { statement in
            guard ipv4UnicastByDefault, statement.context.count == 2, statement.context[0].hasPrefix("router bgp"),
                statement.context[1] == "address-family ipv4 unicast"
            else { return true }
            let words = statement.line.split(separator: " ")
            return !(words.count == 3 && words[0] == "neighbor" && words[2] == "activate")
        }
    }

    /// Whether a router with this running configuration activates every neighbor for IPv4
    /// unicast by itself: true unless its `router bgp` says `no bgp default ipv4-unicast`.
    static func ipv4UnicastByDefault(_ running: [CLIStatement]) -> Bool {
        !running.contains { $0.context.first?.hasPrefix("router bgp") == true && $0.line == "no bgp default ipv4-unicast" }
    }

    /// The statements inside `router bgp` blocks: what a session's push changes.
    static func bgp(_ statements: [CLIStatement]) -> [CLIStatement] {
        statements.filter { $0.context.first?.hasPrefix("router bgp") == true }
    }

    /// Single spaces, no leading or trailing ones: `neighbor  X   remote-as 1` is `neighbor X remote-as 1`.
    static func normalisedLine(_ line: String) -> String {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// IOS prints `address-family ipv4` for what FRR prints `address-family ipv4 unicast`.
    static func addressFamily(_ line: String) -> String {
        switch line {
        case "address-family ipv4": return "address-family ipv4 unicast"
        case "address-family ipv6": return "address-family ipv6 unicast"
        default: return line
        }
    }
}
