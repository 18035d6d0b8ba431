import Logging
import ServiceLifecycle

/// A task run on a cadence until graceful shutdown: anchoring changed trie roots, signing status lists
/// a crash left unpublished. A run that fails is logged and the next one goes ahead.
struct PeriodicTask: Service {
    /// Named in the log line of a failed run.
    let name: String
    let interval: Duration
    let logger: Logger
    let body: @Sendable () async throws -> Void

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: interval)
                    do {
                        try await body()
                    } catch {
                        logger.error("\(name) failed", metadata: ["error": "\(error)"])
                    }
                }
            }
        } catch is CancellationError {
            // Shutting down.
        }
    }
}
