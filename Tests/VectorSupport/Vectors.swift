import Foundation
import Testing

/// Where the published test vectors live: `$VOLTPASS_VECTORS`, else `../shared/vectors` beside the
/// package. When the folder is absent, vector tests are skipped with a note, except under `CI=true`,
/// where they run and fail on the missing folder.
public enum Vectors {
    /// The vectors folder if it exists.
    public static let root: URL? = {
        let environment = ProcessInfo.processInfo.environment
        let candidate: URL
        if let override = environment["VOLTPASS_VECTORS"], !override.isEmpty {
            candidate = URL(fileURLWithPath: override, isDirectory: true)
        } else {
            candidate = URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent()  // VectorSupport
                .deletingLastPathComponent()  // Tests
                .deletingLastPathComponent()  // package root
                .deletingLastPathComponent()
                .appendingPathComponent("shared/vectors", isDirectory: true)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory),
            isDirectory.boolValue
        else { return nil }
        return candidate
    }()

    /// True under CI, where missing vectors are a failure rather than a skip.
    public static var required: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Whether vector tests should run at all.
    public static var shouldRun: Bool { root != nil || required }

    /// The URL of a file or folder inside the vectors folder.
    public static func url(_ relativePath: String) throws -> URL {
        guard let root else { throw MissingVectors(path: relativePath) }
        let url = root.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else { throw MissingVectors(path: relativePath) }
        return url
    }

    /// The bytes of a vector file.
    public static func data(_ relativePath: String) throws -> Data {
        try Data(contentsOf: url(relativePath))
    }

    /// A vector file parsed with Foundation's JSON reader (independent of our own parser).
    public static func json(_ relativePath: String) throws -> Any {
        try JSONSerialization.jsonObject(with: data(relativePath), options: [.fragmentsAllowed])
    }

    /// Lowercase hex of some bytes, for readable expectations.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Bytes from a hex string (whitespace ignored); nil on malformed input.
    public static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) })
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let byte = UInt8(String(digits[index]) + String(digits[index + 1]), radix: 16) else { return nil }
            out.append(byte)
            index += 2
        }
        return out
    }
}

/// Thrown when a vector file is not where the tests expect it.
public struct MissingVectors: Error, CustomStringConvertible {
    public let path: String
    public var description: String {
        "test vectors missing: \(path) (looked in \(Vectors.root?.path ?? "../shared/vectors, absent"); set VOLTPASS_VECTORS)"
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs a test only when the vectors are present, or always under `CI=true`.
    public static var vectors: Self {
        .enabled(if: Vectors.shouldRun, "shared vectors folder not found; set VOLTPASS_VECTORS to run these tests")
    }
}
