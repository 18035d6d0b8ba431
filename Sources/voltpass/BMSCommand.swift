import ArgumentParser
import Encoding
import Foundation
import Identity
import Readings

/// `voltpass bms`: a BMS emulator with a software secure element, kept in a directory.
struct BMSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bms",
        abstract: "Emulate a battery's BMS: signed readings (COSE_Sign1) from a software secure element.",
        discussion: """
            The directory holds the secure element (key and monotonic counter, mode 0600) and the pack's \
            history. `read` answers a challenge (the 32-byte commitment transaction hash, in hex) as an NFC \
            tap would; `misbehave` makes later readings replay, reset the counter or report rising SoH.
            """,
        subcommands: [Init.self, Read.self, Status.self, Cycle.self, Misbehave.self])

    struct Location: ParsableArguments {
        @Option(help: "The BMS directory.")
        var dir: String = "bms"

        @Flag(help: "Print one JSON document instead of text.")
        var json = false

        var url: URL { URL(fileURLWithPath: dir, isDirectory: true) }
    }

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set up a new BMS: a fresh pack and a key generated in its secure element.")
        @OptionGroup var location: Location

        @Option(help: "The battery's identifier.")
        var batteryId: String

        @Option(help: "The secure element's key type.")
        var type: KeyAlgorithm = .ed25519

        @Option(help: "The pack's rated capacity, Ah.")
        var nominalCapacity: Double = 400

        @Option(help: "Cells in series.")
        var cells: Int = 96

        func run() async throws {
            guard nominalCapacity.isFinite, nominalCapacity > 0, nominalCapacity <= 10_000 else {
                throw ValidationError("--nominal-capacity must be above 0 and at most 10,000 Ah")
            }
            let bms = try BMSEmulator.create(
                at: location.url, batteryID: batteryId, algorithm: type,
                nominalCapacityMilliampereHours: Int((nominalCapacity * 1000).rounded()), seriesCells: cells)
            if location.json {
                print(await BMSCLI.status(bms).serializedString(pretty: true))
            } else {
                print("BMS for \(batteryId) set up in \(location.url.path)")
                print("  key (\(type.rawValue)): \(bms.publicKey.multikey)")
                print("  did:key:       \(DIDKey.did(for: bms.publicKey))")
            }
        }
    }

    struct Read: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Answer a challenge with a signed reading (COSE_Sign1); prints it in hex, or writes it to --out.")
        @OptionGroup var location: Location

        @Option(help: "The challenge: the commitment transaction hash, 64 hex digits.")
        var challenge: String

        @Option(help: "Write the COSE_Sign1 bytes (binary CBOR) to this file.")
        var out: String?

        func run() async throws {
            guard let bytes = try? Hex.decode(challenge), bytes.count == Reading.challengeLength else {
                throw ValidationError("--challenge must be \(Reading.challengeLength) bytes in hex (64 hex digits)")
            }
            let bms = try BMSEmulator.open(at: location.url)
            let signed = try await bms.read(challenge: bytes)
            if let out {
                do {
                    try Data(signed.encoded).write(to: URL(fileURLWithPath: out), options: .atomic)
                } catch {
                    throw BMSError(.unavailable, "cannot write \(out): \(error.localizedDescription)")
                }
            }
            if location.json {
                print(JSONValue.object(ReadingFiles.json(signed)).serializedString(pretty: true))
            } else if let out {
                print("reading \(signed.reading.counter) written to \(out)")
                print(ReadingFiles.summary(signed.reading))
            } else {
                print(Hex.encode(signed.encoded))
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the pack's state, the key and the counter.")
        @OptionGroup var location: Location

        func run() async throws {
            let bms = try BMSEmulator.open(at: location.url)
            if location.json {
                print(await BMSCLI.status(bms).serializedString(pretty: true))
                return
            }
            let battery = await bms.battery
            let state = await bms.state
            print("BMS of \(battery.batteryID) in \(location.url.path)")
            print("  key \(bms.publicKey.multikey), counter \(await bms.counter)")
            print("  misbehaviour: \(battery.misbehaviour.rawValue)")
            print(ReadingFiles.summary(state))
        }
    }

    struct Cycle: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Age the pack by N charge/discharge cycles (80 % depth).")
        @OptionGroup var location: Location

        @Argument(help: "How many cycles (1 to 100,000).")
        var count: Int

        func run() async throws {
            let bms = try BMSEmulator.open(at: location.url)
            try await bms.cycle(count)
            if location.json {
                print(await BMSCLI.status(bms).serializedString(pretty: true))
            } else {
                let state = await bms.state
                print("\(count) cycles: \(state.cycleCount) in all, SoH \(String(format: "%.1f", Double(state.stateOfHealthPerMille) / 10)) %")
            }
        }
    }

    struct Misbehave: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make later readings misbehave: replay, reset-counter, rising-soh; none restores honesty.")
        @OptionGroup var location: Location

        @Argument(help: "none, replay, reset-counter or rising-soh.")
        var mode: BMSEmulator.Misbehaviour

        func run() async throws {
            let bms = try BMSEmulator.open(at: location.url)
            try await bms.misbehave(mode)
            if location.json {
                print(await BMSCLI.status(bms).serializedString(pretty: true))
            } else {
                print("misbehaviour: \(mode.rawValue)")
            }
        }
    }
}

extension BMSEmulator.Misbehaviour: ExpressibleByArgument {}

enum BMSCLI {
    /// The BMS as one JSON document.
    static func status(_ bms: BMSEmulator) async -> JSONValue {
        let battery = await bms.battery
        let state = await bms.state
        return [
            "batteryId": .string(battery.batteryID), "directory": .string(bms.directory.path),
            "algorithm": .string(bms.publicKey.algorithm.rawValue), "publicKeyMultibase": .string(bms.publicKey.multikey),
            "did": .string(DIDKey.did(for: bms.publicKey)), "counter": .number(Double(await bms.counter)),
            "misbehaviour": .string(battery.misbehaviour.rawValue), "state": ReadingFiles.json(state),
        ]
    }
}
