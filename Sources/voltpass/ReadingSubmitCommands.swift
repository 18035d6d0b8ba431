import ArgumentParser
import AsyncHTTPClient
import Encoding
import Foundation
import Identity
import Passport
import Readings
import Server
import Storage

extension ReadingCommand {
    /// `voltpass reading submit`: the user's side of the protocol, as a phone app would do it.
    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Commit on the ledger, tap the BMS with the challenge, and submit the signed reading.",
            discussion: """
                Commits to reading the BMS's battery (POST /readings/commitments), asks the BMS emulator in --bms to \
                sign its state over the challenge, signs the submission with the user's key (--key, a key file from \
                `voltpass key generate`) and submits it (POST /readings). A hard gate's refusal exits 1 with its code.
                """)

        @Option(help: "The Voltpass service's base URL.")
        var server = "http://127.0.0.1:8080"

        @Option(help: "The user's key file (Multikey JSON): the submitter, who earns the reward.")
        var key: String

        @Option(help: "The BMS emulator directory (`voltpass bms init`).")
        var bms: String = "bms"

        @Flag(help: "Print the service's answer as JSON.")
        var json = false

        func run() async throws {
            let user = try KeyFile.load(from: URL(fileURLWithPath: key))
            let emulator = try BMSEmulator.open(at: URL(fileURLWithPath: bms, isDirectory: true))
            let batteryID = await emulator.battery.batteryID
            let commitment = try await ReadingCLI.post(
                server, "/readings/commitments", ["battery": .string(batteryID), "user": .string(user.verificationKey.multikey)])
            guard let challengeHex = commitment["challenge"]?.stringValue, let challenge = try? Hex.decode(challengeHex) else {
                throw ValidationError("the service answered no challenge")
            }
            let signed = try await emulator.read(challenge: challenge)
            let signature = try await user.sign(SubmitterProof.submissionMessage(challenge: signed.reading.challenge, reading: signed.encoded))
            let answer = try await ReadingCLI.post(
                server, "/readings",
                [
                    "reading": .string(Hex.encode(signed.encoded)), "submitter": .string(user.verificationKey.multikey),
                    "signature": .string(Hex.encode(signature)),
                ])
            if json {
                print(answer.serializedString(pretty: true))
            } else {
                print("reading \(answer["id"]?.stringValue ?? "?") \(answer["status"]?.stringValue ?? "?") (challenge \(challengeHex))")
            }
        }
    }

    /// `voltpass reading incorporate`: the operator's batch, run against a data directory.
    struct Incorporate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run an operator's batch on a data directory: gates, leaf updates, new root, rewards, in one settlement.",
            discussion: "Finishes a batch that was cut off first. Stop the service that uses the data directory before (the ledger is locked).")

        @Option(help: "The data directory.") var data: String = "data"
        @Option(help: "A PostgreSQL URL to use instead of the data directory's SQLite database.") var postgres: String?
        @Option(help: "The host[:port] the service runs under (names the operators' DIDs).") var publicHost: String = "localhost:8080"
        @Option(name: .customLong("operator"), help: "The operator's name or DID.") var operatorName: String
        @Option(help: "What a rewarded reading earns, from the operator's pool.") var rewardPerReading: UInt64 = ReadingRewards().perReading
        @Option(help: "Slots between two rewarded readings of one battery.") var cooldownSlots: UInt64 = ReadingRewards().cooldownSlots
        @OptionGroup var ledgerOptions: LedgerOptions
        @Flag(help: "Print the summary as JSON.") var json = false

        func run() async throws {
            let directory = URL(fileURLWithPath: data, isDirectory: true).standardizedFileURL
            var configuration = ServerConfiguration(
                dataDirectory: directory, publicHost: publicHost, postgresURL: postgres, anchorInterval: nil,
                readingRewards: ReadingRewards(perReading: rewardPerReading, cooldownSlots: cooldownSlots))
            configuration.ledger = try ledgerOptions.choice()
            let summary = try await StoreConfiguration(dataDirectory: directory, postgresURL: postgres).withStore { store in
                let (server, _) = try await VoltpassServer.prepare(
                    configuration: configuration, store: store, faults: KillAtStep(ProcessInfo.processInfo.environment["VOLTPASS_CRASH_AT"]))
                do {
                    let summary = try await server.readings.incorporate(operatorNamed: operatorName)
                    await server.close()
                    return summary
                } catch {
                    await server.close()
                    throw error
                }
            }
            if json {
                print(JSONValue.object(summary.json).serializedString(pretty: true))
            } else {
                print("\(summary.incorporated) incorporated (\(summary.rewarded) rewarded, \(summary.paid) paid), \(summary.rejected) rejected"
                    + (summary.recovered ? "; an interrupted batch was finished first" : ""))
                if let root = summary.root { print("  anchored root \(root.hex)") }
            }
        }
    }
}

enum ReadingCLI {
    /// POSTs `body` to a public endpoint; returns the answer, or prints the problem and exits 1.
    static func post(_ server: String, _ path: String, _ body: JSONObject) async throws -> JSONValue {
        var request = HTTPClientRequest(url: server.trimmingCharacters(in: ["/"]) + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(JSONValue.object(body).serialized())
        let response = try await HTTPClient.failFast.execute(request, timeout: .seconds(30))
        let bytes = Array(try await response.body.collect(upTo: 4 << 20).readableBytesView)
        let answer = (try? JSONValue(parsing: bytes)) ?? .string(String(decoding: bytes, as: UTF8.self))
        guard (200..<300).contains(Int(response.status.code)) else {
            let code = answer["code"]?.stringValue ?? "http_\(response.status.code)"
            FileHandle.standardError.write(Data("error: \(code): \(answer["detail"]?.stringValue ?? "")\n".utf8))
            throw ExitCode(1)
        }
        return answer
    }
}

/// Ends the process with SIGKILL when a batch reaches the step named (by `VOLTPASS_CRASH_AT`), as a
/// power cut there would: how the crash tests cut an operator's batch off. Without a name it never
/// stops anything.
struct KillAtStep: FaultInjector {
    let step: FaultPoint?

    init(_ name: String?) {
        step = name.flatMap(FaultPoint.init(rawValue:))
    }

    func reach(_ point: FaultPoint) async throws {
        if point == step { kill(getpid(), SIGKILL) }
    }
}
