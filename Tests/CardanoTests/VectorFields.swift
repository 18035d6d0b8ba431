import Testing
import VectorSupport

/// Reading fields of vector JSON objects.
enum VectorFields {
    /// The bytes of the hex string stored under `key`.
    static func hex(_ object: [String: Any], _ key: String) throws -> [UInt8] {
        let text = try #require(object[key] as? String, "vector field \(key) missing")
        return try #require(Vectors.bytes(hex: text), "vector field \(key) is not hex")
    }
}
