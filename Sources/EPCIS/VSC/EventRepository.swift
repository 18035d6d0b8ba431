import Credentials
import Foundation

/// The part an identifier plays in an event, for traceability: `what` (epcList, quantityList),
/// `parent` and `child` (aggregation, association, transaction parent), `input` and `output`
/// (transformation).
public enum IdentifierRole: String, Sendable, CaseIterable, Codable {
    case what, parent, child, input, output
}

/// One identifier an event mentions, in the canonical form used for matching.
public struct EventIdentifier: Sendable, Hashable, Codable {
    public var value: String
    public var role: IdentifierRole

    public init(_ value: String, _ role: IdentifierRole) {
        self.value = value
        self.role = role
    }
}

/// What is kept to find a captured event, besides its signed credential.
public struct EventRecord: Sendable, Hashable {
    public var credentialID: String
    /// The event's `eventID`, or its event hash.
    public var eventID: String
    public var eventType: String
    public var bizStep: String?
    public var eventTime: Date
    public var identifiers: [EventIdentifier]
    /// Ids of the predecessor credentials (REQ-F04).
    public var predecessors: [String]

    public init(
        credentialID: String, eventID: String, eventType: String, bizStep: String?, eventTime: Date,
        identifiers: [EventIdentifier], predecessors: [String]
    ) {
        self.credentialID = credentialID
        self.eventID = eventID
        self.eventType = eventType
        self.bizStep = bizStep
        self.eventTime = eventTime
        self.identifiers = identifiers
        self.predecessors = predecessors
    }
}

/// A subset of the EPCIS query interface: events mentioning an identifier in any role, of a
/// business step and event type, oldest first.
public struct EventQuery: Sendable, Hashable {
    public var identifier: String?
    public var bizStep: String?
    public var eventType: String?
    public var limit: Int

    public init(identifier: String? = nil, bizStep: String? = nil, eventType: String? = nil, limit: Int = 1_000) {
        self.identifier = identifier
        self.bizStep = bizStep
        self.eventType = eventType
        self.limit = limit
    }
}

/// Which way traceability follows the flow of goods: upstream to what an item was made of or
/// held (provenance), downstream to what was made of it or holds it (recall reach).
public enum TraceDirection: String, Sendable, CaseIterable {
    case upstream, downstream
}

/// Stores captured events: each event's credential and its record, written together.
///
/// `saveEvents` writes every credential and record of one capture in one transaction: all or
/// nothing. Queries return records without their `identifiers` and `predecessors` unless stated.
public protocol EPCISEventRepository: Sendable {
    func saveEvents(_ events: [(record: EventRecord, credential: StoredCredential)]) async throws
    /// Records matching the query, oldest event first (then by credential id).
    func eventRecords(_ query: EventQuery) async throws -> [EventRecord]
    /// For each identifier, the credential of the latest captured event mentioning it (by event
    /// time, then capture order); identifiers never mentioned are absent.
    func latestCredentials(mentioning identifiers: [String]) async throws -> [String: String]
    /// The identifiers one step away from `identifier` in `direction`: downstream, the outputs of
    /// transformations it was an input of and the parents it was a child of; upstream, the reverse.
    func linkedIdentifiers(of identifier: String, direction: TraceDirection) async throws -> [String]
    /// Captured events signed by one of `scan.issuers`, in the scan's order, after its position.
    func scanEvents(_ scan: EventScan) async throws -> [ScannedEvent]
}

/// The order a scan of captured events follows: by event time (then capture order), or by capture
/// order alone, which is the order of record times.
public enum EventScanOrder: String, Sendable, Hashable, Codable {
    case eventTime, recordTime
}

/// Where a scan of captured events stands: the event time (microseconds since the Unix epoch) and
/// capture sequence of the last event it went past.
public struct EventPosition: Sendable, Hashable, Codable {
    public var eventTime: Int64
    public var sequence: Int64

    public init(eventTime: Int64, sequence: Int64) {
        self.eventTime = eventTime
        self.sequence = sequence
    }
}

/// A walk over the captured events of some issuers, narrowed by what the index keeps (an
/// identifier in any role, a business step, an event type); the EPCIS query language's other
/// filters are applied to the events the walk returns.
public struct EventScan: Sendable, Hashable {
    /// The DIDs whose events may be returned (none: no event is).
    public var issuers: [String]
    public var identifier: String?
    public var bizStep: String?
    public var eventType: String?
    public var order: EventScanOrder
    public var descending: Bool
    /// Only events after this position in the scan's order.
    public var after: EventPosition?
    public var limit: Int

    public init(
        issuers: [String], identifier: String? = nil, bizStep: String? = nil, eventType: String? = nil, order: EventScanOrder = .eventTime,
        descending: Bool = false, after: EventPosition? = nil, limit: Int
    ) {
        self.issuers = issuers
        self.identifier = identifier
        self.bizStep = bizStep
        self.eventType = eventType
        self.order = order
        self.descending = descending
        self.after = after
        self.limit = limit
    }
}

/// One event a scan found: its position, its credential and when it was captured (its record time).
public struct ScannedEvent: Sendable {
    public var position: EventPosition
    public var credentialID: String
    public var recordTime: Date
    /// The event credential, serialized as stored.
    public var document: [UInt8]

    public init(position: EventPosition, credentialID: String, recordTime: Date, document: [UInt8]) {
        self.position = position
        self.credentialID = credentialID
        self.recordTime = recordTime
        self.document = document
    }
}
