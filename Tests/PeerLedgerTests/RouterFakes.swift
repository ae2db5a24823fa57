import Foundation

@testable import PeerLedger
@testable import PeerLedgerRouters
@testable import PeerLedgerDomain

/// The seed's Akamai neighbor as a renderer takes it.
func akamaiNeighbor(group: String? = "group_b", password: String? = "s3cr3tpw", note: String? = nil) -> Neighbor {
    Neighbor(
        sessionID: 2, localASN: 32787, localAddress: "1.2.3.4", address: IPAddress("206.126.236.102")!, remoteASN: 20940,
        description: "Akamai Technologies", group: group, maximumPrefixes: 20, password: password, note: note)
}

/// The path of a file under Tests/ (golden files live outside the test targets).
func testsFile(_ relative: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(relative)
}
