import Encoding

/// A class-level "what": `quantity` of `epcClass` in `uom` (UN/ECE Rec. 20), or a count of
/// instances when there is no unit. No extension members (the schema forbids them).
public struct QuantityElement: Sendable, Hashable {
    public var epcClass: String
    public var quantity: Double?
    public var uom: String?
    var memberOrder = MemberOrder()

    public init(epcClass: String, quantity: Double? = nil, uom: String? = nil) {
        self.epcClass = epcClass
        self.quantity = quantity
        self.uom = uom
    }

    static func read(_ object: JSONObject, _ reader: inout EPCISReader) -> QuantityElement? {
        var epcClass: String?
        var element = QuantityElement(epcClass: "")
        element.memberOrder = MemberOrder(object.keys)
        for (key, value) in object {
            switch key {
            case "epcClass": epcClass = reader.string(value, key)
            case "quantity": element.quantity = reader.number(value, key)
            case "uom": element.uom = reader.string(value, key)
            default: reader.report(.fieldForbidden, key, "a quantity element has only epcClass, quantity and uom")
            }
        }
        guard let epcClass = reader.required(epcClass, "epcClass", of: object, in: "a quantity element") else { return nil }
        element.epcClass = epcClass
        return element
    }

    /// The element as EPCIS JSON.
    public var json: JSONObject {
        memberOrder.arrange(
            [("epcClass", .string(epcClass)), ("quantity", quantity.map(JSONValue.number)), ("uom", uom.map(JSONValue.string))],
            extensions: [:])
    }
}

/// A business transaction the event is part of: its id and, optionally, its CBV type (`po`, `inv`, …).
public struct BizTransaction: Sendable, Hashable {
    public var bizTransaction: String
    public var type: String?
    var memberOrder = MemberOrder()

    public init(_ bizTransaction: String, type: String? = nil) {
        self.bizTransaction = bizTransaction
        self.type = type
    }

    static func read(_ object: JSONObject, _ reader: inout EPCISReader) -> BizTransaction? {
        var id: String?
        var type: String?
        for (key, value) in object {
            switch key {
            case "bizTransaction": id = reader.string(value, key)
            case "type": type = reader.string(value, key)
            default: reader.report(.fieldForbidden, key, "a business transaction has only bizTransaction and type")
            }
        }
        guard let id = reader.required(id, "bizTransaction", of: object, in: "a business transaction") else { return nil }
        var transaction = BizTransaction(id, type: type)
        transaction.memberOrder = MemberOrder(object.keys)
        return transaction
    }

    /// The entry as EPCIS JSON.
    public var json: JSONObject {
        memberOrder.arrange([("type", type.map(JSONValue.string)), ("bizTransaction", .string(bizTransaction))], extensions: [:])
    }
}

/// An entry of `sourceList` or `destinationList`: a party or location and its CBV type
/// (`owning_party`, `possessing_party`, `location`, or a URI).
public struct SourceOrDestination: Sendable, Hashable {
    /// The CBV source/destination type.
    public var type: String
    /// The party or location (the `source` or `destination` member).
    public var id: String
    var memberOrder = MemberOrder()

    public init(type: String, id: String) {
        self.type = type
        self.id = id
    }

    /// Reads a `sourceList` entry (`role` = "source") or a `destinationList` entry ("destination").
    static func read(_ object: JSONObject, role: String, _ reader: inout EPCISReader) -> SourceOrDestination? {
        var type: String?
        var id: String?
        for (key, value) in object {
            switch key {
            case "type": type = reader.string(value, key)
            case role: id = reader.string(value, key)
            default: reader.report(.fieldForbidden, key, "a \(role) entry has only type and \(role)")
            }
        }
        let what = "a \(role) entry"
        let checkedType = reader.required(type, "type", of: object, in: what)
        guard let checkedID = reader.required(id, role, of: object, in: what), let checkedType else { return nil }
        var entry = SourceOrDestination(type: checkedType, id: checkedID)
        entry.memberOrder = MemberOrder(object.keys)
        return entry
    }

    /// The entry as EPCIS JSON, with the party under `role` ("source" or "destination").
    public func json(role: String) -> JSONObject {
        memberOrder.arrange([("type", .string(type)), (role, .string(id))], extensions: [:])
    }
}

/// `readPoint` or `bizLocation`: a location id (SGLN URN or GS1 Digital Link) and any extensions.
public struct EPCISLocation: Sendable, Hashable {
    public var id: String
    /// Extension members, in arrival order.
    public var extensions: JSONObject = [:]
    var memberOrder = MemberOrder()

