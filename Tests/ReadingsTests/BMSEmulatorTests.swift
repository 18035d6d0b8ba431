import Encoding
import Foundation
import Identity
import Readings
import Testing

@Suite struct BMSEmulatorTests {
    static let challengeA: [UInt8] = Array(repeating: 0xA1, count: 32)
    static let challengeB: [UInt8] = Array(repeating: 0xB2, count: 32)

    @Test(arguments: KeyAlgorithm.allCases)
    func honestReadingsAnswerTheChallenge(algorithm: KeyAlgorithm) async throws {
        let directory = try TemporaryDirectory()
        let bms = try BMSEmulator.create(at: directory.url, batteryID: "urn:test:pack-1", algorithm: algorithm)
        let first = try await bms.read(challenge: Self.challengeA)
        let second = try await bms.read(challenge: Self.challengeB)
        for (signed, challenge, counter) in [(first, Self.challengeA, UInt64(1)), (second, Self.challengeB, 2)] {
            let verified = try SignedReading.verify(signed.encoded, key: bms.publicKey)
            #expect(verified.reading.challenge == challenge)
            #expect(verified.reading.counter == counter)
            #expect(verified.reading.batteryID == "urn:test:pack-1")
        }
        #expect(first.reading.state.stateOfHealthPerMille == 1000)
        // State survives reopening, the key and the counter too.
        let reopened = try BMSEmulator.open(at: directory.url)
        #expect(reopened.publicKey == bms.publicKey)
        #expect(await reopened.counter == 2)
        #expect(try await reopened.read(challenge: Self.challengeA).reading.counter == 3)
    }

    @Test func agesPlausibly() async throws {
        let directory = try TemporaryDirectory()
        let bms = try BMSEmulator.create(at: directory.url, batteryID: "urn:test:pack-2")
        var previous = await bms.state
        for _ in 0..<6 {
            try await bms.cycle(500)
            let state = await bms.state
            try state.checkRanges()
            #expect(state.stateOfHealthPerMille < previous.stateOfHealthPerMille)
            #expect(state.cycleCount == previous.cycleCount + 500)
            #expect(state.energyThroughputWattHours > previous.energyThroughputWattHours)
            #expect(state.capacityMilliampereHours < previous.capacityMilliampereHours)
            previous = state
        }
        // About 90 % after 1,000 cycles and 80 % after 3,000, as the model promises.
        #expect((760...850).contains(previous.stateOfHealthPerMille), "\(previous.stateOfHealthPerMille)")
        let voltage = Double(previous.voltageMillivolts) / 96_000
        #expect((3.0...4.2).contains(voltage))
        #expect(previous.minimumTemperatureCentidegrees < previous.maximumTemperatureCentidegrees)
    }

    @Test func replayReturnsTheOldReading() async throws {
        let directory = try TemporaryDirectory()
        let bms = try BMSEmulator.create(at: directory.url, batteryID: "urn:test:pack-3")
        try await bms.misbehave(.replay)
        #expect((await #expect(throws: BMSError.self) { _ = try await bms.read(challenge: Self.challengeA) })?.kind == .nothingToReplay)
        try await bms.misbehave(.none)
        let honest = try await bms.read(challenge: Self.challengeA)
        try await bms.cycle(1000)
        try await bms.misbehave(.replay)
        let replayed = try await bms.read(challenge: Self.challengeB)
        #expect(replayed.encoded == honest.encoded)
        #expect(replayed.reading.challenge != Self.challengeB)
    }

    @Test func resetCounterGoesBackwardsButStaysValidlySigned() async throws {
        let directory = try TemporaryDirectory()
        let bms = try BMSEmulator.create(at: directory.url, batteryID: "urn:test:pack-4", algorithm: .p256)
        for _ in 0..<3 { _ = try await bms.read(challenge: Self.challengeA) }
        try await bms.misbehave(.resetCounter)
        let forged = try await bms.read(challenge: Self.challengeB)
        let next = try await bms.read(challenge: Self.challengeB)
        #expect(forged.reading.counter == 1)
        #expect(next.reading.counter == 2)
        _ = try SignedReading.verify(forged.encoded, key: bms.publicKey)
        // The secure element's own counter never went back.
        #expect(await bms.counter == 5)
    }

    @Test func risingSoHClimbs() async throws {
        let directory = try TemporaryDirectory()
        let bms = try BMSEmulator.create(at: directory.url, batteryID: "urn:test:pack-5")
        try await bms.cycle(2000)
        let honest = try await bms.read(challenge: Self.challengeA).reading.state.stateOfHealthPerMille
        try await bms.misbehave(.risingSoH)
        let first = try await bms.read(challenge: Self.challengeB).reading.state
        let second = try await bms.read(challenge: Self.challengeB).reading.state
        #expect(first.stateOfHealthPerMille == honest + 10)
        #expect(second.stateOfHealthPerMille == honest + 20)
        try second.checkRanges()
    }

    @Test func badInputHasCodes() async throws {
        let directory = try TemporaryDirectory()
        #expect((#expect(throws: BMSError.self) { try BMSEmulator.open(at: directory.url) })?.kind == .notInitialized)
        #expect((#expect(throws: BMSError.self) { try BMSEmulator.create(at: directory.url, batteryID: "") })?.kind == .invalidArgument)
        let bms = try BMSEmulator.create(at: directory.url, batteryID: "urn:test:pack-6")
        #expect((#expect(throws: BMSError.self) { try BMSEmulator.create(at: directory.url, batteryID: "x") })?.kind == .exists)
        #expect((await #expect(throws: BMSError.self) { _ = try await bms.read(challenge: [1, 2]) })?.kind == .invalidArgument)
        #expect((await #expect(throws: BMSError.self) { try await bms.cycle(0) })?.kind == .invalidArgument)
        #expect(await bms.counter == 0)
        try Data("{".utf8).write(to: directory.url.appendingPathComponent(BMSEmulator.batteryFile))
        #expect((#expect(throws: BMSError.self) { try BMSEmulator.open(at: directory.url) })?.kind == .invalidState)
    }
}
