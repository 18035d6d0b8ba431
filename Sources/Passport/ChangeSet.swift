import Credentials
import EPCIS
import Identity
import Foundation
import Trie

/// Everything one operation writes, committed by ``ChangeSetRepository/commit(_:)`` in one database
/// transaction, or not at all. Credentials are signed before the change set is built, so a failed
/// commit stores nothing that was signed.
public struct ChangeSet: Sendable {
    /// Credentials to store (an id in use is `credential_exists`).
    public var credentials: [StoredCredential] = []
    /// Newly provisioned devices (an id, or operator, GTIN and serial, in use is `device_exists`).
    public var devices: [DeviceRecord] = []
    /// BMS keys to add; each sequence must be the device's next one (`bms_key_conflict`).
    public var bmsKeys: [BMSKeyRecord] = []
    /// Ownership links to add; each sequence must be the device's next one (`ownership_conflict`).
    public var ownership: [OwnershipRecord] = []
    public var feed: [StatusFeedEntry] = []
    public var recalls: [RecallRecord] = []
    /// Status list bits to set or clear (each list's revision moves when a bit changes).
    public var statusBits: [StatusBitChange] = []
    /// Signs a list's new bitstring for publication; a store that can wait for it inside the
    /// transaction (``ChangeSetRepository/signsStatusListsInTransaction``) stores the signed copy
    /// with the bits. Otherwise the changed lists are signed after the commit.
    public var statusListSigner: StatusListSigner?
    /// Captured EPCIS events with their credentials and index entries.
    public var events: [(record: EventRecord, credential: StoredCredential)] = []
    /// EPCIS capture jobs to store with the events they captured (an id in use is replaced).
    public var captureJobs: [CaptureJob] = []
    /// EPCIS master data captured with the events: each element's attributes and children given
    /// replace those stored for it.
    public var masterData: [VocabularyElement] = []
    /// The trie batch, checked against the stored root (`root_conflict` when another writer moved it).
    public var trie: TrieWrite?
    /// The responses to give again to a re-send with the same idempotency key (`idempotency_key_exists`
    /// when another request recorded one first).
    public var responses: [RecordedResponse] = []

    public init() {}

    /// Whether committing this would write nothing.
    public var isEmpty: Bool {
        credentials.isEmpty && devices.isEmpty && bmsKeys.isEmpty && ownership.isEmpty && feed.isEmpty && recalls.isEmpty
            && statusBits.isEmpty && events.isEmpty && captureJobs.isEmpty && masterData.isEmpty && trie == nil && responses.isEmpty
    }

    /// Keeps `response`, when there is one, under its idempotency key.
    public mutating func keep(_ response: RecordedResponse?) {
        if let response { responses.append(response) }
    }

    /// Adds everything `other` writes (the trie batch excepted: a group's is computed from all of
    /// its leaves at once).
    public mutating func merge(_ other: ChangeSet) {
        credentials += other.credentials
        devices += other.devices
        bmsKeys += other.bmsKeys
        ownership += other.ownership
        feed += other.feed
        recalls += other.recalls
        statusBits += other.statusBits
        statusListSigner = statusListSigner ?? other.statusListSigner
        events += other.events
        captureJobs += other.captureJobs
        masterData += other.masterData
        responses += other.responses
    }
}

/// Signs list `listID` of `issuer` with the bitstring `bits`, giving the serialized credential to
/// publish (``StatusListService/signedList(_:bits:)``).
public typealias StatusListSigner = @Sendable (_ issuer: String, _ listID: String, _ bits: [UInt8]) async throws -> [UInt8]

/// One bit of a status list to set (revoke, suspend) or clear (reinstate).
public struct StatusBitChange: Sendable, Hashable {
    /// The DID whose list it is (lists are namespaced by their owner).
    public var issuer: String
    public var listID: String
    public var index: Int
    public var value: Bool
    /// When the change was made (the list's `updatedAt`).
    public var date: Date

    public init(issuer: String, listID: String, index: Int, value: Bool, at date: Date) {
        self.issuer = issuer
        self.listID = listID
        self.index = index
        self.value = value
        self.date = date
    }
}

/// A write's response kept under its idempotency key (IETF httpapi `Idempotency-Key`): a re-send
/// with the same key and the same request gets it again instead of running the operation twice.
public struct RecordedResponse: Sendable, Equatable {
    /// Who may replay it: the authenticated caller (keys of different callers never collide).
    public var scope: String
    /// The `Idempotency-Key` header value.
    public var key: String
    /// A digest of the request (method, path, body): the same key with another request is refused.
    public var fingerprint: [UInt8]
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    public var recordedAt: Date

    public init(scope: String, key: String, fingerprint: [UInt8], status: Int, contentType: String, body: [UInt8], recordedAt: Date) {
        self.scope = scope
        self.key = key
        self.fingerprint = fingerprint
        self.status = status
        self.contentType = contentType
        self.body = body
        self.recordedAt = recordedAt
    }
}

/// Where a unit of work is committed: every table the passport, credential, status-list, EPCIS and
/// trie stores keep, in one transaction. The trie batch is written first, under a lock on the
/// operator's trie, so commits to one operator's trie from several instances take turns.
public protocol ChangeSetRepository: Sendable {
    /// Commits `changes` in one transaction, or nothing when any part is refused.
    func commit(_ changes: ChangeSet) async throws
    /// Whether ``commit(_:)`` signs the status lists a change set changes, with its
    /// ``ChangeSet/statusListSigner``, and stores the signed copies in the same transaction.
    var signsStatusListsInTransaction: Bool { get }
    /// The response recorded under `key` for `scope`, nil when none was.
    func recordedResponse(scope: String, key: String) async throws -> RecordedResponse?
}

extension ChangeSetRepository {
    public var signsStatusListsInTransaction: Bool { false }
}

/// A write that keeps its response under an idempotency key: the route says how the operation's
/// output becomes the HTTP response, and the operation records that response in its own transaction.
public struct IdempotentWrite<Output>: Sendable {
    /// The response of a write: status, media type and body.
    public struct Rendered: Sendable {
        public var status: Int
        public var contentType: String
        public var body: [UInt8]

        public init(status: Int, contentType: String, body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    public let scope: String
    public let key: String
    public let fingerprint: [UInt8]
    public let render: @Sendable (Output) throws -> Rendered

    public init(scope: String, key: String, fingerprint: [UInt8], render: @escaping @Sendable (Output) throws -> Rendered) {
        self.scope = scope
        self.key = key
        self.fingerprint = fingerprint
        self.render = render
    }

    /// The response to record for `output`.
    public func response(for output: Output, at date: Date) throws -> RecordedResponse {
        let rendered = try render(output)
        return RecordedResponse(
            scope: scope, key: key, fingerprint: fingerprint, status: rendered.status, contentType: rendered.contentType,
            body: rendered.body, recordedAt: date)
    }
}

/// Everything the passport service keeps, in one database: passports and their credentials, EPCIS
/// events, operator keys and DID documents, status lists, and the unit of work that writes them.
public protocol PassportStore: PassportRepository, ChangeSetRepository, CredentialRepository, EPCISEventRepository, CaptureJobRepository,
    NamedQueryRepository, KeyRepository, DIDDocumentRepository
{
    /// The status lists in the same database.
    var statusLists: any StatusListRepository { get }
}
