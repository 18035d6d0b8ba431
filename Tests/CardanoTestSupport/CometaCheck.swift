import Foundation
import Testing
import VectorSupport

/// libcardano-c (pip `biglup-cometa`), an implementation independent of ours, reading a transaction
/// through `scripts/cardano-cometa-check.py`: the id it computes, its fee parts, native script hashes
/// and script data hash.
public enum CometaCheck {
    public static let available = ReferencePython.canImport("cometa")

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // CardanoTestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("scripts/cardano-cometa-check.py")

    /// Runs the check script on `tx`; returns its `key value` lines (a key seen twice keeps every value, space-separated).
    public static func run(_ tx: [UInt8], costModels: [UInt8]? = nil) throws -> [String: String] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-tx-\(UUID().uuidString).cbor")
        try Data(tx).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var arguments = [file.path]
        if let costModels { arguments.append(Vectors.hex(costModels)) }
        let run = try ReferencePython.run(
            "import runpy, sys; sys.argv = [sys.argv[1]] + sys.argv[2:]; runpy.run_path(sys.argv[0], run_name='__main__')",
            arguments: [script.path] + arguments)
        #expect(run.status == 0, "cometa check failed: \(run.error)")
        var result: [String: String] = [:]
        for line in run.lines {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            if parts.count == 2 { result[parts[0]] = result[parts[0]].map { $0 + " " + parts[1] } ?? parts[1] }
        }
        return result
    }
}
