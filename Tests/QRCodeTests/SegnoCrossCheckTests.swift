import Foundation
import QRCode
import Testing
import VectorSupport

/// Our symbols against segno's, module by module, for the same segments, level, version and mask.
@Suite(.enabled(if: Segno.available || Vectors.required, Segno.missingNote))
struct SegnoCrossCheckTests {
    static let digitalLink = "https://voltpass.example/01/09506000134352/21/ABC123?t=" + TokenFixture.token

    /// Numeric, alphanumeric, bytes, UTF-8 and a Digital Link URL, at every level, in small and large
    /// versions (7 and up carry version information), with every mask.
    @Test func explicitVersionAndMaskMatchSegno() throws {
        try #require(Segno.available, "pip install segno")
        var random = SeededRandom(seed: 6)
        let texts = [
            "0", "01234567", String(repeating: "31415926535897932384", count: 9),
            "HELLO WORLD", "VOLTPASS $%*+-./: 42", "hello, world", "Zellchemie: Lithium-Eisenphosphat, 3.2 V, 105 Ah",
            "Größe ≤ 5 kg · 日本語 · 🔋", Self.digitalLink, Self.digitalLink.uppercased(),
        ]
        var cases: [(QRCode, Segno.Case)] = []
        for (index, text) in texts.enumerated() {
            for level in QRErrorCorrection.allCases {
                let smallest = try QRCode(text, errorCorrection: level)
                let larger = index % 2 == 0 ? 7 + index : 27 + index
                for version in Set([smallest.version, max(smallest.version, larger)]) {
                    let mask = (index + version) % 8
                    let code = try QRCode(text, errorCorrection: level, version: version, mask: mask)
                    cases.append((code, Segno.Case(segments: code.segments, level: level, version: version, mask: mask)))
                }
            }
        }
        for length in [1, 17, 100, 271] {
            let bytes = random.bytes(count: length)
            let level = QRErrorCorrection.allCases[length % 4]
            let code = try QRCode(bytes: bytes, errorCorrection: level, mask: length % 8)
            cases.append((code, Segno.Case(segments: code.segments, level: level, version: nil, mask: length % 8)))
        }
        let theirs = try Segno.symbols(cases.map(\.1))
        for ((ours, item), expected) in zip(cases, theirs) {
            #expect(ours.asSegnoSymbol() == expected, "\(item.segments.map(\.mode)) level \(item.level) version \(ours.version)")
        }
    }

    /// The automatic choices: segno picks the same smallest version for our segments, and the mask
    /// we chose has the lowest penalty (ISO/IEC 18004 §7.8.3) of the 8 finished symbols as the
    /// script scores them. (segno's own choice may differ: it scores before drawing format information.)
    @Test func automaticVersionAndMaskMatchSegnoScores() throws {
        try #require(Segno.available, "pip install segno")
        var random = SeededRandom(seed: 18004)
        var codes: [QRCode] = []
        for index in 0..<20 {
            let level = QRErrorCorrection.allCases[index % 4]
            let text: String
            switch index % 4 {
            case 0: text = String((0..<(1 + index * 13)).map { _ in "0123456789".randomElement(using: &random)! })
            case 1: text = String((0..<(1 + index * 9)).map { _ in "0123456789ABCDEFXYZ $%*+-./:".randomElement(using: &random)! })
            case 2: text = String((0..<(1 + index * 7)).map { _ in "aZ09-_~?=&/:.ü€".randomElement(using: &random)! })
            default:
                text = "HTTPS://VOLTPASS.EXAMPLE/01/0950600013435\(index % 10)/21/SN\(index)?t=" + TokenFixture.token.prefix(index * 7)
            }
            codes.append(try QRCode(text, errorCorrection: level))
        }
        let theirs = try Segno.symbols(codes.map {
            Segno.Case(segments: $0.segments, level: $0.errorCorrection, version: nil, mask: $0.mask, scoreMasks: true)
        })
        for (ours, expected) in zip(codes, theirs) {
            let expected = try #require(expected)
            #expect(
                ours.asSegnoSymbol(penalties: expected.penalties) == expected,
                "\(ours.segments.map(\.mode)) level \(ours.errorCorrection)")
            let lowest = try #require(expected.penalties.min())
            #expect(expected.penalties.firstIndex(of: lowest) == ours.mask, "penalties \(expected.penalties)")
        }
    }

    /// Every version and level filled to the last data codeword with bytes: the block tables,
    /// capacities, alignment positions and version information of all 160 symbol kinds. One byte
    /// more overflows the version in segno too.
    @Test func everyVersionAndLevelAtCapacityMatchesSegno() throws {
        try #require(Segno.available, "pip install segno")
        var random = SeededRandom(seed: 40)
        var cases: [(QRCode, Segno.Case)] = []
        var overfull: [Segno.Case] = []
        for version in 1...40 {
            for (levelIndex, level) in QRErrorCorrection.allCases.enumerated() {
                // A byte segment's header: 4-bit mode, 8-bit count below version 10, 16-bit from there.
                let header = 4 + (version < 10 ? 8 : 16)
                let capacity = (try QRCode.dataCapacity(version: version, errorCorrection: level) - header) / 8
                let bytes = random.bytes(count: capacity)
                let mask = (version + levelIndex) % 8
                let code = try QRCode(bytes: bytes, errorCorrection: level, mask: mask)
                #expect(code.version == version, "\(capacity) bytes at level \(level)")
                #expect(throws: QRCodeError.self) { try QRCode(bytes: bytes + [0], errorCorrection: level, version: version) }
                cases.append((code, Segno.Case(segments: code.segments, level: level, version: nil, mask: mask)))
                overfull.append(Segno.Case(segments: [.bytes(bytes + [0])], level: level, version: version, mask: 0))
            }
        }
        let theirs = try Segno.symbols(cases.map(\.1) + overfull)
        for ((ours, _), expected) in zip(cases, theirs) {
            #expect(ours.asSegnoSymbol() == expected, "version \(ours.version) level \(ours.errorCorrection)")
        }
        for (item, expected) in zip(overfull, theirs.dropFirst(cases.count)) {
            #expect(expected == nil, "segno fits \(item.segments[0].data.count) bytes in version \(item.version ?? 0) level \(item.level)")
        }
    }
}
