public import Foundation
public import PeerLedgerDomain

/// A folder of PeeringDB API pages: `org.json`, `ix.json`, ... (missing files are skipped). Each
/// file is a full snapshot of its type.
public struct PeeringDBFolder: PeeringDBSource {
    public let url: URL

    public init(path: String) { url = URL(fileURLWithPath: path, isDirectory: true) }

    public func page(_ type: PeeringDBObjectType, since: Int64?) async throws -> PeeringDBPage? {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw Refusal("\(url.path) is not a folder of PeeringDB pages")
        }
        let file = url.appendingPathComponent(type.fileName)
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        let data = try Data(contentsOf: file)
        return PeeringDBPage(type: type, source: type.fileName, bytes: Array(data), isSnapshot: true)
    }
}
