import Foundation

/// Runs python3 as an independent reference implementation (hashlib, base64, cbor2, cryptography).
/// Tests that need it are skipped when python3 or a module is missing, except under `CI=true`,
/// where they run and fail.
public enum ReferencePython {
    /// What a python3 run printed and how it ended.
    public struct Run: Sendable {
        public let status: Int32
        public let output: String
        public let error: String

        /// Standard output split into lines, without the final empty one.
        public var lines: [String] {
            var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            return lines
        }
    }

    /// Whether python3 runs here and can import every module named.
    public static func canImport(_ modules: String...) -> Bool {
        let imports = modules.isEmpty ? "pass" : "import " + modules.joined(separator: ", ")
        return (try? run(imports))?.status == 0
    }

    /// Runs `python3 -c script arguments…` with `input` on standard input.
    public static func run(_ script: String, arguments: [String] = [], input: String = "") throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Feed standard input from another thread so a large input cannot deadlock against a full output pipe.
        let writer = Thread {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let error = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
            error: String(decoding: error, as: UTF8.self))
    }
}

/// A small deterministic generator (SplitMix64) so generated test data is the same on every run.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` random bytes.
    public mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}
