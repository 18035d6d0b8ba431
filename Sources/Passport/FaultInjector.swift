/// A named step of a write where a test may stop it, to show that a write cut off at any step
/// leaves all of it or none of it.
public enum FaultPoint: String, Sendable, CaseIterable {
    /// Status entries handed out, nothing signed yet.
    case provisionAllocated = "provision.allocated"
    /// Every credential, event and plate token signed; nothing committed.
    case provisionSigned = "provision.signed"
    /// The batch committed; the response not yet sent.
    case provisionCommitted = "provision.committed"
    /// An incorporation batch's leaves written, its settlement not yet on the ledger.
    case incorporateAfterTrie = "incorporate.after-trie"
    /// The settlement on the ledger, the batch's journal not yet removed.
    case incorporateAfterSettle = "incorporate.after-settle"
    /// A root anchored on the ledger, its signed checkpoint not yet stored.
    case anchorLedgered = "anchor.ledgered"
}

/// Where a write reports the steps it reaches. Production runs with ``NoFaults``; crash tests inject
/// one that throws or ends the process at a chosen step.
public protocol FaultInjector: Sendable {
    func reach(_ point: FaultPoint) async throws
}

/// Reaches every step without stopping.
public struct NoFaults: FaultInjector {
    public init() {}

    public func reach(_ point: FaultPoint) async throws {}
}
