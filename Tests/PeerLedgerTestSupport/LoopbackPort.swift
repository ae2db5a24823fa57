import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback port nobody listens on right now (the kernel's pick for a socket bound to port
/// 0), for a server a test starts (an SMTP sink, sshd) or a port it knows is closed.
public func freeLoopbackPort() throws -> Int {
    // The socket is closed as the port is handed back: free from then on, for anyone.
    try ClosedLoopbackPort().port
}

/// A loopback port held closed for as long as this lives: a socket bound to it that never
/// listens, so a connection to it is refused, and no server another test starts meanwhile can
/// take the port (the kernel gives a port bound here to no one else). For "nobody answers
/// there": a port from `freeLoopbackPort` is free only at the moment it was picked.
public final class ClosedLoopbackPort: Sendable {
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            close(fd)
            throw TestFailure("bind() on a loopback port failed: errno \(errno)")
        }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
