/// Writes an event's metadata (`{"actor":..,"client_address":..,"request_id":..}`) by hand,
/// because every command encodes it once and a general encoder cost more than the rest of a
/// small command's encoding. Byte-identical to `CanonicalJSON.encode` (RFC 8785; tests compare
/// them): the three keys are written in JCS's member order, absent values are left out as the
/// synthesized `Encodable` does, and any text that is not printable ASCII without `"` or `\` is
/// left to `CanonicalJSON.encode`.
public enum MetadataCodec {
    public static func encode(_ metadata: EventMetadata) throws -> String {
        guard let fast = fastEncode(metadata) else { return try CanonicalJSON.encode(metadata) }
        return fast
    }

    public static func fastEncode(_ metadata: EventMetadata) -> String? {
        var out = "{\"actor\":\""
        guard SessionPayloadCodec.isPlain(metadata.actor) else { return nil }
        out += metadata.actor
        out += "\""
        if let address = metadata.clientAddress {
            guard SessionPayloadCodec.isPlain(address) else { return nil }
            out += ",\"client_address\":\""
            out += address
            out += "\""
        }
        if let request = metadata.requestID {
            guard SessionPayloadCodec.isPlain(request) else { return nil }
            out += ",\"request_id\":\""
            out += request
            out += "\""
        }
        out += "}"
        return out
    }
}
