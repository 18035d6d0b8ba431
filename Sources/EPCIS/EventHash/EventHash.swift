import Crypto
import Encoding

/// The EPCIS Event Hash ID (CBV 2.0 section 8.9): a syntax-independent fingerprint of an event,
/// `ni:///sha-256;<hex>?ver=CBV2.0`, computed as the GS1 reference generator
/// (RalphTro/epcis-event-hash-generator) does, so two parties get the same id for the same event.
///
/// The pre-hash string lists the event's fields in the canonical order, `name=value` for leaves and
/// the bare name for containers, with no separators: times in UTC with milliseconds, numbers without
/// redundant digits, CBV values as Web URIs, GS1 identifiers as constrained canonical Digital Links,
/// lists sorted, ILMD and user extensions as `{namespace}name=value` (sorted) at the end of their
/// parent. `eventID`, `recordTime`, `errorDeclaration` and comments are not hashed.
public enum EventHash {
    /// The pre-hash string of one event.
    public static func preHashString(of event: JSONObject, context: EventHashContext = .init()) throws(EventHashError) -> String {
        let root = try HashTreeBuilder(context: context, event: event).tree(of: event)
        var text = "eventType=" + root.name
        text += ordered(&root.children, order: PropertyOrder.event)
        root.children.removeAll { ["recordTime", "eventID", "type", "errorDeclaration"].contains($0.name) && !$0.isPair }
        text += generic(root.children)
        return text
    }

    /// The Event Hash ID of one event.
    public static func id(of event: JSONObject, context: EventHashContext = .init()) throws(EventHashError) -> String {
        id(preHashString: try preHashString(of: event, context: context))
    }

    /// The Event Hash ID of a pre-hash string.
    public static func id(preHashString: String) -> String {
        let digest = SHA256.hash(data: Array(preHashString.utf8))
        return "ni:///sha-256;" + Hex.encode(Array(digest)) + "?ver=CBV2.0"
    }

    /// The Event Hash IDs of every event of an EPCIS document or query document, in document order,
    /// with the namespaces its `@context` declares and its ignored fields.
    public static func ids(ofDocument document: JSONObject) throws(EventHashError) -> [String] {
        let context = EventHashContext(document: document)
        return try events(of: document).map { (event) throws(EventHashError) in try id(of: event, context: context) }
    }

    /// The events of an `EPCISDocument` (`epcisBody.eventList` or `.event`) or `EPCISQueryDocument`
    /// (`epcisBody.queryResults.resultsBody.eventList`).
    public static func events(of document: JSONObject) throws(EventHashError) -> [JSONObject] {
        let body = document["epcisBody"]
        let list = body?["eventList"] ?? body?["queryResults"]?["resultsBody"]?["eventList"]
        if let list {
            guard let elements = list.arrayValue else {
                throw EventHashError(EventHashError.noEvents, "eventList is not an array")
            }
            var events: [JSONObject] = []
            for (index, element) in elements.enumerated() {
                guard let event = element.objectValue else {
                    throw EventHashError(EventHashError.invalidEvent, "eventList[\(index)] is not an object")
                }
                events.append(event)
            }
            return events
        }
        if let event = body?["event"]?.objectValue { return [event] }
        throw EventHashError(EventHashError.noEvents, "the document has no epcisBody event list")
    }

    // MARK: Pre-hash string

    /// Walks the children in the given property order; every child it fully consumes is removed, so
    /// what is left afterwards is hashed generically. User extensions of nested elements (readPoint,
    /// sensorMetadata…) go at the end of that element.
    private static func ordered(_ children: inout [HashNode], order: [PropertyOrder]) -> String {
        let extensions = takeUserExtensions(&children)
        var text = ""
        for property in order {
            var values: [String] = []
            for child in children where !child.isPair && child.name == property.name {
                let value = element(child, order: property.children)
                if !value.isEmpty { values.append(value) }
                if child.children.isEmpty { children.removeAll { $0 === child } }
            }
            values.sort(by: codePointOrder)
            text += values.joined()
        }
        if !extensions.isEmpty { text += generic(extensions) }
        return text
    }

    /// One element the order names: `name=value` (date-times in UTC, other values canonized), then
    /// its children in their own order; empty if it has neither.
    private static func element(_ node: HashNode, order: [PropertyOrder]?) -> String {
        var nested = ""
        if let order { nested = ordered(&node.children, order: order) }
        var value = ""
        if !node.text.isEmpty {
            let trimmed = EventHashValues.trim(node.text)
            value = isTimeName(node.name)
                ? EventHashValues.utcMilliseconds(trimmed) : EventHashValues.canonize(trimmed)
            if !value.isEmpty { value = "=" + value }
        }
        return value.isEmpty && nested.isEmpty ? "" : node.name + value + nested
    }

    /// Elements the property order does not name: `name=value` plus their children, sorted (except
    /// inside a typed-list entry, which keeps type and value in the order they were written).
    private static func generic(_ nodes: [HashNode]) -> String {
        var values: [String] = []
        for node in nodes {
            if node.isPair {
                values.append(generic(node.children))
                continue
            }
            var value = EventHashValues.trim(node.text)
            if !value.isEmpty { value = "=" + EventHashValues.canonize(value) }
            values.append(node.name + value + generic(node.children))
        }
        let keepOrder = nodes.contains { !$0.isPair && ["bizTransaction", "source", "destination"].contains($0.name) }
        if values.count > 1, !keepOrder { values.sort(by: codePointOrder) }
        return values.joined()
    }

    /// Removes and returns the namespaced user extensions among an element's children (not at event
    /// level, where they are hashed with the other unordered fields).
    private static func takeUserExtensions(_ children: inout [HashNode]) -> [HashNode] {
        guard children.count > 1 else { return [] }
        let names = children.lazy.filter { !$0.isPair }.map(\.name)
        if names.contains(where: { EventHashValues.contains($0, "eventTime") || EventHashValues.contains($0, "action") }) {
            return []
        }
        let extensions = children.filter {
            !$0.isPair && $0.name.utf8.contains(UInt8(ascii: "{")) && EventHashValues.contains($0.name, "/}")
        }
        children.removeAll { node in extensions.contains { $0 === node } }
        return extensions
    }

    /// Names whose values are date-times: containing "time" in any case, but not "offset".
    private static func isTimeName(_ name: String) -> Bool {
        EventHashValues.contains(name, "time", ignoringASCIICase: true)
            && !EventHashValues.contains(name, "offset", ignoringASCIICase: true)
    }

    /// Python's default string order: by Unicode code point (the same as UTF-8 byte order).
    private static func codePointOrder(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
}
