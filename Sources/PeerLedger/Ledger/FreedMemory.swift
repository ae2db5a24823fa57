#if canImport(Glibc)
    import Glibc
#endif

/// Hands back to the operating system the heap a long pass freed (a snapshot backfill replays
/// the whole log through a scratch database with a 64 MB page cache). glibc keeps freed memory
/// in its arenas for reuse, so without this a server that backfilled its snapshots at start-up
/// kept that pass's peak as its resident size for the rest of its life (124 MB instead of 57 MB
/// on the 1M-event world).
enum FreedMemory {
    #if canImport(Glibc)
        /// glibc's `malloc_trim` (declared in malloc.h, which Swift's Glibc module leaves out).
        private static let mallocTrim: (@convention(c) (Int) -> Int32)? = dlsym(nil, "malloc_trim").map {
            unsafeBitCast($0, to: (@convention(c) (Int) -> Int32).self)
        }
    #endif

    static func returnToSystem() {
        #if canImport(Glibc)
            _ = mallocTrim?(0)
        #endif
    }
}
