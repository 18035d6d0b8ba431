import Encoding
import Foundation

/// One way an EPCIS document or event breaks the EPCIS 2.0 JSON schema, the SHACL shapes or the
/// CBV 2.0 vocabularies, naming the event and the member (a JSON Pointer into the input).
public struct EPCISViolation: CodedError, Sendable, Hashable {
    /// The kinds of violation, each with a stable code.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A required member is absent (or a required list is empty where one entry is needed).
        case fieldMissing = "epcis_field_missing"
        /// A member that this event type, or this object, must not have.
        case fieldForbidden = "epcis_field_forbidden"
        /// A member of the wrong JSON type, format or pattern.
        case invalidValue = "epcis_invalid_value"
        /// A bare word that is not a value of its CBV 2.0 vocabulary.
        case unknownVocabulary = "epcis_unknown_vocabulary"
        /// The input is not an EPCIS document, query document or event at all.
        case invalidDocument = "epcis_invalid_document"
    }

    public let kind: Kind
    /// JSON Pointer (RFC 6901) to the member, e.g. `/epcisBody/eventList/3/action`.
    public let pointer: String
    /// The position of the event in its event list, when the violation is inside one.
    public let eventIndex: Int?
    public let message: String

    public var code: String { kind.rawValue }

    public init(_ kind: Kind, at pointer: String, eventIndex: Int? = nil, _ message: String) {
        self.kind = kind
        self.pointer = pointer
        self.eventIndex = eventIndex
        self.message = message
    }

    public var description: String {
        let event = eventIndex.map { "event \($0), " } ?? ""
        return "\(code) at \(event)\(pointer.isEmpty ? "/" : pointer): \(message)"
    }
}

/// An EPCIS document or event that is not valid: every violation found, in document order. Its code
/// is the first violation's.
public struct EPCISValidationError: CodedError, Sendable, Hashable {
    public let violations: [EPCISViolation]

    public init(_ violations: [EPCISViolation]) {
        precondition(!violations.isEmpty, "a validation error has at least one violation")
        self.violations = violations
    }

    public var code: String { violations[0].code }

    public var message: String {
        let shown = violations.prefix(20).map(\.description).joined(separator: "; ")
        let more = violations.count > 20 ? " (and \(violations.count - 20) more)" : ""
        return "\(violations.count) EPCIS violation\(violations.count == 1 ? "" : "s"): \(shown)\(more)"
    }
}

/// Builds JSON Pointers (RFC 6901) member by member.
enum Pointer {
    /// `base` followed by the member `key` (with `~` and `/` escaped).
    static func member(_ base: String, _ key: String) -> String {
        guard key.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else {
            return base + "/" + key
        }
        return base + "/" + key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// `base` followed by the array position `index`.
    static func element(_ base: String, _ index: Int) -> String { base + "/" + String(index) }
}
