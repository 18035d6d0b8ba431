import Encoding

/// The battery state a BMS reports, in fixed-point integer units so the encoding is exact and
/// deterministic (see docs/readings.md for the CDDL).
public struct BatteryState: Sendable, Hashable, Codable {
    /// State of health, per mille of the nominal capacity (885 = 88.5 %).
    public var stateOfHealthPerMille: Int
    /// State of charge, per mille (720 = 72.0 %).
    public var stateOfChargePerMille: Int
    /// Full equivalent charge cycles counted by the BMS.
    public var cycleCount: Int
    /// The present usable capacity, mAh.
    public var capacityMilliampereHours: Int
    /// The rated capacity, mAh.
    public var nominalCapacityMilliampereHours: Int
    /// Pack voltage, mV.
    public var voltageMillivolts: Int
    /// Pack current, mA: positive while charging, negative while discharging.
    public var currentMilliamperes: Int
    /// Lowest cell temperature, hundredths of a degree Celsius.
    public var minimumTemperatureCentidegrees: Int
    /// Highest cell temperature, hundredths of a degree Celsius.
    public var maximumTemperatureCentidegrees: Int
    /// Energy discharged over the battery's life, Wh.
    public var energyThroughputWattHours: Int

    /// A state with every value given.
    public init(
        stateOfHealthPerMille: Int, stateOfChargePerMille: Int, cycleCount: Int, capacityMilliampereHours: Int,
        nominalCapacityMilliampereHours: Int, voltageMillivolts: Int, currentMilliamperes: Int,
        minimumTemperatureCentidegrees: Int, maximumTemperatureCentidegrees: Int, energyThroughputWattHours: Int
    ) {
        self.stateOfHealthPerMille = stateOfHealthPerMille
        self.stateOfChargePerMille = stateOfChargePerMille
        self.cycleCount = cycleCount
        self.capacityMilliampereHours = capacityMilliampereHours
        self.nominalCapacityMilliampereHours = nominalCapacityMilliampereHours
        self.voltageMillivolts = voltageMillivolts
        self.currentMilliamperes = currentMilliamperes
        self.minimumTemperatureCentidegrees = minimumTemperatureCentidegrees
        self.maximumTemperatureCentidegrees = maximumTemperatureCentidegrees
        self.energyThroughputWattHours = energyThroughputWattHours
    }

    /// The physical ranges every reading must respect; no history is needed to check them.
    public enum Limits {
        /// 0–120 % (new cells often exceed their rating slightly).
        public static let stateOfHealthPerMille = 0...1_200
        public static let stateOfChargePerMille = 0...1_000
        public static let cycleCount = 0...1_000_000
        /// Up to 100,000 Ah (large stationary storage).
        public static let capacityMilliampereHours = 0...100_000_000
        public static let nominalCapacityMilliampereHours = 1...100_000_000
        /// Up to 2,000 V.
        public static let voltageMillivolts = 0...2_000_000
        /// ±10,000 A.
        public static let currentMilliamperes = -10_000_000...10_000_000
        /// −60 °C to +150 °C.
        public static let temperatureCentidegrees = -6_000...15_000
        /// Up to 1 TWh.
        public static let energyThroughputWattHours = 0...1_000_000_000_000
    }

