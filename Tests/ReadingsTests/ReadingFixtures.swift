import Readings

/// The reading of the specification's example (signed-bms-readings.txt), in our units.
enum ReadingFixtures {
    static let batteryID = "urn:eudpp:battery:de:example:2024:001"
    static let challenge: [UInt8] = (0..<32).map { UInt8($0) }

    static let state = BatteryState(
        stateOfHealthPerMille: 880, stateOfChargePerMille: 720, cycleCount: 1247, capacityMilliampereHours: 352_000,
        nominalCapacityMilliampereHours: 400_000, voltageMillivolts: 389_200, currentMilliamperes: 0,
        minimumTemperatureCentidegrees: 2200, maximumTemperatureCentidegrees: 2500, energyThroughputWattHours: 48_750_000)

    static func reading(counter: UInt64 = 4891, state: BatteryState = state) -> Reading {
        Reading(batteryID: batteryID, challenge: challenge, counter: counter, state: state)
    }
}
