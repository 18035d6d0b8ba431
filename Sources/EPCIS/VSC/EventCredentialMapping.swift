import Credentials
import Encoding
import Foundation

/// An EPCIS event read back out of its credential (REQ-F02).
public struct CarriedEvent: Sendable, Hashable {
    /// The event exactly as it was captured: same members, order and values.
    public var event: JSONObject
    /// The `@context` entries of the EPCIS document it came from (extension prefixes included).
    public var documentContext: [JSONValue]
    /// The event's id: its `eventID`, or its CBV 2.0 event hash when it had none.
    public var eventID: String
    /// The ids of the credentials of the custody steps before this one.
    public var predecessors: [String]
}

/// Maps one EPCIS event to one VSC credential and back. The credential's subject is the event
/// itself, member for member (its `eventID` is the subject's `@id` in the EPCIS context; an event
/// without one gets its event hash as the subject `id`), with the predecessor links
/// (REQ-F04) under `predecessors`; its `@context` is the VC 2.0 context, the EPCIS document's own
/// context entries, then the VSC context. Nothing is normalized, so the round trip is exact.
public enum EventCredentialMapping {
    /// The unsigned credential for `event`.
    /// - Parameters:
    ///   - documentContext: the EPCIS document's `@context` entries (the EPCIS 2.0 context when empty).
    ///   - eventID: the event's `eventID`, or its event hash when it has none.
    ///   - issuer: the capturing actor's DID.
    ///   - id: the credential id (a URI).
    ///   - credentialStatus: the status entry, when the credential can be revoked.
    public static func credential(
        for event: JSONObject, documentContext: [JSONValue], eventID: String, issuer: String, id: String,
        validFrom: Date, predecessors: [String] = [], credentialStatus: JSONValue? = nil
    ) throws(EventCredentialError) -> JSONObject {
        let credentialType = try credentialType(of: event)
        for reserved in ["id", VSCVocabulary.predecessorsTerm] where event.contains(reserved) {
            throw EventCredentialError(
                "epcis_reserved_member", "an EPCIS event has no member '\(reserved)'; extensions are CURIEs",
                path: "/\(reserved)")
        }
        for link in predecessors where !isCredentialID(link) {
            throw EventCredentialError("invalid_predecessor", "predecessor '\(link)' is not a credential id (a URI)")
        }
        // In the EPCIS context `eventID` is the node's `@id`: an event that has one needs no `id`.
        var subject: JSONObject = event.contains("eventID") ? [:] : ["id": .string(eventID)]
        for (key, value) in event { subject[key] = value }
        if !predecessors.isEmpty {
            subject[VSCVocabulary.predecessorsTerm] = .array(predecessors.map { .string($0) })
        }
        var credential: JSONObject = [
            "@context": .array(context(for: documentContext)),
            "id": .string(id),
            "type": ["VerifiableCredential", .string(credentialType)],
            "issuer": .string(issuer),
            "validFrom": .string(XSDDateTime.format(validFrom)),
            "credentialSubject": .object(subject),
        ]
        if let credentialStatus { credential["credentialStatus"] = credentialStatus }
        return credential
    }

    /// The event carried by `credential`, exactly as captured.
    public static func event(from credential: Credential) throws(EventCredentialError) -> CarriedEvent {
        guard let credentialType = credential.types.first(where: { VSCVocabulary.credentialTypes.values.contains($0) })
        else {
            throw EventCredentialError(
                "not_an_event_credential", "the credential has none of the VSC event credential types", path: "/type")
        }
        guard case .object(var subject)? = credential.json["credentialSubject"] else {
            throw EventCredentialError(
                "not_an_event_credential", "an event credential has one credentialSubject object",
                path: "/credentialSubject")
        }
        let added = subject.removeValue(forKey: "id")
        guard let eventID = subject["eventID"]?.stringValue ?? added?.stringValue else {
            throw EventCredentialError(
                "not_an_event_credential", "the subject has neither an eventID nor an id (the event hash)",
                path: "/credentialSubject/id")
        }
        var predecessors: [String] = []
        if let links = subject.removeValue(forKey: VSCVocabulary.predecessorsTerm) {
            guard let values = links.arrayValue?.compactMap(\.stringValue), values.count == links.arrayValue?.count else {
                throw EventCredentialError(
                    "invalid_predecessor", "predecessors must be an array of credential ids",
                    path: "/credentialSubject/\(VSCVocabulary.predecessorsTerm)")
            }
            predecessors = values
        }
        guard try Self.credentialType(of: subject) == credentialType else {
            throw EventCredentialError(
                "event_type_mismatch", "the credential type \(credentialType) does not match the event's type",
                path: "/credentialSubject/type")
        }
        let context = credential.json["@context"]?.arrayValue ?? []
        let documentContext = context.filter {
            $0 != .string(VSCVocabulary.credentialsContextURL) && $0 != .string(VSCVocabulary.contextURL)
        }
        return CarriedEvent(event: subject, documentContext: documentContext, eventID: eventID, predecessors: predecessors)
    }

    /// An EPCIS 2.0 document listing `events` (their contexts merged, first occurrence first).
    public static func document(of events: [CarriedEvent], creationDate: Date) -> JSONObject {
        var context: [JSONValue] = []
        for entry in events.flatMap(\.documentContext) where !context.contains(entry) { context.append(entry) }
        if context.isEmpty { context = [.string(VSCVocabulary.epcisContextURL)] }
        return [
            "@context": .array(context),
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": .string(XSDDateTime.format(creationDate)),
            "epcisBody": .object(["eventList": .array(events.map { .object($0.event) })]),
        ]
    }

    /// The VSC credential type for the event's `type`.
    public static func credentialType(of event: JSONObject) throws(EventCredentialError) -> String {
        guard let type = event["type"]?.stringValue else {
            throw EventCredentialError("epcis_field_missing", "the event has no type", path: "/type")
        }
        guard let credentialType = VSCVocabulary.credentialTypes[type] else {
            throw EventCredentialError(
                "unsupported_event_type", "'\(type)' is not one of the five EPCIS 2.0 event types", path: "/type")
        }
        return credentialType
    }

    private static func context(for documentContext: [JSONValue]) -> [JSONValue] {
        var context: [JSONValue] = [.string(VSCVocabulary.credentialsContextURL)]
        let carried = documentContext.isEmpty ? [.string(VSCVocabulary.epcisContextURL)] : documentContext
        for entry in carried where entry != .string(VSCVocabulary.credentialsContextURL) && entry != .string(VSCVocabulary.contextURL) {
            context.append(entry)
        }
        context.append(.string(VSCVocabulary.contextURL))
        return context
    }

    /// Whether `text` can be a credential id: an absolute URI (RFC 3986 `scheme ":" …`, no spaces
    /// or quotes), and for `urn:uuid:` a well-formed UUID.
    static func isCredentialID(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), text.first?.isLetter == true, text.index(after: colon) != text.endIndex,
            text[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }),
            !text.contains(where: { $0 == " " || $0 == "\"" || $0 == "<" || $0 == ">" || $0.isNewline })
        else { return false }
        if text.lowercased().hasPrefix("urn:uuid:") { return UUID(uuidString: String(text.dropFirst(9))) != nil }
        return true
    }
}