    /// Checks every value against `Limits`, the capacity against 120 % of nominal and the minimum
    /// temperature against the maximum. Throws `reading_out_of_range` naming the first offending value.
    public func checkRanges() throws(ReadingError) {
        func check(_ value: Int, _ range: ClosedRange<Int>, _ name: String) throws(ReadingError) {
            guard range.contains(value) else {
                throw ReadingError(.outOfRange, "\(name) \(value) is outside \(range.lowerBound)...\(range.upperBound)")
            }
        }
        try check(stateOfHealthPerMille, Limits.stateOfHealthPerMille, "soh (per mille)")
        try check(stateOfChargePerMille, Limits.stateOfChargePerMille, "soc (per mille)")
        try check(cycleCount, Limits.cycleCount, "cycle count")
        try check(capacityMilliampereHours, Limits.capacityMilliampereHours, "capacity (mAh)")
        try check(nominalCapacityMilliampereHours, Limits.nominalCapacityMilliampereHours, "nominal capacity (mAh)")
        try check(voltageMillivolts, Limits.voltageMillivolts, "voltage (mV)")
        try check(currentMilliamperes, Limits.currentMilliamperes, "current (mA)")
        try check(minimumTemperatureCentidegrees, Limits.temperatureCentidegrees, "minimum temperature (c°C)")
        try check(maximumTemperatureCentidegrees, Limits.temperatureCentidegrees, "maximum temperature (c°C)")
        try check(energyThroughputWattHours, Limits.energyThroughputWattHours, "energy throughput (Wh)")
        guard minimumTemperatureCentidegrees <= maximumTemperatureCentidegrees else {
            throw ReadingError(
                .outOfRange,
                "minimum temperature \(minimumTemperatureCentidegrees) is above maximum \(maximumTemperatureCentidegrees) (c°C)")
        }
        guard capacityMilliampereHours <= nominalCapacityMilliampereHours / 5 * 6 else {
            throw ReadingError(
                .outOfRange,
                "capacity \(capacityMilliampereHours) mAh exceeds 120 % of the nominal \(nominalCapacityMilliampereHours) mAh")
        }
    }
}

/// What a BMS signs: the battery, the challenge it answers, its secure element's counter and the
/// state. Serialized as a deterministic CBOR map with small integer keys (docs/readings.md).
public struct Reading: Sendable, Hashable {
    /// The payload format version this implementation writes and reads.
    public static let version = 1
    /// The size of a challenge: a 32-byte transaction hash.
    public static let challengeLength = 32
    /// The longest battery identifier accepted, in UTF-8 bytes.
    public static let maximumBatteryIDLength = 256

    /// The battery's identifier (a URN or GS1 Digital Link URI).
    public var batteryID: String
    /// The challenge: the hash of the commitment transaction the reading answers.
    public var challenge: [UInt8]
    /// The secure element's monotonic counter at this signature.
    public var counter: UInt64
    /// The measured state.
    public var state: BatteryState

    /// A reading as given.
    public init(batteryID: String, challenge: [UInt8], counter: UInt64, state: BatteryState) {
        self.batteryID = batteryID
        self.challenge = challenge
        self.counter = counter
        self.state = state
    }

    /// Map keys (docs/readings.md).
    enum Key: Int, CaseIterable {
        case version = 0, batteryID, challenge, counter, stateOfHealth, stateOfCharge, cycleCount, capacity,
            nominalCapacity, voltage, current, minimumTemperature, maximumTemperature, energyThroughput
    }

    /// The payload: a CBOR map in Core Deterministic Encoding (RFC 8949 §4.2.1). Throws
    /// `reading_invalid_field` when the battery id or challenge has the wrong size; ranges are not
    /// checked here (a misbehaving BMS may sign anything).
    public func payload() throws(ReadingError) -> [UInt8] {
        try checkIdentifiers()
        let s = state
        let entries: [(Key, CBOR)] = [
            (.version, CBOR(Self.version)), (.batteryID, .text(batteryID)), (.challenge, .bytes(challenge)),
            (.counter, .unsigned(counter)), (.stateOfHealth, CBOR(s.stateOfHealthPerMille)),
            (.stateOfCharge, CBOR(s.stateOfChargePerMille)), (.cycleCount, CBOR(s.cycleCount)),
            (.capacity, CBOR(s.capacityMilliampereHours)), (.nominalCapacity, CBOR(s.nominalCapacityMilliampereHours)),
            (.voltage, CBOR(s.voltageMillivolts)), (.current, CBOR(s.currentMilliamperes)),
            (.minimumTemperature, CBOR(s.minimumTemperatureCentidegrees)),
            (.maximumTemperature, CBOR(s.maximumTemperatureCentidegrees)),
            (.energyThroughput, CBOR(s.energyThroughputWattHours)),
        ]
        // Integer keys 0...13 in order are already in bytewise order of their encodings.
        do {
            return try CBOR.map(entries.map { CBOR.Pair(CBOR($0.0.rawValue), $0.1) }).encode()
        } catch {
            throw ReadingError(.invalidField, "the reading cannot be encoded: \(error.message)")
        }
    }