    public init(id: String) { self.id = id }

    static func read(_ object: JSONObject, _ reader: inout EPCISReader) -> EPCISLocation? {
        var id: String?
        var extensions = JSONObject()
        for (key, value) in object {
            if key == "id" { id = reader.string(value, key) } else { extensions[key] = value }
        }
        guard let id = reader.required(id, "id", of: object, in: "a location") else { return nil }
        var location = EPCISLocation(id: id)
        location.extensions = extensions
        location.memberOrder = MemberOrder(object.keys)
        return location
    }

    /// The location as EPCIS JSON.
    public var json: JSONObject { memberOrder.arrange([("id", .string(id))], extensions: extensions) }
}

/// Dispositions that persist beyond this event: those it sets and those it clears.
public struct PersistentDisposition: Sendable, Hashable {
    public var set: [String]?
    public var unset: [String]?
    var memberOrder = MemberOrder()

    public init(set: [String]? = nil, unset: [String]? = nil) {
        self.set = set
        self.unset = unset
    }

    static func read(_ object: JSONObject, _ reader: inout EPCISReader) -> PersistentDisposition? {
        var disposition = PersistentDisposition()
        disposition.memberOrder = MemberOrder(object.keys)
        for (key, value) in object {
            switch key {
            case "set": disposition.set = reader.strings(value, key)
            case "unset": disposition.unset = reader.strings(value, key)
            default: reader.report(.fieldForbidden, key, "persistentDisposition has only set and unset")
            }
        }
        if object.isEmpty { reader.report(.fieldMissing, "set", "persistentDisposition needs set or unset") }
        return disposition
    }

    /// The value as EPCIS JSON.
    public var json: JSONObject {
        memberOrder.arrange(
            [("set", set.map { .array($0.map(JSONValue.string)) }), ("unset", unset.map { .array($0.map(JSONValue.string)) })],
            extensions: [:])
    }
}

/// `certificationInfo`: one URI or a list of them, kept in the form it arrived in.
public enum CertificationInfo: Sendable, Hashable {
    case single(String)
    case list([String])

    /// The URIs, in order.
    public var uris: [String] {
        switch self {
        case .single(let uri): [uri]
        case .list(let uris): uris
        }
    }

    static func read(_ value: JSONValue, _ reader: inout EPCISReader) -> CertificationInfo? {
        if case .string(let uri) = value { return .single(uri) }
        return reader.strings(value, "certificationInfo").map(CertificationInfo.list)
    }

    /// The value as EPCIS JSON, in the form it arrived in.
    public var json: JSONValue {
        switch self {
        case .single(let uri): .string(uri)
        case .list(let uris): .array(uris.map(JSONValue.string))
        }
    }
}

/// Declares that an earlier-captured event was in error (EPCIS 2.0 §7.4.1.2), with its corrections.
public struct ErrorDeclaration: Sendable, Hashable {
    public var declarationTime: String
    /// `did_not_occur`, `incorrect_data` or a URI.
    public var reason: String?
    public var correctiveEventIDs: [String]?
    /// Extension members, in arrival order.
    public var extensions: JSONObject = [:]
    var memberOrder = MemberOrder()

    public init(declarationTime: String, reason: String? = nil, correctiveEventIDs: [String]? = nil) {
        self.declarationTime = declarationTime
        self.reason = reason
        self.correctiveEventIDs = correctiveEventIDs
    }

    static func read(_ object: JSONObject, _ reader: inout EPCISReader) -> ErrorDeclaration? {
        var time: String?
        var declaration = ErrorDeclaration(declarationTime: "")
        declaration.memberOrder = MemberOrder(object.keys)
        for (key, value) in object {
            switch key {
            case "declarationTime": time = reader.string(value, key)
            case "reason": declaration.reason = reader.string(value, key)
            case "correctiveEventIDs": declaration.correctiveEventIDs = reader.strings(value, key)
            default: declaration.extensions[key] = value
            }
        }
        guard let time = reader.required(time, "declarationTime", of: object, in: "errorDeclaration") else { return nil }
        declaration.declarationTime = time
        return declaration
    }

    /// The declaration as EPCIS JSON.
    public var json: JSONObject {
        memberOrder.arrange(
            [
                ("declarationTime", .string(declarationTime)), ("reason", reason.map(JSONValue.string)),
                ("correctiveEventIDs", correctiveEventIDs.map { .array($0.map(JSONValue.string)) }),
            ], extensions: extensions)
    }
}
