import ServiceLifecycle

/// The loop of `serve`'s background services (outbox delivery, router polls, snapshots): a pass,
/// then a pause, until a graceful shutdown or a cancellation.
///
/// A graceful shutdown cuts short only the pause: a pass in progress finishes, so what it sent or
/// read is recorded (each write committed whole), and no pass begins after it. A cancellation (a
/// shutdown that is not graceful) reaches the pass too, and a write it interrupts rolls back whole.
package func repeatPasses(_ pass: () async -> Void, pausing pause: @escaping @Sendable () async -> Void) async {
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
        await pass()
        guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
        await cancelWhenGracefulShutdown(pause)
    }
}
