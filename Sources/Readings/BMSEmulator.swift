import Encoding
import Foundation
import Identity

/// A battery management system in software, for tests and demos: a pack that ages over simulated
/// cycles and a secure element that signs its readings, as the NFC tap in the specification would.
/// On request it misbehaves the ways the acceptance gates must catch.
///
/// Its state lives in a directory: `secure-element.json` (the key and counter, mode 0600) and
/// `battery.json` (the pack's history and the misbehaviour in force).
public actor BMSEmulator {
    /// Ways to misbehave.
    public enum Misbehaviour: String, Sendable, Codable, CaseIterable {
        /// Honest readings.
        case none
        /// Answer every challenge with the last honest reading (its old challenge and counter).
        case replay
        /// Firmware that numbers readings from 1 again, ignoring the secure element's counter.
        case resetCounter = "reset-counter"
        /// Report a state of health one percentage point above the last reported one at each reading.
        case risingSoH = "rising-soh"
    }

    /// The pack and its history, persisted as `battery.json`.
    public struct Battery: Sendable, Codable, Hashable {
        public var batteryID: String
        public var nominalCapacityMilliampereHours: Int
        /// Cells in series (the pack voltage is this times the cell voltage).
        public var seriesCells: Int
        public var cycleCount: Int
        public var energyThroughputWattHours: Int
        public var stateOfChargePerMille: Int
        public var misbehaviour: Misbehaviour
        /// The counter the reset-counter firmware writes next.
        public var forgedCounter: UInt64
        /// The state of health in the last reading, for the rising-SoH firmware.
        public var lastReportedSoHPerMille: Int?
        /// The last honest reading (hex of its COSE_Sign1), for replay.
        public var lastHonestReading: String?
    }

    /// File names inside the directory.
    public static let secureElementFile = "secure-element.json"
    public static let batteryFile = "battery.json"

    /// The directory holding the state.
    public nonisolated let directory: URL
    /// The secure element's public key: the BMS key registered in the passport.
    public nonisolated let publicKey: PublicKey
    private let secureElement: SoftwareSecureElement
    /// The pack as last persisted.
    public private(set) var battery: Battery

    private init(directory: URL, secureElement: SoftwareSecureElement, battery: Battery) {
        self.directory = directory
        self.secureElement = secureElement
        self.battery = battery
        publicKey = secureElement.verificationKey
    }

    /// Sets up a new BMS in `directory` (created if needed): a fresh pack and a secure element
    /// generating its key inside. Throws `bms_exists` if one is there, `bms_invalid_argument` for
    /// an empty or overlong battery id or a capacity or cell count out of range.
    public static func create(
        at directory: URL, batteryID: String, algorithm: KeyAlgorithm = .ed25519,
        nominalCapacityMilliampereHours: Int = 400_000, seriesCells: Int = 96
    ) throws -> BMSEmulator {
        guard !batteryID.isEmpty, batteryID.utf8.count <= Reading.maximumBatteryIDLength else {
            throw BMSError(.invalidArgument, "the battery id must have 1 to \(Reading.maximumBatteryIDLength) UTF-8 bytes")
        }
        guard (1_000...10_000_000).contains(nominalCapacityMilliampereHours) else {
            throw BMSError(.invalidArgument, "the nominal capacity must be 1 Ah to 10,000 Ah")
        }
        guard (1...400).contains(seriesCells) else { throw BMSError(.invalidArgument, "a pack has 1 to 400 cells in series") }
        let batteryURL = directory.appendingPathComponent(batteryFile)
        let elementURL = directory.appendingPathComponent(secureElementFile)
        for url in [batteryURL, elementURL] where FileManager.default.fileExists(atPath: url.path) {
            throw BMSError(.exists, "\(directory.path) already holds a BMS (\(url.lastPathComponent))")
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw BMSError(.unavailable, "cannot create \(directory.path): \(error.localizedDescription)")
        }
        let battery = Battery(
            batteryID: batteryID, nominalCapacityMilliampereHours: nominalCapacityMilliampereHours, seriesCells: seriesCells,
            cycleCount: 0, energyThroughputWattHours: 0, stateOfChargePerMille: 800, misbehaviour: .none, forgedCounter: 1,
            lastReportedSoHPerMille: nil, lastHonestReading: nil)
        let element = try SoftwareSecureElement.create(algorithm, at: elementURL)
        try save(battery, to: batteryURL)
        return BMSEmulator(directory: directory, secureElement: element, battery: battery)
    }

    /// Opens the BMS in `directory`. Throws `bms_not_initialized` when there is none, `bms_invalid_state`
    /// when its files are damaged.
    public static func open(at directory: URL) throws -> BMSEmulator {
        let batteryURL = directory.appendingPathComponent(batteryFile)
        guard FileManager.default.fileExists(atPath: batteryURL.path) else {
            throw BMSError(.notInitialized, "\(directory.path) holds no BMS; run `voltpass bms init` first")
        }
        let battery: Battery
        do {
            battery = try JSONDecoder().decode(Battery.self, from: Data(contentsOf: batteryURL))
        } catch {
            throw BMSError(.invalidState, "\(batteryURL.path) is not a BMS battery file: \(error)")
        }
        let element: SoftwareSecureElement
        do {
            element = try SoftwareSecureElement.open(at: directory.appendingPathComponent(secureElementFile))
        } catch {
            throw BMSError(.invalidState, "the secure element of \(directory.path) cannot be opened: \(error.message)")
        }
        return BMSEmulator(directory: directory, secureElement: element, battery: battery)
    }

    /// The secure element's counter (the number of signatures it has made).
    public var counter: UInt64 { get async { await secureElement.counter } }

    /// What the sensors measure now, honestly.
    public var state: BatteryState { Self.measure(battery) }

    /// Ages the pack by `count` charge/discharge cycles at 80 % depth of discharge (1 to 100,000).
    public func cycle(_ count: Int) throws {
        guard (1...100_000).contains(count) else { throw BMSError(.invalidArgument, "cycle 1 to 100,000 times at once") }
        var next = battery
        for _ in 0..<count {
            let capacity = Double(Self.measure(next).capacityMilliampereHours) / 1000
            let energy = 0.8 * capacity * Self.nominalCellVoltage * Double(next.seriesCells)
            next.energyThroughputWattHours += Int(energy.rounded())
            next.cycleCount += 1
        }
        next.stateOfChargePerMille = 800
        try commit(next)
    }

    /// Switches the misbehaviour in force.
    public func misbehave(_ misbehaviour: Misbehaviour) throws {
        var next = battery
        next.misbehaviour = misbehaviour
        if misbehaviour == .resetCounter { next.forgedCounter = 1 }
        try commit(next)
    }

    /// Answers a challenge (the 32-byte commitment transaction hash) with a signed reading, honest or
    /// not as set by `misbehave`. Throws `bms_invalid_argument` for a challenge of another size and
    /// `bms_nothing_to_replay` when asked to replay before any honest reading.
    public func read(challenge: [UInt8]) async throws -> SignedReading {
        guard challenge.count == Reading.challengeLength else {
            throw BMSError(.invalidArgument, "a challenge has \(Reading.challengeLength) bytes, not \(challenge.count)")
        }
        var next = battery
        var state = Self.measure(battery)
        let signed: SignedReading
        switch battery.misbehaviour {
        case .none:
            signed = try await SignedReading.sign(
                batteryID: battery.batteryID, challenge: challenge, state: state, secureElement: secureElement)
            next.lastHonestReading = Hex.encode(signed.encoded)
        case .replay:
            guard let old = battery.lastHonestReading, let bytes = try? Hex.decode(old) else {
                throw BMSError(.nothingToReplay, "there is no honest reading to replay yet")
            }
            signed = try SignedReading(decoding: bytes)
        case .resetCounter:
            let reading = Reading(batteryID: battery.batteryID, challenge: challenge, counter: battery.forgedCounter, state: state)
            signed = try await SignedReading.sign(reading, signer: secureElement)
            next.forgedCounter += 1
        case .risingSoH:
            let soh = min((battery.lastReportedSoHPerMille ?? state.stateOfHealthPerMille) + 10, 1_200)
            state.stateOfHealthPerMille = soh
            state.capacityMilliampereHours = state.nominalCapacityMilliampereHours * soh / 1000
            signed = try await SignedReading.sign(
                batteryID: battery.batteryID, challenge: challenge, state: state, secureElement: secureElement)
        }
        next.lastReportedSoHPerMille = signed.reading.state.stateOfHealthPerMille
        try commit(next)
        return signed
    }

    private func commit(_ next: Battery) throws {
        try Self.save(next, to: directory.appendingPathComponent(Self.batteryFile))
        battery = next
    }

    private static func save(_ battery: Battery, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(battery).write(to: url, options: .atomic)
        } catch {
            throw BMSError(.unavailable, "cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    // MARK: - The pack model

    static let nominalCellVoltage = 3.7

    /// State of health from equivalent full cycles (a square-root fade, as solid-electrolyte
    /// interphase growth gives) plus a small per-cycle term: about 90 % after 1,000 cycles at 80 %
    /// depth, 80 % after 3,000. Voltage from a linear open-circuit curve of an NMC cell (3.2 V empty,
    /// 4.15 V full) sagging as the cell ages; temperatures warming slightly with age.
    static func measure(_ battery: Battery) -> BatteryState {
        let packKilowattHours = Double(battery.nominalCapacityMilliampereHours) / 1_000_000 * nominalCellVoltage
            * Double(battery.seriesCells)
        let fullCycles = Double(battery.energyThroughputWattHours) / 1000 / packKilowattHours
        let fade = 3.0 * fullCycles.squareRoot() + 0.02 * Double(battery.cycleCount)
        let soh = max(0, 1000 - Int(fade.rounded()))
        let soc = Double(battery.stateOfChargePerMille) / 1000
        let cellVolts = 3.2 + 0.95 * soc - 0.05 * (1 - Double(soh) / 1000)
        let warming = min(battery.cycleCount / 100, 300)
        let minimum = 2150 + warming
        return BatteryState(
            stateOfHealthPerMille: soh, stateOfChargePerMille: battery.stateOfChargePerMille,
            cycleCount: battery.cycleCount,
            capacityMilliampereHours: battery.nominalCapacityMilliampereHours * soh / 1000,
            nominalCapacityMilliampereHours: battery.nominalCapacityMilliampereHours,
            voltageMillivolts: Int((cellVolts * Double(battery.seriesCells) * 1000).rounded()), currentMilliamperes: 0,
            minimumTemperatureCentidegrees: minimum, maximumTemperatureCentidegrees: minimum + 150 + warming / 2,
            energyThroughputWattHours: battery.energyThroughputWattHours)
    }
}

/// A BMS emulator failure: a stable code plus what was wrong.
public struct BMSError: CodedError, Hashable {
    /// What went wrong; `rawValue` is the stable code.
    public enum Kind: String, Sendable, CaseIterable {
        /// The directory holds no BMS.
        case notInitialized = "bms_not_initialized"
        /// The directory already holds a BMS.
        case exists = "bms_exists"
        /// The BMS files are damaged.
        case invalidState = "bms_invalid_state"
        /// A bad argument (challenge size, cycle count, battery id, capacity).
        case invalidArgument = "bms_invalid_argument"
        /// Replay was asked for before any honest reading.
        case nothingToReplay = "bms_nothing_to_replay"
        /// The directory or a file cannot be written.
        case unavailable = "bms_unavailable"
    }

    public let kind: Kind
    public let message: String

    public var code: String { kind.rawValue }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
