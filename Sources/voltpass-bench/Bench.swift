import ArgumentParser
import Encoding
import Foundation
import Identity

/// `voltpass-bench`: measures the operations everything else is built from, in release mode.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voltpass-bench",
        abstract: "Measure Voltpass primitives; run with `swift run -c release voltpass-bench`.")

    @Option(help: "Run only the operations whose name contains this text.")
    var filter: String?

    @Option(help: "Minimum seconds each operation is timed for.")
    var seconds: Double = 1.0

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        var results: [Measurement] = []
        for suite in Suite.all where filter.map({ suite.name.contains($0) }) ?? true {
            results.append(try await suite.run(seconds))
        }
        print(json ? Report.json(results) : Report.table(results))
    }
}

/// One named benchmark.
struct Suite: Sendable {
    let name: String
    let run: @Sendable (_ seconds: Double) async throws -> Measurement

    static let all: [Suite] = encoding + signatures + trie + trieStore + credentials + selectiveDisclosure + statusLists + ledger + epcisHash + epcis + epcisCapture + epcisBinding + qrcode + readings + passport

    static let encoding: [Suite] = [
        Suite(name: "jcs.canonicalize-2kb-credential") { seconds in
            let credential = Fixtures.credential
            let size = credential.serialized().count
            return try await measure("jcs.canonicalize-2kb-credential (\(size) B)", minimumSeconds: seconds) {
                try JCS.canonicalize(credential).count
            }
        },
        Suite(name: "json.parse-2kb-credential") { seconds in
            let bytes = Fixtures.credential.serialized()
            return try await measure("json.parse-2kb-credential", minimumSeconds: seconds, bytesPerOperation: bytes.count) {
                try JSONValue(parsing: bytes).objectValue?.count ?? 0
            }
        },
        Suite(name: "cbor.encode-reading") { seconds in
            let reading = Fixtures.reading
            let size = try reading.encode().count
            return try await measure("cbor.encode-reading (\(size) B)", minimumSeconds: seconds) { try reading.encode().count }
        },
        Suite(name: "cbor.decode-reading") { seconds in
            let bytes = try Fixtures.reading.encode()
            return try await measure("cbor.decode-reading", minimumSeconds: seconds) {
                try CBOR.decode(bytes, options: .deterministic).arrayValue?.count ?? 0
            }
        },
        Suite(name: "blake2b-256.1mib") { seconds in
            let data = Fixtures.bytes(1 << 20)
            return await measure("blake2b-256 (1 MiB input)", minimumSeconds: seconds, bytesPerOperation: data.count) {
                Int(Blake2b.hash256(data)[0])
            }
        },
        Suite(name: "blake2b-256.64b") { seconds in
            let data = Fixtures.bytes(64)
            return await measure("blake2b-256 (64 B, a trie node)", minimumSeconds: seconds, bytesPerOperation: data.count) {
                Int(Blake2b.hash256(data)[0])
            }
        },
    ]

    static let signatures: [Suite] = KeyAlgorithm.allCases.flatMap { algorithm in
        [
            Suite(name: "\(algorithm.rawValue.lowercased()).sign") { seconds in
                let signer = SoftwareSigner.generate(algorithm)
                let message = Fixtures.bytes(64)
                return try await measure("\(algorithm.rawValue) sign (64 B)", minimumSeconds: seconds) {
                    try await signer.sign(message).count
                }
            },
            Suite(name: "\(algorithm.rawValue.lowercased()).verify") { seconds in
                let signer = SoftwareSigner.generate(algorithm)
                let message = Fixtures.bytes(64)
                let signature = try await signer.sign(message)
                return await measure("\(algorithm.rawValue) verify (64 B)", minimumSeconds: seconds) {
                    signer.verificationKey.verify(signature: signature, message: message) ? 1 : 0
                }
            },
        ]
    }
}

/// Prints measurements for people (a table) or machines (JSON).
enum Report {
    static func table(_ results: [Measurement]) -> String {
        let header = ["operation", "n", "ops/s", "µs/op", "MB/s"]
        let rows = results.map { result in
            [
                result.operation, String(result.count), String(format: "%.0f", result.operationsPerSecond),
                String(format: "%.3f", result.microsecondsPerOperation),
                result.megabytesPerSecond.map { String(format: "%.1f", $0) } ?? "",
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line))
            .joined(separator: "\n")
    }

    static func json(_ results: [Measurement]) -> String {
        let entries: [JSONValue] = results.map { result in
            var entry: JSONObject = [
                "operation": .string(result.operation), "n": .number(Double(result.count)),
                "opsPerSecond": .number(result.operationsPerSecond.rounded()),
                "microsecondsPerOp": .number((result.microsecondsPerOperation * 1000).rounded() / 1000),
            ]
            if let throughput = result.megabytesPerSecond { entry["megabytesPerSecond"] = .number((throughput * 10).rounded() / 10) }
            return .object(entry)
        }
        return JSONValue.array(entries).serializedString(pretty: true)
    }
}
