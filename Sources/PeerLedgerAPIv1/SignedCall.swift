public import PeerLedger
import PeerLedgerDomain

/// A call as the HTTP server receives it (raw form text, signed with an API key), authenticated
/// and answered. A list read the read-answer cache may answer (getSessions, getPeers,
/// getCommunications) is authenticated and answered in one reader access: the key is read in
/// the same snapshot as the projections' position and the answer, instead of one reader hop for
/// the key and another for the answer. A key revoked by any commit before that snapshot is
/// refused as before; every other call is authenticated first, then handled.
extension APIv1 {
    /// The key that signed the call, the answer, and the call's parameters (nil when they did not
    /// decode). Throws when the call is not let in.
    ///
    /// Authentication comes first and reads only the raw bytes (`CallSignature`): a call that is
    /// not exactly signed is refused with 401 whatever else it gets wrong. Only then are its
    /// parameters decoded and validated.
    public func handle(
        signed raw: String, requestID: String? = nil, clientAddress: String? = nil, idempotencyKey: String? = nil
    ) async throws(AuthenticationFailure) -> (key: APIKey, answer: APIAnswer, parameters: Parameters?) {
        let signature = try CallSignature(raw: raw)
        let parameters: Parameters
        do {
            parameters = try Parameters(formEncoded: raw)
        } catch {
            let key = try await authenticate(signature)
            return (key, .failure(error.message), nil)
        }
        guard let (cacheKey, read) = cachedRead(parameters) else {
            let key = try await authenticate(signature)
            let answer = await handle(
                APIRequest(
                    parameters: parameters, actor: key.name, readOnly: key.readOnly, requestID: requestID,
                    clientAddress: clientAddress, idempotencyKey: idempotencyKey))
            return (key, answer, parameters)
        }
        let cache = readCache
        let outcome: Result<(key: APIKey, answer: APIAnswer), AuthenticationFailure>
        // A kept answer costs a few microseconds of SQLite (the key, the position): it is read
        // right here rather than on a reader queue, whose two thread hops cost more than that.
        // Building an answer (milliseconds) runs on the reader queue below.
        // A ledger following a log of record is brought level first, so a key made or a write
        // acknowledged through another node a moment ago is seen here (nothing to do otherwise).
        try? await ledger.catchUpIfBehind()
        let probe = try? ledger.readingNow { reader -> KeptAnswerProbe in
            let position = try reader.projectionPosition()
            switch try Self.verifiedKey(reader, signature, cache: cache, position: position) {
            case let .failure(failure): return .refused(failure)
            case let .success(key):
                guard let kept = cache.answer(for: cacheKey, at: position) else { return .notKept }
                return .answered(key, kept)
            }
        }
        switch probe {
        case let .refused(failure)?: throw failure
        case let .answered(key, answer)?:
            try checkTime(signature)
            return (key, answer, parameters)
        case .notKept?, nil:
            // Not kept, or the read failed (the read below reports that).
            break
        }
        do {
            outcome = try await ledger.reading { reader in
                try Self.verifiedKey(reader, signature).map { key in
                    let answer: APIAnswer
                    do {
                        answer = try cache.answer(for: cacheKey, reader) { try read(parameters, reader) }
                    } catch {
                        answer = self.answer(for: error, requestID: requestID)
                    }
                    return (key, answer)
                }
            }
        } catch {
            throw AuthenticationFailure(message: "Authentication is unavailable right now")
        }
        let answered = try outcome.get()
        // As `authenticate` does after the key: a call too far from the clock is not answered.
        try checkTime(signature)
        return (answered.key, answered.answer, parameters)
    }

    /// The key that signed the call, from the key rows kept for this snapshot's position when
    /// there (`ReadAnswerCache`), else read and kept.
    static func verifiedKey(
        _ reader: LedgerReader, _ signature: CallSignature, cache: ReadAnswerCache, position: Int64
    ) throws -> Result<APIKey, AuthenticationFailure> {
        if let kept = cache.storedKey(signature.apiKey, at: position) { return verified(kept, signature) }
        let found = try reader.storedKey(signature.apiKey)
        if let found { cache.store(found, at: position) }
        return verified(found, signature)
    }

    /// What the quick look for a kept answer found.
    private enum KeptAnswerProbe {
        case refused(AuthenticationFailure)
        case answered(APIKey, APIAnswer)
        case notKept
    }

    /// The cache key and read of a call the read-answer cache may answer, or nil for any other
    /// call (writes, other reads, `as_of`, and calls `handle` refuses: those go the general way).
    func cachedRead(_ parameters: Parameters) -> (key: String, read: @Sendable (Parameters, LedgerReader) throws -> Reply)? {
        guard let action = try? requestAction(for: parameters) ?? Self.action(for: parameters),
            (try? action.checkParameters(parameters)) != nil, case let .read(read) = action.body,
            parameters.nonEmpty("as_of") == nil, let key = ReadAnswerCache.key(action: action.name, parameters: parameters)
        else { return nil }
        return (key, read)
    }
}
