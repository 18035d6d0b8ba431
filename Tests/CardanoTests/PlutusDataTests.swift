import Cardano
import Encoding
import Testing
import VectorSupport

/// Decoder and encoder behaviour that the vectors do not pin down: forms the ledger accepts, inputs it
/// rejects, and integer conversions.
@Suite struct PlutusDataTests {
    private func decode(_ hex: String) throws -> PlutusData {
        try PlutusData(cbor: try #require(Vectors.bytes(hex: hex)))
    }

    private func code(_ hex: String) -> String? {
        do {
            _ = try decode(hex)
            return nil
        } catch let error as CardanoError {
            return error.code
        } catch {
            return "other"
        }
    }

    @Test func acceptsDefiniteAndIndefiniteForms() throws {
        let canonical = try decode("d8799f0102ff")
        #expect(try decode("d879820102") == canonical)
        #expect(try decode("9f0102ff") == decode("820102"))
        #expect(try decode("bf0102ff") == decode("a10102"))
        #expect(try decode("d866820780") == .constr(7, []))  // tag 102 for a small index is accepted too
        #expect(try decode("d8669f188080ff") == .constr(128, []))  // indefinite [index, fields]
        #expect(try decode("1a00000005") == .int(5))  // non-shortest head
        #expect(try decode("5f4101ff") == .bytes([1]))
        #expect(canonical.cborBytes == Vectors.bytes(hex: "d8799f0102ff"))
    }

    @Test func rejectsWhatTheLedgerRejects() throws {
        #expect(code("5841" + String(repeating: "00", count: 65)) == "plutus_data_bytes_too_long")
        #expect(code("5f5841" + String(repeating: "00", count: 65) + "ff") == "plutus_data_bytes_too_long")
        #expect(code("6161") == "plutus_data_invalid")  // text
        #expect(code("f5") == "plutus_data_invalid")  // true
        #expect(code("d87b01") == "plutus_data_invalid")  // constr fields not an array
        #expect(code("c1") == "plutus_data_invalid")  // tag 1 is not Plutus data
        #expect(code("d9") == "cardano_malformed_cbor")  // truncated head
        #expect(code("01ff") == "plutus_data_invalid")  // trailing byte
        #expect(code("9f01") == "cardano_malformed_cbor")  // no break
        #expect(code("9bffffffffffffffff") == "cardano_malformed_cbor")  // huge count
        #expect(code(String(repeating: "81", count: 200) + "00") == "plutus_data_too_deep")
        #expect(code("d87a") == "cardano_malformed_cbor")
        // The lenient mode (for tools that write long definite strings) accepts what the ledger would not.
        let long = try #require(Vectors.bytes(hex: "5841" + String(repeating: "00", count: 65)))
        #expect((try? PlutusData(cbor: long, allowingLongByteStrings: true)) == .bytes([UInt8](repeating: 0, count: 65)))
    }

    @Test func integersRoundTripThroughDecimal() throws {
        for text in ["0", "1", "-1", "255", "256", "-256", "-257", "18446744073709551615", "18446744073709551616",
            "-18446744073709551616", "-18446744073709551617", "-340282366920938463463374607431768211457"]
        {
            let integer = try #require(PlutusInteger(decimal: text))
            #expect(integer.description == text)
            let data = PlutusData.integer(integer)
            #expect(try PlutusData(cbor: data.cborBytes) == data)
        }
        #expect(PlutusInteger(decimal: "-18446744073709551616") == PlutusInteger(isNegative: true, magnitude: [UInt8](repeating: 0xff, count: 8)))
        #expect(PlutusInteger(Int64.min).description == "-9223372036854775808")
        #expect(PlutusInteger(decimal: "12a") == nil)
        #expect(PlutusInteger(decimal: "-") == nil)
        let below = try #require(PlutusInteger(decimal: "-18446744073709551617"))
        #expect(Vectors.hex(PlutusData.integer(below).cborBytes) == "c349010000000000000000")
    }
}
