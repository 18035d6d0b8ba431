/// The members of a JSON object: unique keys, kept in the order they arrived (for display), with
/// fast lookup by key.
///
/// Equality ignores member order: two objects are equal when they have the same keys with equal
/// values, which is what JSON means and what a signer and a verifier compare. Iteration, `keys`
/// and serialization follow arrival order; `JCS` sorts.
///
/// Keys are told apart by their Unicode code points (UTF-8 bytes), not by Swift's canonical
/// equivalence: JSON and JCS treat `"\u00e9"` and `"e\u0301"` as different names.
public struct JSONObject: Sendable {
    private var storedKeys: [String] = []
    private var storedValues: [JSONValue] = []
    /// Key → position, kept once the object is large enough that scanning the keys costs more.
    private var positions: [ExactKey: Int]?

    /// Objects up to this size are searched by scanning their keys.
    private static let scanLimit = 12

    /// An empty object.
    public init() {}

    /// An object with these members in this order; a repeated key is a `json_duplicate_key` error.
    public init(_ members: some Sequence<(String, JSONValue)>) throws(JSONError) {
        for (key, value) in members {
            guard position(of: key) == nil else {
                throw JSONError(
                    .duplicateKey, "duplicate member name \"\(key.excerptForMessage)\"",
                    path: JSONPointer.path([.key(key)]))
            }
            appendNew(key, value)
        }
    }

    /// The member names in arrival order.
    public var keys: [String] { storedKeys }

    /// The member values in arrival order.
    public var values: [JSONValue] { storedValues }

    /// Whether a member with this name exists.
    public func contains(_ key: String) -> Bool { position(of: key) != nil }

    /// The value of the member named `key`. Setting a new key appends it at the end; setting an
    /// existing key replaces its value in place; setting `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { storedValues[$0] } }
        set {
            if let newValue {
                if let position = position(of: key) {
                    storedValues[position] = newValue
                } else {
                    appendNew(key, newValue)
                }
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Removes the member named `key` and returns its value, or nil when there is none.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let position = position(of: key) else { return nil }
        storedKeys.remove(at: position)
        let value = storedValues.remove(at: position)
        rebuildPositions()
        return value
    }

    /// Appends a member whose key the caller knows to be absent.
    mutating func appendNew(_ key: String, _ value: JSONValue) {
        storedKeys.append(key)
        storedValues.append(value)
        if positions != nil {
            positions?[ExactKey(key)] = storedKeys.count - 1
        } else if storedKeys.count > Self.scanLimit {
            rebuildPositions()
        }
    }

    /// Reserves room for `count` members.
    mutating func reserveCapacity(_ count: Int) {
        storedKeys.reserveCapacity(count)
        storedValues.reserveCapacity(count)
    }

    private func position(of key: String) -> Int? {
        if let positions { return positions[ExactKey(key)] }
        return storedKeys.firstIndex { $0.hasSameScalars(as: key) }
    }

    private mutating func rebuildPositions() {
        guard storedKeys.count > Self.scanLimit else {
            positions = nil
            return
        }
        var rebuilt = [ExactKey: Int](minimumCapacity: storedKeys.count)
        for (position, key) in storedKeys.enumerated() { rebuilt[ExactKey(key)] = position }
        positions = rebuilt
    }
}

extension JSONObject: RandomAccessCollection {
    public typealias Element = (key: String, value: JSONValue)

    public var startIndex: Int { 0 }
    public var endIndex: Int { storedKeys.count }

    /// The member at `position` in arrival order.
    public subscript(position: Int) -> Element { (storedKeys[position], storedValues[position]) }
}

extension JSONObject: Hashable {
    /// Same keys with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs {
            guard let other = rhs[key], other == value else { return false }
        }
        return true
    }

    /// Order-independent, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for (key, value) in self {
            var member = Hasher()
            key.hashScalars(into: &member)
            member.combine(value)
            combined = combined &+ member.finalize()
        }
        hasher.combine(count)
        hasher.combine(combined)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// An object literal; like `Dictionary`, a repeated key in a literal is a programming error.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements {
            precondition(position(of: key) == nil, "duplicate key \"\(key)\" in JSON object literal")
            appendNew(key, value)
        }
    }
}

extension JSONObject: CustomStringConvertible {
    /// The compact JSON text of the object, members in arrival order.
    public var description: String { JSONValue.object(self).serializedString() }
}

/// A string compared and hashed by its code points rather than by canonical equivalence.
private struct ExactKey: Hashable {
    let string: String

    init(_ string: String) { self.string = string }

    static func == (lhs: ExactKey, rhs: ExactKey) -> Bool { lhs.string.hasSameScalars(as: rhs.string) }

    func hash(into hasher: inout Hasher) { string.hashScalars(into: &hasher) }
}

extension String {
    /// Whether both strings have the same code points (the same UTF-8 bytes); unlike `==`,
    /// `"\u{e9}"` and `"e\u{301}"` differ. JSON names and RDF terms compare this way.
    public func hasSameScalars(as other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        var (left, right) = (self, other)
        return left.withUTF8 { a in
            right.withUTF8 { b in a.elementsEqual(b) }
        }
    }

    /// Feeds the UTF-8 bytes to `hasher`, consistently with `hasSameScalars(as:)`.
    public func hashScalars(into hasher: inout Hasher) {
        var copy = self
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(utf8.count)
    }
}
