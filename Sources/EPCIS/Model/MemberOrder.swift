import Encoding

/// The order in which an object's members arrived, so serializing a parsed value gives back the same
/// JSON member for member. Order is presentation, not content: like `JSONObject`, two values that
/// differ only in member order are equal.
struct MemberOrder: Sendable, Hashable {
    /// Member names in arrival order; empty for values built in code.
    var keys: [String]

    init(_ keys: [String] = []) { self.keys = keys }

    static func == (lhs: MemberOrder, rhs: MemberOrder) -> Bool { true }
    func hash(into hasher: inout Hasher) {}

    /// An object of the standard members that are set (given in canonical order) and the extension
    /// members: members that arrived come first in their arrival order, then new standard members in
    /// canonical order, then new extensions. An extension named like a standard member is ignored.
    func arrange(_ standard: [(String, JSONValue?)], extensions: JSONObject) -> JSONObject {
        var pending: [String: JSONValue] = [:]
        pending.reserveCapacity(standard.count)
        for (key, value) in standard {
            if let value { pending[key] = value }
        }
        let standardNames = Set(standard.map(\.0))
        var object = JSONObject()
        for key in keys {
            if let value = pending.removeValue(forKey: key) {
                object[key] = value
            } else if !standardNames.contains(key), let value = extensions[key] {
                object[key] = value
            }
        }
        for (key, value) in standard where value != nil && pending[key] != nil {
            object[key] = value
        }
        for (key, value) in extensions where !standardNames.contains(key) && !object.contains(key) {
            object[key] = value
        }
        return object
    }
}
