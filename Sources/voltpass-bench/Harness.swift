import Foundation

/// One measured operation: how many times it ran and how long that took.
struct Measurement: Sendable {
    let operation: String
    let count: Int
    let seconds: Double
    /// Bytes processed per run, for throughput figures (MB/s); nil when not meaningful.
    let bytesPerOperation: Int?

    var operationsPerSecond: Double { Double(count) / seconds }
    var microsecondsPerOperation: Double { seconds * 1_000_000 / Double(count) }
    var megabytesPerSecond: Double? {
        bytesPerOperation.map { Double($0) * Double(count) / seconds / 1_000_000 }
    }
}

/// Runs `body` repeatedly: a short warm-up, then timed rounds for at least `minimumSeconds`.
/// `body` returns a value folded into a sink so the optimizer cannot drop the work.
func measure(
    _ operation: String, minimumSeconds: Double, bytesPerOperation: Int? = nil,
    _ body: () async throws -> Int
) async rethrows -> Measurement {
    var sink = 0
    for _ in 0..<3 { sink &+= try await body() }
    var count = 0
    let clock = ContinuousClock()
    let start = clock.now
    var elapsed = Duration.zero
    repeat {
        for _ in 0..<16 { sink &+= try await body() }
        count += 16
        elapsed = clock.now - start
    } while elapsed < .seconds(minimumSeconds)
    if sink == 42 { print("", terminator: "") }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Measurement(operation: operation, count: count, seconds: seconds, bytesPerOperation: bytesPerOperation)
}
