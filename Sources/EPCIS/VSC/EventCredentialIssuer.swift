import Credentials
import Encoding
import Foundation

/// One captured event: its signed credential and what indexes it.
public struct IssuedEvent: Sendable {
    public var credential: Credential
    public var record: EventRecord
}

/// Issues the VSC credentials of an EPCIS document (REQ-F01): every event validated first (one bad
/// event refuses the whole document), each event's id taken from `eventID` or else its CBV 2.0 event
/// hash, and each credential linked (REQ-F04) to the latest earlier credential about each item it
/// mentions: among the document's earlier events first, then among those already captured.
public struct EventCredentialIssuer: Sendable {
    public let issuer: CredentialIssuer
    private let now: @Sendable () -> Date

    public init(issuer: CredentialIssuer, now: @escaping @Sendable () -> Date = Date.init) {
        self.issuer = issuer
        self.now = now
    }

    /// The events of an EPCIS document or query document (or of one bare event with its own
    /// `@context`), validated, with the document's `@context` entries.
    public static func events(of document: JSONValue) throws(EPCISValidationError) -> (events: [JSONObject], context: [JSONValue]) {
        if document["type"]?.stringValue == "EPCISQueryDocument" {
            let query = try EPCISQueryDocument(validating: document)
            return (query.eventList.map(\.json), contextEntries(query.context))
        }
        if let type = document["type"]?.stringValue, VSCVocabulary.credentialTypes[type] != nil {
            let event = try EPCISEvent(validating: document)
            return ([event.json], contextEntries(event.context ?? .string(VSCVocabulary.epcisContextURL)))
        }
        let parsed = try EPCISDocument(validating: document)
        return (parsed.eventList.map(\.json), contextEntries(parsed.context))
    }

    /// The identifier an item is matched by: a GS1 key in canonical Digital Link form (so its EPC
    /// URN and any Digital Link spelling meet), any other identifier as it is.
    public static func canonicalIdentifier(_ text: String) -> String {
        guard let identifier = try? GS1Identifier(parsing: text) else { return text }
        return GS1DigitalLink(identifier: identifier.constrained).uri
    }

    /// Every item the events mention, canonical, for looking up their latest credentials.
    public static func identifiers(of events: [JSONObject]) -> [String] {
        Array(Set(events.flatMap { EventIdentifier.all(in: $0).map { canonicalIdentifier($0.value) } }))
    }

    /// Signs one credential per event, in document order.
    /// - Parameters:
    ///   - known: for items already captured, the id of the latest credential about each.
    ///   - statuses: one `credentialStatus` value per event, when the credentials can be revoked.
    public func issue(
        _ events: [JSONObject], context: [JSONValue], known: [String: String] = [:], statuses: [JSONValue]? = nil
    ) async throws -> [IssuedEvent] {
        precondition(statuses == nil || statuses?.count == events.count, "one status per event")
        var latest = known
        var issued: [IssuedEvent] = []
        issued.reserveCapacity(events.count)
        let validFrom = now()
        let hashContext = EventHashContext(documentContext: .array(context))
        for (index, event) in events.enumerated() {
            let eventID = try event["eventID"]?.stringValue ?? EventHash.id(of: event, context: hashContext)
            let identifiers = EventIdentifier.all(in: event).map {
                EventIdentifier(Self.canonicalIdentifier($0.value), $0.role)
            }
            var predecessors: [String] = []
            for identifier in identifiers where identifier.role != .output {
                if let link = latest[identifier.value], !predecessors.contains(link) { predecessors.append(link) }
            }
            let id = "urn:uuid:\(UUID().uuidString.lowercased())"
            let document = try EventCredentialMapping.credential(
                for: event, documentContext: context, eventID: eventID, issuer: issuer.did, id: id, validFrom: validFrom,
                predecessors: predecessors, credentialStatus: statuses?[index])
            let credential = try await issuer.issue(document)
            for identifier in identifiers { latest[identifier.value] = id }
            let record = EventRecord(
                credentialID: id, eventID: eventID, eventType: event["type"]?.stringValue ?? "",
                bizStep: event["bizStep"]?.stringValue, eventTime: try Self.eventTime(event, index: index),
                identifiers: identifiers, predecessors: predecessors)
            issued.append(IssuedEvent(credential: credential, record: record))
        }
        return issued
    }

    private static func contextEntries(_ context: JSONValue) -> [JSONValue] {
        context.arrayValue ?? [context]
    }

    private static func eventTime(_ event: JSONObject, index: Int) throws(EPCISValidationError) -> Date {
        guard let text = event["eventTime"]?.stringValue, let date = XSDDateTime.parse(text) else {
            throw EPCISValidationError([
                EPCISViolation(.invalidValue, at: "/eventTime", eventIndex: index, "eventTime is not a date-time with an offset")
            ])
        }
        return date
    }
}
