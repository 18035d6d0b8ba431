import Foundation
import NDEF
import Testing
import VectorSupport

/// URI records against ndeflib (the `ndeflib` package from PyPI, an independent NDEF codec): it decodes
/// our messages to the URI we wrote, and encodes the same URIs to the same bytes.
@Suite(.enabled(if: ReferencePython.canImport("ndef") || Vectors.required, "pip install ndeflib to cross-check NDEF records"))
struct NDEFURIRecordTests {
    static let uris = [
        "https://id.voltpass.example/01/04012345000009/21/S-1?t=" + String(repeating: "Ab9_-", count: 20),
        "http://www.example.com/", "https://www.example.com/x", "http://example.com", "tel:+4930123456", "mailto:plates@voltpass.example",
        "urn:epc:id:sgtin:4012345.000000.S-1", "urn:epc:tag:sgtin-96:3.4012345.000000.1", "urn:nfc:wkt:U", "urn:isbn:0451450523",
        "ftp://ftp.example.com/file", "ftp://anonymous:anonymous@example.com", "file:///tmp/plate", "sips:plates@voltpass.example",
        "voltpass:plate", "",
        // A payload past 255 bytes: a normal record with a four-byte length.
        "https://id.voltpass.example/01/04012345000009/21/LONG?t=" + String(repeating: "x", count: 400),
    ]

    @Test func ndeflibDecodesOurMessagesAndEncodesTheSameBytes() throws {
        let messages = Self.uris.map { Hex.encode(NDEFURIRecord(uri: $0).message) }
        let run = try ReferencePython.run(
            """
            import sys, ndef
            for line in sys.stdin.read().split():
                message = bytes.fromhex(line)
                records = list(ndef.message_decoder(message))
                assert len(records) == 1 and isinstance(records[0], ndef.UriRecord), records
                ours = records[0].iri
                theirs = b''.join(ndef.message_encoder([ndef.UriRecord(ours)]))
                print(ours.encode().hex(), theirs == message)
            """, input: messages.joined(separator: "\n"))
        #expect(run.status == 0, "\(run.error)")
        #expect(run.lines.count == Self.uris.count)
        for (uri, line) in zip(Self.uris, run.lines) {
            let fields = line.split(separator: " ").map(String.init)
            #expect(fields.first.map { String(decoding: (try? Hex.decode($0)) ?? [], as: UTF8.self) } == uri, "\(uri)")
            #expect(fields.last == "True", "ndeflib encodes \(uri) to other bytes")
        }
    }

    @Test func type2TagDataWrapsTheMessageAndFitsAnNTAG() {
        let record = NDEFURIRecord(uri: Self.uris[0])
        let data = record.type2TagData
        #expect(data.first == 0x03 && Int(data[1]) == record.message.count && data.last == 0xFE)
        #expect(Array(data[2..<(data.count - 1)]) == record.message)
        #expect(record.smallestNTAG == "NTAG215", "\(data.count) bytes")
        #expect(NDEFURIRecord(uri: "https://id.voltpass.example/01/04012345000009/21/S-1").smallestNTAG == "NTAG213")
        let long = NDEFURIRecord(uri: Self.uris.last!)
        #expect(Array(long.type2TagData.prefix(2)) == [0x03, 0xFF] && long.smallestNTAG == "NTAG215")
        #expect(NDEFURIRecord(uri: String(repeating: "y", count: 900)).smallestNTAG == nil)
    }
}

/// Lowercase hex, so the tests need nothing from the product's encoders.
enum Hex {
    static func encode(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
    static func decode(_ text: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { throw CocoaError(.formatting) }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
