import Encoding
import Foundation
import Identity
import Testing
import VectorSupport

/// Expects `body` to throw an `IdentityError` of `kind`.
func expectIdentityError<T>(
    _ kind: IdentityError.Kind, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> T
) {
    do {
        let value = try body()
        Issue.record("expected \(kind.rawValue), got \(value)", sourceLocation: sourceLocation)
    } catch let error as IdentityError {
        #expect(error.kind == kind, comment ?? "\(error)", sourceLocation: sourceLocation)
        #expect(error.code == kind.rawValue, sourceLocation: sourceLocation)
        #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected IdentityError \(kind.rawValue), got \(error)", sourceLocation: sourceLocation)
    }
}

/// Expects `body` to throw an `IdentityError` of `kind` (async).
func expectIdentityError<T>(
    _ kind: IdentityError.Kind, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async {
    do {
        let value = try await body()
        Issue.record("expected \(kind.rawValue), got \(value)", sourceLocation: sourceLocation)
    } catch let error as IdentityError {
        #expect(error.kind == kind, comment ?? "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected IdentityError \(kind.rawValue), got \(error)", sourceLocation: sourceLocation)
    }
}

/// Reading vector files parsed by Foundation (independent of our JSON parser).
enum VectorJSON {
    static func object(_ path: String) throws -> [String: Any] {
        try #require(try Vectors.json(path) as? [String: Any], "\(path) is not a JSON object")
    }

    /// The trimmed text of a vector file.
    static func text(_ path: String) throws -> String {
        String(decoding: try Vectors.data(path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The bytes of a hex vector file.
    static func hexBytes(_ path: String) throws -> [UInt8] {
        try #require(Vectors.bytes(hex: try text(path)), "\(path) is not hex")
    }
}

/// Our JSON output re-read by Foundation, for comparison with vectors read the same way.
func foundationJSON(_ bytes: [UInt8]) throws -> NSDictionary {
    try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
}

/// `z` + base58btc(varint(code) ‖ payload): a Multikey / did:key value, for building inputs.
func multikey(code: UInt64, _ payload: [UInt8]) -> String {
    Multibase.encode(Multicodec.prefix(code, to: payload), as: .base58btc)
}
