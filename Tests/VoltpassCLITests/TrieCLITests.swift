import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("voltpass trie", .serialized)
struct TrieCLITests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voltpass-trie-cli-\(UUID().uuidString)")
    var data: String { directory.appendingPathComponent("data").path }

    /// The trie the tests use unless they name another: their data directories have no operator.
    static let operatorID = "did:web:cli-test.example"

    /// Runs `voltpass trie …` on the test's data directory, on the trie of `operatorID` unless the
    /// arguments name an operator or `defaultOperator` is set.
    func trie(_ arguments: [String], data: Bool = true, defaultOperator: Bool = false) async throws -> CLI.Result {
        let location = data ? ["--data", self.data] + (defaultOperator || arguments.contains("--operator") ? [] : ["--operator", Self.operatorID]) : []
        return try await CLI.run(["trie"] + [arguments[0]] + location + arguments.dropFirst())
    }

    func json(_ result: CLI.Result) async throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
    }

    func write(_ text: String, to name: String) async throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test("insert, get, root, prove and verify, in text and hex, with JSON and CBOR proofs")
    func roundTrip() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let single = try await trie(["insert", "apple[uid: 58]", "🍎"])
        #expect(single.status == 0, "\(single.error)")
        #expect(single.output.contains("inserted 1 key"))
        let batch = try await write("banana[uid: 81]\t🍌\ncherry[uid: 0]\t🍒\r\n\n", to: "batch.tsv")
        let inserted = try await json(try trie(["insert", "--file", batch, "--json"]))
        #expect(inserted["sequence"] as? Int == 2)
        #expect(inserted["changes"] as? Int == 2)
        #expect(inserted["keyCount"] as? Int == 3)
        await #expect(try trie(["insert", "--hex", "00ff", "0102"]).status == 0)

        await #expect(try trie(["get", "banana[uid: 81]"]).output == "'🍌'\n")
        await #expect(try trie(["get", "--hex", "00ff"]).output == "0x0102\n")

        let root = try await json(try trie(["root", "--json"]))
        let rootHex = try #require(root["root"] as? String)
        #expect(root["keyCount"] as? Int == 4)
        #expect((root["history"] as? [[String: Any]])?.compactMap { $0["sequence"] as? Int } == [3, 2, 1])
        await #expect(try trie(["root"]).output.contains(rootHex))

        let jsonProof = directory.appendingPathComponent("cherry.json").path
        let cborProof = directory.appendingPathComponent("cherry.cbor").path
        let proved = try await json(try trie(["prove", "cherry[uid: 0]", "--json", "--out", jsonProof]))
        #expect(proved["member"] as? Bool == true)
        #expect(proved["root"] as? String == rootHex)
        await #expect(try trie(["prove", "cherry[uid: 0]", "--format", "cbor", "--out", cborProof]).status == 0)
        let absentProof = directory.appendingPathComponent("melon.cbor").path
        await #expect(try trie(["prove", "melon", "--format", "cbor", "--out", absentProof]).output.contains("non-membership"))

        for proof in [jsonProof, cborProof] {
            let valid = try await trie(["verify", "--root", rootHex, "--key", "cherry[uid: 0]", "--value", "🍒", "--proof", proof], data: false)
            #expect(valid.status == 0, "\(valid.output) \(valid.error)")
            #expect(valid.output.hasPrefix("valid"))
            let wrongValue = try await trie(["verify", "--root", rootHex, "--key", "cherry[uid: 0]", "--value", "🍓", "--proof", proof], data: false)
            #expect(wrongValue.status == 1)
            #expect(wrongValue.output.hasPrefix("invalid"))
        }
        let absent = try await trie(["verify", "--root", rootHex, "--key", "melon", "--absent", "--proof", absentProof, "--json"], data: false)
        #expect(absent.status == 0)
        await #expect(try json(absent)["valid"] as? Bool == true)

        let garbage = try await trie(["verify", "--root", rootHex, "--key", "melon", "--absent", "--proof", try write("not a proof", to: "garbage")], data: false)
        #expect(garbage.status == 1)
        #expect(garbage.output.contains("proof_malformed"), "\(garbage.output)")
        let missing = try await trie(["verify", "--root", rootHex, "--key", "melon", "--absent", "--proof", directory.appendingPathComponent("none").path], data: false)
        #expect(missing.status == 2)

        // Every single changed byte of the CBOR proof makes it invalid (or unreadable).
        let bytes = try Data(contentsOf: URL(fileURLWithPath: cborProof))
        for index in stride(from: 0, to: bytes.count, by: 17) {
            var tampered = bytes
            tampered[index] ^= 0x01
            let path = directory.appendingPathComponent("tampered.cbor")
            try tampered.write(to: path)
            let result = try await trie(["verify", "--root", rootHex, "--key", "cherry[uid: 0]", "--value", "🍒", "--proof", path.path], data: false)
            #expect(result.status == 1, "byte \(index) changed: \(result.output)")
        }
    }

    @Test("an update moves the root; the proof from before still checks against the old root in the history")
    func history() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let operatorID = ["--operator", "did:web:cells.example.com"]
        await #expect(try trie(["insert", "--file", try write("cell-1\tsoh 99\ncell-2\tsoh 98\ncell-3\tsoh 97\n", to: "cells.tsv")] + operatorID).status == 0)
        let old = try await json(try trie(["prove", "cell-2", "--json"] + operatorID))
        let oldProof = try await write(String(decoding: try JSONSerialization.data(withJSONObject: old), as: UTF8.self), to: "old.json")
        await #expect(try trie(["update", "cell-2", "soh 91"] + operatorID).status == 0)
        await #expect(try trie(["delete", "cell-3"] + operatorID).status == 0)

        let root = try await json(try trie(["root", "--json"] + operatorID))
        let history = try #require(root["history"] as? [[String: Any]])
        #expect(history.compactMap { $0["keyCount"] as? Int } == [2, 3, 3])
        let oldRoot = try #require(history.last?["root"] as? String)
        #expect(oldRoot == old["root"] as? String)
        let checks: [(root: String, status: Int32)] = [(oldRoot, 0), (try #require(root["root"] as? String), 1)]
        for (checkedRoot, status) in checks {
            let result = try await trie(["verify", "--root", checkedRoot, "--key", "cell-2", "--value", "soh 98", "--proof", oldProof], data: false)
            #expect(result.status == status, "\(result.output)")
        }
        await #expect(try trie(["get", "cell-2"] + operatorID).output == "'soh 91'\n")
        await #expect(try trie(["get", "cell-2"]).status == 1, "another operator's trie is separate")
    }

    @Test("refused changes exit 1 with their code; wrong usage exits 2", arguments: [
        (["get", "missing"], 1, "operator_not_found"),
        (["insert", "k", "v2"], 1, "key_exists"),
        (["update", "missing", "v"], 1, "key_not_found"),
        (["delete", "missing"], 1, "key_not_found"),
        (["get", "missing-key"], 1, "key_not_found"),
        (["insert", "k"], 2, "give the value"),
        (["insert", "--hex", "zz", "00"], 2, "not hex"),
        (["root", "--history", "0"], 2, "--history"),
        (["verify", "--key", "k", "--absent", "--proof", "-"], 2, "--root"),
        (["verify", "--root", String(repeating: "0", count: 64), "--key", "k", "--proof", "-"], 2, "exactly one of"),
    ] as [([String], Int32, String)])
    func refusals(arguments: [String], status: Int32, message: String) async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let operatorID = message == "operator_not_found" ? ["--operator", "nobody"] : []
        await #expect(try trie(["insert", "k", "v"]).status == 0)
        let result = try await trie(arguments + operatorID, data: arguments[0] != "verify")
        #expect(result.status == status, "\(result.output) \(result.error)")
        #expect(result.error.contains(message), "\(result.error)")
    }

    @Test("a batch file line without a value names its line and exits 2")
    func badBatchLine() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await trie(["insert", "--file", try write("a\t1\nb\n", to: "bad.tsv")])
        #expect(result.status == 2)
        #expect(result.error.contains("line 2"))
        await #expect(try trie(["root"]).status == 1, "nothing was committed")
    }

    @Test(
        "a process killed in the middle of writing a batch leaves the previous root intact and consistent",
        .enabled(if: FileManager.default.fileExists(atPath: "/proc/locks"), "needs Linux /proc/locks to see the write transaction"))
    func killedMidBatch() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = (0..<300).map { "cell-\($0)\tsoh \($0 % 100)" }
        await #expect(try trie(["insert", "--file", try write(first.joined(separator: "\n"), to: "first.tsv")]).status == 0)
        let before = try await json(try trie(["root", "--json"]))
        // Values of 1 KiB make the batch's write transaction several polls long (it was about one with
        // 40-byte values), so a loaded machine that schedules the watcher late still finds it inside.
        let big = try await write((0..<100_000).map { "pack-\($0)\t\(String(repeating: "x", count: 1_024))-\($0)" }.joined(separator: "\n"), to: "big.tsv")

        // Killed while it holds SQLite's WAL write lock with the WAL grown past 1 MiB: inside the batch's
        // write transaction (the brief one that checks migrations on opening writes next to nothing).
        // One sighting is enough, so a watcher slowed by a loaded machine still catches it; the batch
        // runs at the lowest priority (`nice` execs it, keeping the pid), so on a busy machine it is
        // the batch that slows down, not the watcher.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nice")
        process.arguments = ["-n", "19", try CLI.executable.path, "trie", "insert", "--data", data, "--operator", Self.operatorID, "--file", big]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Watched from a thread of its own: on the shared concurrency pool, other tests' work could
        // hold the watcher back past the whole write.
        let pid = process.processIdentifier
        let database = data + "/voltpass.sqlite"
        let killedWhileWriting = await withCheckedContinuation { continuation in
            Thread {
                // Watched until the batch ends (on a loaded machine it may take minutes to reach its
                // write transaction), at most 5 minutes.
                let deadline = Date().addingTimeInterval(300)
                while kill(pid, 0) == 0, Date() < deadline {
                    let wal = (try? FileManager.default.attributesOfItem(atPath: database + "-wal"))?[.size] as? Int ?? 0
                    if wal > 1 << 20, Self.holdsWALWriteLock(pid: pid, database: database) {
                        kill(pid, SIGKILL)
                        continuation.resume(returning: true)
                        return
                    }
                    usleep(2_000)
                }
                continuation.resume(returning: false)
            }.start()
        }
        process.waitUntilExit()
        #expect(killedWhileWriting, "the batch finished before it could be killed")
        #expect(process.terminationReason == .uncaughtSignal)

        let after = try await json(try trie(["root", "--json"]))
        #expect(after["root"] as? String == before["root"] as? String)
        #expect((after["history"] as? [Any])?.count == 1)
        let rootHex = try #require(after["root"] as? String)
        for index in stride(from: 0, to: 300, by: 37) {
            await #expect(try trie(["get", "cell-\(index)"]).output == "'soh \(index % 100)'\n")
            let proof = directory.appendingPathComponent("proof-\(index).cbor").path
            await #expect(try trie(["prove", "cell-\(index)", "--format", "cbor", "--out", proof]).status == 0)
            let verified = try await trie(["verify", "--root", rootHex, "--key", "cell-\(index)", "--value", "soh \(index % 100)", "--proof", proof], data: false)
            #expect(verified.status == 0, "\(verified.output)")
        }
        await #expect(try trie(["get", "pack-1"]).status == 1)
        // The trie still takes batches after the crash.
        await #expect(try trie(["insert", "pack-1", "x"]).status == 0)
    }

    @Test("without --operator the trie is the data directory's operator's (the did:web DID serve created); none or several is a usage error")
    func defaultOperator() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let none = try await trie(["insert", "k", "v"], defaultOperator: true)
        #expect(none.status == 2)
        #expect(none.error.contains("voltpass serve") && none.error.contains("--operator"), "\(none.error)")

        let port = try CLI.freePort()
        let serve = try ServeProcess(dataDirectory: URL(fileURLWithPath: data), port: port)
        try await serve.waitUntilListening()
        #expect(try await serve.stop(signal: SIGTERM) == 0)
        let did = "did:web:localhost%3A\(port)"
        let inserted = try await json(try trie(["insert", "k", "v", "--json"], defaultOperator: true))
        #expect(inserted["operator"] as? String == did)
        await #expect(try json(try trie(["root", "--json", "--operator", did]))["keyCount"] as? Int == 1)
        await #expect(try trie(["get", "k"], defaultOperator: true).output == "'v'\n")
        await #expect(try trie(["get", "k"]).status == 1, "a named operator's trie is another trie")

        let otherPort = try CLI.freePort()
        let other = try ServeProcess(dataDirectory: URL(fileURLWithPath: data), port: otherPort)
        try await other.waitUntilListening()
        #expect(try await other.stop(signal: SIGTERM) == 0)
        let several = try await trie(["get", "k"], defaultOperator: true)
        #expect(several.status == 2)
        #expect(several.error.contains(did) && several.error.contains("did:web:localhost%3A\(otherPort)"), "\(several.error)")
        await #expect(try trie(["get", "k", "--operator", did]).output == "'v'\n")
    }

    /// Whether process `pid` holds the WAL write lock of `database` (a POSIX lock on byte 120 of its
    /// `-shm` file), i.e. is inside a write transaction. Lines of /proc/locks read
    /// `1: POSIX  ADVISORY  WRITE <pid> <major>:<minor>:<inode> <start> <end>`.
    static func holdsWALWriteLock(pid: Int32, database: String) -> Bool {
        guard let inode = (try? FileManager.default.attributesOfItem(atPath: database + "-shm"))?[.systemFileNumber] as? Int,
            let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8)
        else { return false }
        return locks.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count >= 8 && fields[3] == "WRITE" && fields[4] == "\(pid)" && fields[5].hasSuffix(":\(inode)")
                && fields[6] == "120" && fields[7] == "120"
        }
    }
}
