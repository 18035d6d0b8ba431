import Logging
import ServiceLifecycle

/// A task run on a cadence until graceful shutdown: anchoring changed trie roots, signing status lists
/// a crash left unpublished. A run that fails is logged and the next one goes ahead.
struct PeriodicTask: Service {
    /// Named in the log line of a failed run.
    let name: String
    let interval: Duration
    let logger: Logger
    /// One run; returns how long to wait before the next when that is not `interval`.
    let body: @Sendable () async throws -> Duration?
    /// Runs once after the last run, at shutdown.
    var finish: @Sendable () async -> Void = {}

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                var wait = interval
                while true {
                    try await Task.sleep(for: wait)
                    do {
                        wait = try await body() ?? interval
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch {
                        wait = interval
                        logger.error("\(name) failed", metadata: ["error": "\(error)"])
                    }
                }
            }
        } catch is CancellationError {
            // Shutting down.
        }
        await finish()
    }
}
