import Encoding

/// Walks EPCIS JSON and collects violations with their JSON Pointers instead of stopping at the
/// first: the model reads with it (members of the wrong JSON type, required members missing) and
/// the validator reports with it. The pointer is only built when something is reported, so reading
/// valid input stays cheap.
struct EPCISReader {
    private enum Step {
        case key(String)
        case index(Int)
    }

    private(set) var violations: [EPCISViolation] = []
    /// The event being read, named in each violation.
    var eventIndex: Int?
    private let base: String
    private var steps: [Step] = []

    /// A reader whose pointers start at `base` (e.g. `/epcisBody/eventList/2`).
    init(base: String = "", eventIndex: Int? = nil) {
        self.base = base
        self.eventIndex = eventIndex
        steps.reserveCapacity(8)
    }

    /// The pointer of the value being read, or of its member `key`.
    func pointer(_ key: String? = nil) -> String {
        var text = base
        for step in steps {
            switch step {
            case .key(let key): text = Pointer.member(text, key)
            case .index(let index): text = Pointer.element(text, index)
            }
        }
        return key.map { Pointer.member(text, $0) } ?? text
    }

    /// Records a violation at the current value, or at its member `key`.
    mutating func report(_ kind: EPCISViolation.Kind, _ key: String? = nil, _ message: String) {
        violations.append(EPCISViolation(kind, at: pointer(key), eventIndex: eventIndex, message))
    }

    /// Runs `body` with the pointer moved into member `key`.
    mutating func member<T>(_ key: String, _ body: (inout EPCISReader) -> T) -> T {
        steps.append(.key(key))
        defer { steps.removeLast() }
        return body(&self)
    }

    /// Runs `body` with the pointer moved to element `index`.
    mutating func element<T>(_ index: Int, _ body: (inout EPCISReader) -> T) -> T {
        steps.append(.index(index))
        defer { steps.removeLast() }
        return body(&self)
    }

    /// Runs `body`, and gives back its value only when it reported nothing.
    mutating func clean<T>(_ body: (inout EPCISReader) -> T?) -> T? {
        let before = violations.count
        let value = body(&self)
        return violations.count == before ? value : nil
    }

    // MARK: Members of one JSON type

    /// The member `type` of a document, which must be `expected`.
    mutating func documentType(_ value: JSONValue, expected: String) {
        if let type = string(value, "type"), type != expected {
            report(.invalidDocument, "type", "expected an \(expected), not '\(type)'")
        }
    }

    mutating func string(_ value: JSONValue, _ key: String) -> String? {
        if case .string(let string) = value { return string }
        report(.invalidValue, key, "'\(key)' must be a string")
        return nil
    }

    mutating func number(_ value: JSONValue, _ key: String) -> Double? {
        if case .number(let number) = value { return number }
        report(.invalidValue, key, "'\(key)' must be a number")
        return nil
    }

    mutating func bool(_ value: JSONValue, _ key: String) -> Bool? {
        if case .bool(let bool) = value { return bool }
        report(.invalidValue, key, "'\(key)' must be true or false")
        return nil
    }

    /// An array of strings.
    mutating func strings(_ value: JSONValue, _ key: String) -> [String]? {
        guard case .array(let elements) = value else {
            report(.invalidValue, key, "'\(key)' must be an array of strings")
            return nil
        }
        var strings: [String] = []
        strings.reserveCapacity(elements.count)
        var valid = true
        for (index, element) in elements.enumerated() {
            if case .string(let string) = element {
                strings.append(string)
            } else {
                valid = false
                member(key) { $0.report(.invalidValue, String(index), "each entry of '\(key)' must be a string") }
            }
        }
        return valid ? strings : nil
    }

    /// A JSON object read by `read`.
    @discardableResult
    mutating func object<T>(_ value: JSONValue, _ key: String, _ read: (JSONObject, inout EPCISReader) -> T?) -> T? {
        guard case .object(let object) = value else {
            report(.invalidValue, key, "'\(key)' must be an object")
            return nil
        }
        return member(key) { reader in reader.clean { read(object, &$0) } }
    }

    /// An array of JSON objects, each read by `read`.
    mutating func objects<T>(_ value: JSONValue, _ key: String, _ read: (JSONObject, inout EPCISReader) -> T?) -> [T]? {
        guard case .array(let elements) = value else {
            report(.invalidValue, key, "'\(key)' must be an array of objects")
            return nil
        }
        return member(key) { reader in
            var items: [T] = []
            items.reserveCapacity(elements.count)
            var valid = true
            for (index, element) in elements.enumerated() {
                guard case .object(let object) = element else {
                    reader.report(.invalidValue, String(index), "each entry of '\(key)' must be an object")
                    valid = false
                    continue
                }
                if let item = reader.element(index, { reader in reader.clean { read(object, &$0) } }) {
                    items.append(item)
                } else {
                    valid = false
                }
            }
            return valid ? items : nil
        }
    }

    /// `value`, reporting `key` as missing when `object` has no such member (a member of the wrong
    /// type was reported when it was read).
    mutating func required<T>(_ value: T?, _ key: String, of object: JSONObject, in what: String) -> T? {
        if value == nil, !object.contains(key) { report(.fieldMissing, key, "\(what) requires '\(key)'") }
        return value
    }
}
