import Foundation

/// A status list an issuer maintains, as stored: its bits and how many of its indices are handed out.
public struct StatusListRecord: Sendable, Equatable {
    /// The list's id, the last segment of its URL.
    public var id: String
    /// The issuer DID that signs the list.
    public var issuer: String
    public var purpose: StatusPurpose
    /// Number of one-bit entries (at least 131,072).
    public var entryCount: Int
    /// The key of the index permutation when indices are handed out in random order; nil for sequential.
    public var allocationKey: [UInt8]?
    /// How many indices have been handed out; indices are never handed out twice.
    public var allocated: Int
    /// The bitstring, `entryCount / 8` bytes, most significant bit first.
    public var bits: [UInt8]
    /// Incremented by every change of `bits`, so a published credential can be re-signed only when needed.
    public var revision: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, issuer: String, purpose: StatusPurpose, entryCount: Int, allocationKey: [UInt8]?, allocated: Int = 0,
        bits: [UInt8], revision: Int = 0, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.issuer = issuer
        self.purpose = purpose
        self.entryCount = entryCount
        self.allocationKey = allocationKey
        self.allocated = allocated
        self.bits = bits
        self.revision = revision
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Keeps status lists. Allocation and bit updates are atomic in the store, so several service
/// instances sharing a database never hand out one index twice nor lose an update.
public protocol StatusListRepository: Sendable {
    /// Saves a new list; an id that exists is `status_list_exists` (a `StorageError`-like coded error).
    func createStatusList(_ list: StatusListRecord) async throws
    /// The list with this id, or nil.
    func statusList(id: String) async throws -> StatusListRecord?
    /// Takes the next `count` allocation numbers of a list and returns them, or nil when fewer than
    /// `count` are left. An unknown list is `status_list_not_found`.
    func allocateStatusEntries(listID: String, count: Int) async throws -> Range<Int>?
    /// Sets (`true`) or clears one bit, increments the revision when the bit changes, and returns the
    /// bit's previous value. An unknown list is `status_list_not_found`; an index outside the list,
    /// `range_error`.
    func setStatusBit(listID: String, index: Int, to value: Bool, at date: Date) async throws -> Bool
}
