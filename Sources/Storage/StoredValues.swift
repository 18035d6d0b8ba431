import EPCIS
import Encoding
import Foundation
import Identity

/// Conversions between record fields and their stored form, shared by both backends.
enum StoredValues {
    /// A date as integer microseconds since 1970-01-01T00:00:00Z, rounded to the nearest microsecond.
    static func microseconds(_ date: Date, field: String) throws -> Int64 {
        let value = (date.timeIntervalSince1970 * 1_000_000).rounded()
        guard let microseconds = Int64(exactly: value) else {
            throw StorageError.invalidValue("\(field) \(date.timeIntervalSince1970) s since 1970 cannot be stored")
        }
        return microseconds
    }

    static func optionalMicroseconds(_ date: Date?, field: String) throws -> Int64? {
        try date.map { try microseconds($0, field: field) }
    }

    /// Values that contain no whitespace (DIDs, digit strings) stored as one space-separated text.
    static func spaceSeparated(_ values: [String], field: String) throws -> String {
        guard values.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else {
            throw StorageError.invalidValue("\(field) must be non-empty values without whitespace")
        }
        return values.joined(separator: " ")
    }

    static func spaceSeparated(_ text: String) -> [String] {
        text.split(separator: " ").map(String.init)
    }

    static func date(microseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
    }

    static func optionalDate(microseconds: Int64?) -> Date? {
        microseconds.map { date(microseconds: $0) }
    }

    static func algorithm(_ name: String, key id: String) throws -> KeyAlgorithm {
        guard let algorithm = KeyAlgorithm(rawValue: name) else {
            throw StorageError.corrupt("key '\(id)' has the unknown algorithm '\(name)'")
        }
        return algorithm
    }

    static func role(_ name: String, token id: String) throws -> AccessRole {
        guard let role = AccessRole(rawValue: name) else {
            throw StorageError.corrupt("token '\(id)' has the unknown role '\(name)'")
        }
        return role
    }

    /// A capture job or query subscription as stored: JSON with dates as seconds since 1970.
    static func json(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return try encoder.encode(value)
    }

    /// A value stored by ``json(_:)``; `storage_corrupt` naming `what` when it does not decode.
    static func decoded<Value: Decodable>(_ type: Value.Type, from data: Data, what: String) throws -> Value {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw StorageError.corrupt("a stored \(what) cannot be read: \(error)")
        }
    }

    /// A named query's stored `query` object.
    static func namedQueryObject(_ data: Data) throws -> JSONObject {
        guard let object = (try? JSONValue(parsing: Array(data)))?.objectValue else {
            throw StorageError.corrupt("a stored named query is not a JSON object")
        }
        return object
    }

    static func checkLimit(_ limit: Int) throws {
        guard limit >= 0 else { throw StorageError.invalidValue("limit must not be negative, got \(limit)") }
    }
}
