import ArgumentParser
import Encoding
import Foundation
import Storage
import Trie

/// `voltpass trie`: the operator's Merkle Patricia Forestry trie in a data directory.
struct TrieCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trie",
        abstract: "Work with an operator's Merkle Patricia Forestry trie (Cardano-compatible roots and proofs).",
        discussion: """
            Keys and values are UTF-8 text, or hex with --hex. Batches come from a file (or - for standard \
            input) with one change per line: key<TAB>value (insert, update) or key (delete). Each command \
            that changes the trie commits one batch atomically and adds it to the operator's root history.
            Exit status: 0 success (verify: valid), 1 failure (verify: invalid), 2 wrong usage.
            """,
        subcommands: [Insert.self, Update.self, Delete.self, Get.self, Root.self, Prove.self, Verify.self])

    struct Insert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Insert new keys (key_exists if one is present).")
        @OptionGroup var location: TrieLocation
        @OptionGroup var input: TrieInput
        @Argument(help: "The key.") var key: String?
        @Argument(help: "The value.") var value: String?

        func run() async throws {
            try await TrieCLI.commit(location: location, input: input, key: key, value: value, verb: "inserted", needsValue: true) {
                .insert(key: $0, value: $1)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change the values of present keys (key_not_found otherwise).")
        @OptionGroup var location: TrieLocation
        @OptionGroup var input: TrieInput
        @Argument(help: "The key.") var key: String?
        @Argument(help: "The new value.") var value: String?

        func run() async throws {
            try await TrieCLI.commit(location: location, input: input, key: key, value: value, verb: "updated", needsValue: true) {
                .update(key: $0, value: $1)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove present keys (key_not_found otherwise).")
        @OptionGroup var location: TrieLocation
        @OptionGroup var input: TrieInput
        @Argument(help: "The key.") var key: String?

        func run() async throws {
            try await TrieCLI.commit(location: location, input: input, key: key, value: nil, verb: "deleted", needsValue: false) { key, _ in
                .delete(key: key)
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a key's value (exit 1 when absent).")
        @OptionGroup var location: TrieLocation
        @Flag(help: "The key is hex; the value is shown in hex.") var hex = false
        @Flag(help: "Print one JSON document instead of text.") var json = false
        @Argument(help: "The key.") var key: String

        func run() async throws {
            let keyBytes = try TrieCLI.usage { try TrieCLI.bytes(key, hex: hex, what: "key") }
            let (operatorID, value) = try await location.withTries { tries, operatorID in
                (operatorID, try await tries.get(keyBytes, operator: operatorID))
            }
            guard let value else {
                throw TrieError(code: "key_not_found", message: "the trie of '\(operatorID)' holds no key \(TrieCLI.show(keyBytes, hex: hex))")
            }
            if json {
                print(JSONValue.object(["key": .string(Hex.encode(keyBytes)), "value": .string(Hex.encode(value))]).serializedString(pretty: true))
            } else {
                print(TrieCLI.show(value, hex: hex))
            }
        }
    }

    struct Root: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the current root, the key count and the root history.")
        @OptionGroup var location: TrieLocation
        @Option(help: "How many commits of the history to show, newest first.") var history = 10
        @Flag(help: "Print one JSON document instead of text.") var json = false

        func run() async throws {
            try TrieCLI.usage { if history < 1 { throw TrieCLI.usageError("--history must be at least 1") } }
            let (operatorID, commits) = try await location.withTries { tries, operatorID in
                (operatorID, try await tries.history(operator: operatorID, limit: history))
            }
            guard let latest = commits.first else { throw OperatorTrieError.operatorNotFound(operatorID) }
            if json {
                let document: JSONValue = [
                    "operator": .string(operatorID), "root": .string(latest.root.hex),
                    "keyCount": .number(Double(latest.keyCount)), "history": .array(commits.map { .object($0.json) }),
                ]
                print(document.serializedString(pretty: true))
                return
            }
            print("trie of \(operatorID)")
            print("  root:  \(latest.root.hex)")
            print("  keys:  \(latest.keyCount)")
            print("history, newest first:")
            for commit in commits {
                let time = commit.committedAt.formatted(.iso8601)
                print("  #\(commit.sequence)  \(time)  \(commit.root.hex)  changes: \(commit.changes), keys: \(commit.keyCount)")
            }
        }
    }

    struct Prove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove a key present (membership) or absent (non-membership) against the current root.")
        enum Format: String, ExpressibleByArgument, CaseIterable { case json, cbor }
        @OptionGroup var location: TrieLocation
        @Flag(help: "The key is hex; the value is shown in hex.") var hex = false
        @Flag(help: "Print one JSON document instead of text.") var json = false
        @Option(help: "The proof's encoding: JSON steps (as the reference library) or CBOR Plutus data.") var format: Format = .json
        @Option(help: "Also write the proof to this file (JSON text, or raw CBOR bytes).") var out: String?
        @Argument(help: "The key.") var key: String

        func run() async throws {
            let keyBytes = try TrieCLI.usage { try TrieCLI.bytes(key, hex: hex, what: "key") }
            let (operatorID, proof) = try await location.withTries { tries, operatorID in
                (operatorID, try await tries.proof(for: keyBytes, operator: operatorID))
            }
            let encoded = format == .json ? proof.proof.toJSON().serialized(pretty: true) : proof.proof.cbor()
            if let out {
                try Data(encoded).write(to: URL(fileURLWithPath: out))
            }
            if json {
                var document = proof.json
                document["operator"] = .string(operatorID)
                if format == .cbor { document["proof"] = nil }
                print(JSONValue.object(document).serializedString(pretty: true))
                return
            }
            let shown = TrieCLI.show(keyBytes, hex: hex)
            if let value = proof.value {
                print("membership proof: \(shown) → \(TrieCLI.show(value, hex: hex)) in the trie of \(operatorID)")
            } else {
                print("non-membership proof: \(shown) is absent from the trie of \(operatorID)")
            }
            print("  root:  \(proof.root.hex)")
            print("  steps: \(proof.proof.steps.count), \(proof.proof.cbor().count) bytes as CBOR")
            print(format == .json ? String(decoding: encoded, as: UTF8.self) : Hex.encode(encoded))
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a proof against a root, as the on-chain validator (v2.1.0) does; needs no data directory.",
            discussion: "Exit status: 0 valid, 1 invalid, 2 wrong usage.")
        @Option(help: "The trusted root (64 hex digits), e.g. an anchored one from the history.") var root: String?
        @Option(help: "The key.") var key: String?
        @Option(help: "The value the key should have (a membership proof).") var value: String?
        @Flag(help: "Check that the key is absent (a non-membership proof).") var absent = false
        @Option(help: "The proof file, or - for standard input: JSON steps, `prove --json` output, CBOR hex or raw CBOR.")
        var proof: String?
        @Flag(help: "Key and value are hex.") var hex = false
        @Flag(help: "Print one JSON document instead of text.") var json = false

        func run() async throws {
            let (root, key, value, proofBytes) = try TrieCLI.usage { () throws -> (Hash32, [UInt8], [UInt8]?, [UInt8]) in
                guard let rootText = self.root, let trusted = Hash32(hex: rootText) else {
                    throw TrieCLI.usageError("--root needs 64 hex digits")
                }
                guard let key = self.key else { throw TrieCLI.usageError("--key is required") }
                guard (self.value != nil) != absent else {
                    throw TrieCLI.usageError("give exactly one of --value (membership) and --absent (non-membership)")
                }
                guard let proofPath = self.proof else { throw TrieCLI.usageError("--proof is required (a file, or - for standard input)") }
                return (
                    trusted, try TrieCLI.bytes(key, hex: hex, what: "key"),
                    try self.value.map { try TrieCLI.bytes($0, hex: hex, what: "value") }, try TrieCLI.read(proofPath)
                )
            }
            // A proof that cannot be read is invalid too (exit 1), with the reason.
            let problem: TrieError?
            let valid: Bool
            do {
                let proof = try TrieCLI.proof(from: proofBytes)
                valid = value.map { MPF.has(root: root, key: key, value: $0, proof: proof) } ?? MPF.miss(root: root, key: key, proof: proof)
                problem = valid ? nil : TrieError(code: "proof_mismatch", message: "the proof does not lead to root \(root.hex)")
            } catch {
                valid = false
                problem = error as? TrieError ?? TrieError(code: "proof_malformed", message: "the proof cannot be read: \(error)")
            }
            let claim = value.map { "\(TrieCLI.show(key, hex: hex)) → \(TrieCLI.show($0, hex: hex)) is in" } ?? "\(TrieCLI.show(key, hex: hex)) is absent from"
            if json {
                var document: JSONObject = ["valid": .bool(valid), "root": .string(root.hex), "key": .string(Hex.encode(key)), "member": .bool(value != nil)]
                if let problem { document["code"] = .string(problem.code) }
                print(JSONValue.object(document).serializedString(pretty: true))
            } else if let problem {
                print("invalid: the proof does not show that \(claim) the trie with root \(root.hex)")
                print("  \(problem.code): \(problem.message)")
            } else {
                print("valid: \(claim) the trie with root \(root.hex)")
            }
            if !valid { throw ExitCode(1) }
        }
    }
}

/// Where the tries are: the data directory's SQLite database, or PostgreSQL; and whose trie.
struct TrieLocation: ParsableArguments {
    @Option(help: "The data directory (its SQLite database holds the tries).") var data: String = "data"
    @Option(help: "A PostgreSQL URL to use instead of the data directory's SQLite database.") var postgres: String?
    @Option(
        name: .customLong("operator"),
        help: "The operator whose trie to use, e.g. its DID. Default: the operator `voltpass serve` created here (its did:web DID).")
    var operatorID: String?

    /// Opens the store (migrating it), picks the operator, and runs `body` with the tries beside the
    /// store and the operator's id. Without `--operator`, the operator is the one local did:web
    /// operator of the data directory (or database); with none or several, that is a usage error.
    func withTries<Result: Sendable>(_ body: (OperatorTries, String) async throws -> Result) async throws -> Result {
        let directory = URL(fileURLWithPath: data, isDirectory: true).standardizedFileURL
        if postgres == nil {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        return try await StoreConfiguration(dataDirectory: directory, postgresURL: postgres).withStore { store in
            let operatorID: String
            if let chosen = self.operatorID {
                operatorID = chosen
            } else {
                let local = try await store.localOperatorDIDs()
                operatorID = try TrieCLI.usage { () throws -> String in
                    guard let only = local.first else {
                        throw TrieCLI.usageError(
                            "there is no operator here yet: run `voltpass serve` once to create its did:web DID, or name a trie with --operator")
                    }
                    guard local.count == 1 else {
                        throw TrieCLI.usageError("there are several operators here (\(local.joined(separator: ", "))): choose one with --operator")
                    }
                    return only
                }
            }
            return try await body(OperatorTries(store: store.operatorTries), operatorID)
        }
    }
}

/// Where a batch comes from.
struct TrieInput: ParsableArguments {
    @Option(help: "A batch file (- for standard input): one change per line, key<TAB>value, or key for delete.") var file: String?
    @Flag(help: "Keys and values are hex.") var hex = false
    @Flag(help: "Print one JSON document instead of text.") var json = false
}

/// Shared parts of the trie commands.
enum TrieCLI {
    struct UsageError: Error {
        let message: String
    }

    static func usageError(_ message: String) -> UsageError { UsageError(message: message) }

    /// Runs `body`; a usage error is printed and exits with status 2.
    static func usage<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as UsageError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Builds the batch from the arguments or the file, commits it, and reports the commit.
    static func commit(
        location: TrieLocation, input: TrieInput, key: String?, value: String?, verb: String, needsValue: Bool,
        _ mutation: ([UInt8], [UInt8]) -> TrieMutation
    ) async throws {
        let mutations = try usage { () throws -> [TrieMutation] in
            if let file = input.file {
                guard key == nil else { throw usageError("give either a key on the command line or --file, not both") }
                var mutations: [TrieMutation] = []
                for (index, rawLine) in try read(file).split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
                    let line = rawLine.last == 0x0D ? rawLine.dropLast() : rawLine
                    if line.isEmpty { continue }
                    let fields = line.split(separator: 0x09, maxSplits: 1, omittingEmptySubsequences: false)
                    if needsValue && fields.count < 2 { throw usageError("line \(index + 1): expected key<TAB>value") }
                    let keyBytes = try bytes(fields[0], hex: input.hex, what: "key on line \(index + 1)")
                    let valueBytes = needsValue ? try bytes(fields[1], hex: input.hex, what: "value on line \(index + 1)") : []
                    mutations.append(mutation(keyBytes, valueBytes))
                }
                guard !mutations.isEmpty else { throw usageError("the batch file has no changes") }
                return mutations
            }
            guard let key else { throw usageError(needsValue ? "give a key and a value, or --file" : "give a key, or --file") }
            guard !needsValue || value != nil else { throw usageError("give the value after the key") }
            return [mutation(try bytes(key, hex: input.hex, what: "key"), try value.map { try bytes($0, hex: input.hex, what: "value") } ?? [])]
        }
        let (operatorID, commit) = try await location.withTries { tries, operatorID in
            (operatorID, try await tries.apply(mutations, operator: operatorID))
        }
        if input.json {
            var document = commit.json
            document["operator"] = .string(operatorID)
            print(JSONValue.object(document).serializedString(pretty: true))
        } else {
            print("\(verb) \(mutations.count) key\(mutations.count == 1 ? "" : "s") in the trie of \(operatorID)")
            print("  root:   \(commit.root.hex)")
            print("  commit: #\(commit.sequence), keys: \(commit.keyCount)")
        }
    }

    /// `text` as bytes: UTF-8, or hex when `hex` is set.
    static func bytes(_ text: String, hex: Bool, what: String) throws -> [UInt8] {
        try bytes(ArraySlice(text.utf8), hex: hex, what: what)
    }

    /// `raw` as given, or hex-decoded when `hex` is set.
    static func bytes(_ raw: ArraySlice<UInt8>, hex: Bool, what: String) throws -> [UInt8] {
        guard hex else { return Array(raw) }
        let text = String(decoding: raw, as: UTF8.self)
        guard let bytes = try? Hex.decode(text) else { throw usageError("the \(what) is not hex: '\(text)'") }
        return bytes
    }

    /// Bytes for people: quoted UTF-8 text when printable, otherwise (or with `hex`) hex.
    static func show(_ bytes: [UInt8], hex: Bool) -> String {
        if !hex, let text = String(validating: bytes, as: UTF8.self), !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "'\(text)'"
        }
        return "0x" + Hex.encode(bytes)
    }

    /// The contents of `path`, or of standard input for `-`.
    static func read(_ path: String) throws -> [UInt8] {
        if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: path) else { throw usageError("cannot read '\(path)'") }
        return Array(data)
    }

    /// A proof in any form `prove` writes: JSON steps, a `prove --json` document, CBOR hex, raw CBOR.
    static func proof(from bytes: [UInt8]) throws -> Proof {
        if let json = try? JSONValue(parsing: bytes) {
            switch json {
            case .array: return try Proof(json: json)
            case .object(let object):
                if let steps = object["proof"], case .array = steps { return try Proof(json: steps) }
                if let hex = object["proofCBOR"]?.stringValue { return try Proof(cbor: try Hex.decode(hex)) }
                throw TrieError(code: "proof_malformed", message: "the JSON document has no proof")
            case .string(let hex): return try Proof(cbor: try Hex.decode(hex))
            default: throw TrieError(code: "proof_malformed", message: "not a proof")
            }
        }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if let decoded = try? Hex.decode(text) { return try Proof(cbor: decoded) }
        return try Proof(cbor: bytes)
    }
}
