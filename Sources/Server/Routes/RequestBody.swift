import Encoding
import Hummingbird

/// Reads the members of a JSON request body (or of an object inside it), reporting a missing or
/// mistyped member as `400 invalid_request` with its JSON Pointer.
struct RequestBody {
    let object: JSONObject
    /// The JSON Pointer of this object in the request.
    let path: String

    /// The body, which must be a JSON object.
    init(_ value: JSONValue) throws {
        guard let object = value.objectValue else { throw Self.invalid("", "the request body must be a JSON object") }
        self.init(object: object, path: "")
    }

    init(object: JSONObject, path: String) {
        self.object = object
        self.path = path
    }

    static func invalid(_ path: String, _ message: String) -> APIError {
        APIError(.badRequest, code: "invalid_request", path.isEmpty ? message : "\(path) \(message)")
    }

    /// The member `name` as an object; an absent member reads as an empty object.
    func object(_ name: String) throws -> RequestBody {
        switch object[name] {
        case nil: return RequestBody(object: [:], path: path + "/" + name)
        case .object(let inner)?: return RequestBody(object: inner, path: path + "/" + name)
        default: throw Self.invalid(path + "/" + name, "must be an object")
        }
    }

    /// The member `name`, which must be an object.
    func requiredObject(_ name: String) throws -> JSONObject {
        guard let value = object[name] else { throw Self.invalid(path + "/" + name, "is required") }
        guard let inner = value.objectValue else { throw Self.invalid(path + "/" + name, "must be an object") }
        return inner
    }

    func string(_ name: String) throws -> String? {
        guard let value = object[name] else { return nil }
        guard let string = value.stringValue else { throw Self.invalid(path + "/" + name, "must be a string") }
        return string
    }

    func requiredString(_ name: String) throws -> String {
        guard let string = try string(name) else { throw Self.invalid(path + "/" + name, "is required") }
        return string
    }

    func bool(_ name: String) throws -> Bool? {
        guard let value = object[name] else { return nil }
        guard case .bool(let flag) = value else { throw Self.invalid(path + "/" + name, "must be true or false") }
        return flag
    }

    func requiredBool(_ name: String) throws -> Bool {
        guard let value = object[name] else { throw Self.invalid(path + "/" + name, "is required") }
        guard case .bool(let flag) = value else { throw Self.invalid(path + "/" + name, "must be true or false") }
        return flag
    }

    func integer(_ name: String) throws -> Int? {
        guard let value = object[name] else { return nil }
        guard case .number(let number) = value, number.rounded() == number, abs(number) < 1e15 else {
            throw Self.invalid(path + "/" + name, "must be an integer")
        }
        return Int(number)
    }

    /// The member `name` as strings: a string or an array of strings.
    func strings(_ name: String) throws -> [String] {
        switch object[name] {
        case nil: return []
        case .string(let single)?: return [single]
        case .array(let items)? where items.allSatisfy({ $0.stringValue != nil }): return items.compactMap(\.stringValue)
        default: throw Self.invalid(path + "/" + name, "must be a string or an array of strings")
        }
    }

    /// Refuses any member not in `known` as `400 unknown_option`: an option the service does not
    /// implement is never ignored silently.
    func rejectUnknown(_ known: Set<String>) throws {
        if let name = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw APIError(
                .badRequest, code: "unknown_option",
                "\(path)/\(name) is not a supported option (supported: \(known.sorted().joined(separator: ", ")))")
        }
    }
}
