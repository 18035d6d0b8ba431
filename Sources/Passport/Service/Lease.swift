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
    /// Who holds it: unique per running instance.
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

    /// A holder name unique to this process: the host, the process id and a random part.
    public static func instanceHolder() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8).lowercased())"
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