    /// Decodes a payload. It must be one CBOR map in Core Deterministic Encoding with exactly the
    /// keys of version 1, each of its type: `reading_malformed`, `reading_unsupported_version`,
    /// `reading_missing_field`, `reading_unknown_field`, `reading_invalid_field`. Ranges are checked
    /// separately (`BatteryState.checkRanges()`).
    public init(payload: [UInt8]) throws(ReadingError) {
        let item: CBOR
        do {
            item = try CBOR.decode(payload, options: CBORDecodingOptions(rules: .deterministic, maxDepth: 4, maxItems: 64))
        } catch {
            throw ReadingError(.malformed, "the payload is not deterministic CBOR: \(error.message)")
        }
        guard let pairs = item.mapValue else { throw ReadingError(.malformed, "the payload is not a CBOR map") }
        var fields: [Key: CBOR] = [:]
        for pair in pairs {
            guard let number = pair.key.intValue, let key = Key(rawValue: Int(truncatingIfNeeded: number)),
                Int64(key.rawValue) == number
            else {
                throw ReadingError(.unknownField, "the payload has the unknown key \(pair.key)")
            }
            fields[key] = pair.value
        }
        if let missing = Key.allCases.first(where: { fields[$0] == nil }) {
            throw ReadingError(.missingField, "the payload has no \(missing.name) (key \(missing.rawValue))")
        }
        func integer(_ key: Key) throws(ReadingError) -> Int {
            guard let value = fields[key]?.intValue else {
                throw ReadingError(.invalidField, "\(key.name) (key \(key.rawValue)) is not an integer within 64 bits")
            }
            return Int(value)
        }
        let version = try integer(.version)
        guard version == Self.version else {
            throw ReadingError(.unsupportedVersion, "payload version \(version) is not \(Self.version)")
        }
        guard let batteryID = fields[.batteryID]?.textValue else {
            throw ReadingError(.invalidField, "battery id (key 1) is not a text string")
        }
        guard let challenge = fields[.challenge]?.bytesValue else {
            throw ReadingError(.invalidField, "challenge (key 2) is not a byte string")
        }
        guard let counter = fields[.counter]?.uint64Value else {
            throw ReadingError(.invalidField, "counter (key 3) is not an unsigned integer")
        }
        let state = BatteryState(
            stateOfHealthPerMille: try integer(.stateOfHealth), stateOfChargePerMille: try integer(.stateOfCharge),
            cycleCount: try integer(.cycleCount), capacityMilliampereHours: try integer(.capacity),
            nominalCapacityMilliampereHours: try integer(.nominalCapacity), voltageMillivolts: try integer(.voltage),
            currentMilliamperes: try integer(.current), minimumTemperatureCentidegrees: try integer(.minimumTemperature),
            maximumTemperatureCentidegrees: try integer(.maximumTemperature),
            energyThroughputWattHours: try integer(.energyThroughput))
        self.init(batteryID: batteryID, challenge: challenge, counter: counter, state: state)
        try checkIdentifiers()
    }

    private func checkIdentifiers() throws(ReadingError) {
        guard challenge.count == Self.challengeLength else {
            throw ReadingError(.invalidField, "the challenge has \(challenge.count) bytes, not \(Self.challengeLength)")
        }
        guard !batteryID.isEmpty, batteryID.utf8.count <= Self.maximumBatteryIDLength else {
            throw ReadingError(.invalidField, "the battery id must have 1 to \(Self.maximumBatteryIDLength) UTF-8 bytes")
        }
    }
}

extension Reading.Key {
    var name: String {
        switch self {
        case .version: "version"
        case .batteryID: "battery id"
        case .challenge: "challenge"
        case .counter: "counter"
        case .stateOfHealth: "soh"
        case .stateOfCharge: "soc"
        case .cycleCount: "cycle count"
        case .capacity: "capacity"
        case .nominalCapacity: "nominal capacity"
        case .voltage: "voltage"
        case .current: "current"
        case .minimumTemperature: "minimum temperature"
        case .maximumTemperature: "maximum temperature"
        case .energyThroughput: "energy throughput"
        }
    }
}
