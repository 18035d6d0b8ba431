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

/// A list's signed `BitstringStatusListCredential` as last published, and the revision it shows.
public struct PublishedStatusList: Sendable, Equatable {
    /// The list revision whose bits the credential carries.
    public var revision: Int
    /// The signed credential, UTF-8 JSON exactly as served.
    public var document: [UInt8]

    public init(revision: Int, document: [UInt8]) {
        self.revision = revision
        self.document = document
    }
}

/// What is published of a list: its current revision and the signed copy kept, if any.
public struct StatusListPublication: Sendable, Equatable {
    /// The list's revision now.
    public var currentRevision: Int
    /// The signed copy last kept; it is current when its revision is ``currentRevision``.
    public var published: PublishedStatusList?

    public init(currentRevision: Int, published: PublishedStatusList?) {
        self.currentRevision = currentRevision
        self.published = published
    }

    /// The signed copy when it shows the list as it is now.
    public var current: PublishedStatusList? { published?.revision == currentRevision ? published : nil }
}

/// Keeps status lists, each in the namespace of the issuer that owns it: two issuers may use the same
/// list id, and nothing reached through one issuer touches another's lists. Allocation and bit updates
/// are atomic in the store, so several service instances sharing a database never hand out one index
/// twice nor lose an update.
public protocol StatusListRepository: Sendable {
    /// Saves a new list; an id the issuer uses already is `status_list_exists`.
    func createStatusList(_ list: StatusListRecord) async throws
    /// The issuer's list with this id, or nil.
    func statusList(issuer: String, id: String) async throws -> StatusListRecord?
    /// Takes the next `count` allocation numbers of a list and returns them, or nil when fewer than
    /// `count` are left. An unknown list is `status_list_not_found`.
    func allocateStatusEntries(issuer: String, listID: String, count: Int) async throws -> Range<Int>?
    /// Sets (`true`) or clears one bit, increments the revision when the bit changes, and returns the
    /// bit's previous value. An unknown list is `status_list_not_found`; an index outside the list,
    /// `range_error`.
    func setStatusBit(issuer: String, listID: String, index: Int, to value: Bool, at date: Date) async throws -> Bool
    /// Keeps `published` as the list's signed credential unless a newer revision is kept already.
    func savePublishedStatusList(issuer: String, listID: String, _ published: PublishedStatusList) async throws
    /// The list's revision and its signed credential as last published; nil when there is no such list.
    func statusListPublication(issuer: String, listID: String) async throws -> StatusListPublication?
    /// The lists (issuer, id) whose bits changed after their credential was last signed, or that were never signed.
    func unpublishedStatusLists() async throws -> [(issuer: String, id: String)]
}
