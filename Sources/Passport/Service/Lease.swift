import Foundation

/// Named leases in the database the instances share: each is held by one holder at a time, until it
/// expires or is released.
public protocol LeaseRepository: Sendable {
    /// Gives lease `name` to `holder` until `expiresAt` when nobody holds it, its holder's time ran out
    /// at `now`, or `holder` holds it already (a renewal); false, changing nothing, when another holder has it.
    func acquireLease(_ name: String, holder: String, expiresAt: Date, now: Date) async throws -> Bool
    /// Ends `holder`'s lease `name` at once; nothing when another holder has it.
    func releaseLease(_ name: String, holder: String) async throws
}

/// One instance's claim on a named lease: taken or renewed for `duration` on each ``acquire()``, so
/// a holder that stops renewing (it died) leaves the lease to another instance once `duration` passed.
public struct Lease: Sendable {
    public let name: String
    /// Who holds it: one name per instance, the same after a restart (see ``holder(dataDirectory:)``).
    public let holder: String
    public let duration: Duration
    let repository: any LeaseRepository
    let now: @Sendable () -> Date

    public init(
        name: String, holder: String, duration: Duration, repository: any LeaseRepository, now: @escaping @Sendable () -> Date
    ) {
        self.name = name
        self.holder = holder
        self.duration = duration
        self.repository = repository
        self.now = now
    }

    /// The holder name of the instance with `dataDirectory` on this host. Every instance has a data
    /// directory of its own, so the name is unique among running instances, and an instance restarted
    /// after a crash takes back at once the leases it held (as a renewal) instead of waiting for them
    /// to expire.
    public static func holder(dataDirectory: URL) -> String {
        "\(ProcessInfo.processInfo.hostName):\(dataDirectory.standardizedFileURL.path)"
    }

    /// Takes or renews the lease; whether this instance holds it now.
    public func acquire() async throws -> Bool {
        let start = now()
        let (seconds, attoseconds) = duration.components
        let expiry = start.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
        return try await repository.acquireLease(name, holder: holder, expiresAt: expiry, now: start)
    }

    /// Gives the lease up, so another instance need not wait for it to expire.
    public func release() async throws {
        try await repository.releaseLease(name, holder: holder)
    }
}
