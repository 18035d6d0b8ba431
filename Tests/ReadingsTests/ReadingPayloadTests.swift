import Encoding
import Foundation
import Readings
import Testing
import VectorSupport

@Suite struct ReadingPayloadTests {
    @Test func roundTrip() throws {
        let reading = ReadingFixtures.reading()
        let payload = try reading.payload()
        #expect(try Reading(payload: payload) == reading)
        // Negative values (discharging current, frost) survive too.
        var cold = ReadingFixtures.state
        cold.currentMilliamperes = -125_500
        cold.minimumTemperatureCentidegrees = -1_850
        let coldReading = ReadingFixtures.reading(counter: 1, state: cold)
        #expect(try Reading(payload: try coldReading.payload()) == coldReading)
    }

    /// The example in docs/readings.md, byte for byte.
    @Test func documentedExample() throws {
        let hex = Vectors.hex(try ReadingFixtures.reading().payload())
        #expect(
            hex == "ae000101782575726e3a65756470703a626174746572793a64653a6578616d706c653a323032343a303031025820"
                + "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0319131b04190370051902d0061904df"
                + "071a00055f00081a00061a80091a0005f0500a000b1908980c1909c40d1a02e7ddb0")
    }

    /// cbor2 (independent) decodes our payload to the same values and re-encodes it canonically to the
    /// same bytes, so the encoding is deterministic by someone else's rules too.
    @Test(.enabled(if: ReferencePython.canImport("cbor2") || Vectors.required, "cbor2 not installed"))
    func cbor2DecodesThePayload() throws {
        var state = ReadingFixtures.state
        state.currentMilliamperes = -42_000
        let payload = try ReadingFixtures.reading(state: state).payload()
        let run = try ReferencePython.run(
            """
            import sys, cbor2, json
            data = bytes.fromhex(sys.stdin.read())
            item = cbor2.loads(data)
            print(json.dumps({str(k): (v.hex() if isinstance(v, bytes) else v) for k, v in item.items()}, sort_keys=True))
            print(cbor2.dumps(dict(item), canonical=True) == data)
            """, input: Hex.encode(payload))
        #expect(run.lines.count == 2, "\(run.error)")
        let decoded = try #require(
            try JSONSerialization.jsonObject(with: Data((run.lines.first ?? "").utf8)) as? [String: Any])
        #expect(decoded["0"] as? Int == 1)
        #expect(decoded["1"] as? String == ReadingFixtures.batteryID)
        #expect(decoded["2"] as? String == Vectors.hex(ReadingFixtures.challenge))
        #expect(decoded["3"] as? Int == 4891)
        #expect(decoded["4"] as? Int == 880)
        #expect(decoded["5"] as? Int == 720)
        #expect(decoded["6"] as? Int == 1247)
        #expect(decoded["7"] as? Int == 352_000)
        #expect(decoded["8"] as? Int == 400_000)
        #expect(decoded["9"] as? Int == 389_200)
        #expect(decoded["10"] as? Int == -42_000)
        #expect(decoded["11"] as? Int == 2200)
        #expect(decoded["12"] as? Int == 2500)
        #expect(decoded["13"] as? Int == 48_750_000)
        #expect(decoded.count == 14)
        #expect(run.lines.last == "True")
    }

    @Test func decodeErrorsHaveCodes() throws {
        let good = try ReadingFixtures.reading().payload()
        func kind(_ bytes: [UInt8]) -> ReadingError.Kind? {
            (#expect(throws: ReadingError.self) { try Reading(payload: bytes) })?.kind
        }
        func payload(_ edit: (inout [CBOR.Pair]) -> Void) throws -> [UInt8] {
            var pairs = try #require(try CBOR.decode(good).mapValue)
            edit(&pairs)
            return try CBOR.map(pairs).encode()
        }
        #expect(kind([]) == .malformed)
        #expect(kind([0xff]) == .malformed)
        #expect(kind(Array(good.dropLast())) == .malformed)
        #expect(kind(good + [0x00]) == .malformed)
        #expect(kind([0x80]) == .malformed)
        // Not deterministic: the map head in a longer form than needed.
        #expect(kind([0xB8, 0x0E] + good.dropFirst()) == .malformed)
        #expect(kind(try payload { $0[0].value = 2 }) == .unsupportedVersion)
        #expect(kind(try payload { $0.removeLast() }) == .missingField)
        #expect(kind(try payload { $0.append(.init(14, 0)) }) == .unknownField)
        #expect(kind(try payload { $0.append(.init("note", 0)) }) == .unknownField)
        #expect(kind(try payload { $0[1].value = .bytes([1]) }) == .invalidField)
        #expect(kind(try payload { $0[1].value = "" }) == .invalidField)
        #expect(kind(try payload { $0[2].value = .bytes([1, 2, 3]) }) == .invalidField)
        #expect(kind(try payload { $0[3].value = -1 }) == .invalidField)
        #expect(kind(try payload { $0[4].value = 88.5 }) == .invalidField)
        #expect(kind(try payload { $0[9].value = .unsigned(UInt64.max) }) == .invalidField)
        // Writing refuses the same mistakes.
        var short = ReadingFixtures.reading()
        short.challenge = [1]
        #expect((#expect(throws: ReadingError.self) { try short.payload() })?.kind == .invalidField)
    }

    @Test func rangesAreChecked() throws {
        try ReadingFixtures.state.checkRanges()
        let edits: [(String, (inout BatteryState) -> Void)] = [
            ("soh", { $0.stateOfHealthPerMille = 1_201 }), ("soh", { $0.stateOfHealthPerMille = -1 }),
            ("soc", { $0.stateOfChargePerMille = 1_001 }), ("cycle", { $0.cycleCount = -5 }),
            ("nominal", { $0.nominalCapacityMilliampereHours = 0 }), ("voltage", { $0.voltageMillivolts = -1 }),
            ("voltage", { $0.voltageMillivolts = 2_000_001 }), ("current", { $0.currentMilliamperes = 10_000_001 }),
            ("minimum", { $0.minimumTemperatureCentidegrees = -6_001 }),
            ("maximum", { $0.maximumTemperatureCentidegrees = 15_001 }),
            ("above maximum", { $0.minimumTemperatureCentidegrees = 2_600 }),
            ("120 %", { $0.capacityMilliampereHours = 480_001 }), ("throughput", { $0.energyThroughputWattHours = -1 }),
        ]
        for (name, edit) in edits {
            var state = ReadingFixtures.state
            edit(&state)
            let error = #expect(throws: ReadingError.self) { try state.checkRanges() }
            #expect(error?.kind == .outOfRange)
            #expect(error?.message.contains(name) == true, "\(error?.message ?? "")")
        }
        var full = ReadingFixtures.state
        full.capacityMilliampereHours = 480_000
        try full.checkRanges()
    }
}
