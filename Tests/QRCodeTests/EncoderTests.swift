import Foundation
import QRCode
import Testing
import VectorSupport

/// Mode choice, segmentation and typed errors for bad input.
@Suite struct EncoderTests {
    @Test func picksTheNarrowestSingleMode() throws {
        #expect(try QRCode("0123456789").segments == [try .numeric("0123456789")])
        #expect(try QRCode("VOLTPASS-42").segments == [try .alphanumeric("VOLTPASS-42")])
        #expect(try QRCode("voltpass").segments == [.text("voltpass")])
        #expect(try QRCode("Zelle ≤ 3,2 V").segments == [.bytes(Array("Zelle ≤ 3,2 V".utf8))])
    }

    /// An upper-case Digital Link path goes in alphanumeric mode, the token in byte mode, which is
    /// shorter than one byte segment; in the lower-case URL only the 14-digit GTIN leaves byte mode.
    @Test func splitsAnUpperCaseDigitalLinkURL() throws {
        let path = "HTTPS://VOLTPASS.EXAMPLE/01/09506000134352/21/ABC123"
        let url = path + "?t=" + TokenFixture.token
        let mixed = try QRCode(url, errorCorrection: .medium)
        #expect(mixed.segments.first == (try .alphanumeric(path)))
        #expect(mixed.segments.dropFirst().allSatisfy { $0.mode == .byte })
        #expect(mixed.segments.flatMap(\.data) == Array(url.utf8))
        let single = try QRCode(segments: [.text(url)], errorCorrection: .medium)
        #expect(mixed.version <= single.version)
        let lower = "https://voltpass.example/01/09506000134352/21/abc123?t=" + TokenFixture.token
        #expect(try QRCode(lower).segments.map(\.mode) == [.byte, .numeric, .byte])
    }

    @Test func longDigitRunsInsideTextGetNumericSegments() throws {
        let text = "serial 123456789012345678901234567890 ok"
        let code = try QRCode(text)
        #expect(code.segments.map(\.mode) == [.byte, .numeric, .byte])
        #expect(code.segments.flatMap(\.data) == Array(text.utf8))
    }

    @Test func emptyTextIsAValidVersionOneSymbol() throws {
        let code = try QRCode("")
        #expect(code.version == 1 && code.size == 21 && code.segments.isEmpty)
    }

    @Test func dataTooLongForVersionFortyIsATypedError() throws {
        for level in QRErrorCorrection.allCases {
            let error = try #require(throws: QRCodeError.self) {
                try QRCode(bytes: [UInt8](repeating: 7, count: 2954), errorCorrection: level)
            }
            #expect(error.code == "qr_data_too_long")
        }
        let digits = String(repeating: "9", count: 7090)
        #expect(throws: QRCodeError.self) { try QRCode(digits, errorCorrection: .low) }
        #expect(try QRCode(String(digits.dropLast(1)), errorCorrection: .low).version == 40)
        let fixed = try #require(throws: QRCodeError.self) { try QRCode("HELLO WORLD, HELLO QR", errorCorrection: .high, version: 1) }
        #expect(fixed.code == "qr_data_too_long")
        #expect(fixed.message.contains("version 1"))
    }

    @Test func invalidOptionsAreTypedErrors() throws {
        #expect(try code(of: { try QRCode("A", version: 0) }) == "qr_invalid_version")
        #expect(try code(of: { try QRCode("A", version: 41) }) == "qr_invalid_version")
        #expect(try code(of: { try QRCode("A", mask: 8) }) == "qr_invalid_mask")
        #expect(try code(of: { try QRCode("A", mask: -1) }) == "qr_invalid_mask")
        #expect(try code(of: { try QRSegment.numeric("12a") }) == "qr_invalid_segment")
        #expect(try code(of: { try QRSegment.alphanumeric("abc") }) == "qr_invalid_segment")
        let symbol = try QRCode("A")
        #expect(try code(of: { try symbol.png(moduleSize: 0) }) == "qr_invalid_render_option")
        #expect(try code(of: { try symbol.svg(quietZone: -1) }) == "qr_invalid_render_option")
        #expect(try code(of: { try symbol.png(moduleSize: Int.max) }) == "qr_invalid_render_option")
        #expect(try code(of: { try symbol.svg(moduleSize: 2, quietZone: Int.max) }) == "qr_invalid_render_option")
    }

    /// Hostile text of every kind either encodes or throws `qr_data_too_long`; nothing else.
    @Test func randomTextNeverFailsOtherwise() throws {
        var random = SeededRandom(seed: 99)
        let alphabet = Array("09AZaz $%*+-./:?=&é€😀\u{0}\u{7F}")
        for round in 0..<40 {
            let length = Int(random.next() % UInt64(round < 36 ? 200 : 8000))
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &random)! })
            do {
                let code = try QRCode(text, errorCorrection: QRErrorCorrection.allCases[round % 4])
                #expect(code.segments.flatMap(\.data) == Array(text.utf8))
            } catch let error as QRCodeError {
                #expect(error.code == "qr_data_too_long")
            }
        }
    }

    private func code(of body: () throws -> Any) throws -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as QRCodeError {
            return error.code
        }
    }
}
