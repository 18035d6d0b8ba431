import Identity
import Readings

extension Suite {
    /// Signed BMS readings verified per second (COSE_Sign1 decode, signature, payload decode, range
    /// checks), per algorithm; the target is ≥ 8,000/s for Ed25519 on 2 cores.
    static let readings: [Suite] = KeyAlgorithm.allCases.flatMap { algorithm in
        [
            Suite(name: "readings.verify.\(algorithm.rawValue.lowercased())") { seconds in
                let (bytes, key) = try await signedReading(algorithm)
                return try await measure("readings.verify \(algorithm.rawValue) (\(bytes.count) B)", minimumSeconds: seconds) {
                    Int(try SignedReading.verify(bytes, key: key).reading.counter)
                }
            },
            Suite(name: "readings.verify.\(algorithm.rawValue.lowercased())-2-tasks") { seconds in
                let (bytes, key) = try await signedReading(algorithm)
                // Two verifications at once, one per core: each operation here is a pair.
                return try await measure("readings.verify \(algorithm.rawValue), 2 tasks (pairs)", minimumSeconds: seconds) {
                    async let first = SignedReading.verify(bytes, key: key).reading.counter
                    async let second = SignedReading.verify(bytes, key: key).reading.counter
                    return Int(try await first + second)
                }
            },
        ]
    }

    private static func signedReading(_ algorithm: KeyAlgorithm) async throws -> ([UInt8], PublicKey) {
        let signer = SoftwareSigner.generate(algorithm)
        let state = BatteryState(
            stateOfHealthPerMille: 880, stateOfChargePerMille: 720, cycleCount: 1247, capacityMilliampereHours: 352_000,
            nominalCapacityMilliampereHours: 400_000, voltageMillivolts: 389_200, currentMilliamperes: 0,
            minimumTemperatureCentidegrees: 2200, maximumTemperatureCentidegrees: 2500, energyThroughputWattHours: 48_750_000)
        let reading = Reading(
            batteryID: "urn:eudpp:battery:de:example:2024:001", challenge: Array(repeating: 0x5B, count: 32), counter: 4891,
            state: state)
        return (try await SignedReading.sign(reading, signer: signer).encoded, signer.verificationKey)
    }
}
