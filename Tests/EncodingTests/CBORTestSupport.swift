import Encoding
import Testing
import VectorSupport

/// Hex helpers for readable expectations.
func cborHex(_ bytes: [UInt8]) -> String { Vectors.hex(bytes) }

func cborBytes(_ hex: String) throws -> [UInt8] {
    try #require(Vectors.bytes(hex: hex), "bad hex in test: \(hex)")
}

/// Random CBOR items for property tests and the cbor2 cross-check: every major type, argument
/// widths at their boundaries, floats of every width, bignums, nested arrays, maps and tags.
struct CBORItemGenerator {
    var random: SeededRandom

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    mutating func item(depth: Int = 0) -> CBOR {
        let leafKinds = 10
        let kinds = depth >= 3 ? leafKinds : leafKinds + 3
        switch Int.random(in: 0..<kinds, using: &random) {
        case 0: return .unsigned(integer())
        case 1: return .negative(integer())
        case 2: return .bytes(byteString())
        case 3: return .text(text())
        case 4: return .float(float())
        case 5: return [.bool(false), .bool(true), .null, .undefined][Int.random(in: 0..<4, using: &random)]
        case 6:
            let values = Array(0...19) + Array(32...255)
            return .simple(UInt8(values[Int.random(in: 0..<values.count, using: &random)]))
        case 7:
            let count = Int.random(in: 9...24, using: &random)
            var magnitude = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            magnitude[0] = UInt8.random(in: 1...255, using: &random)
            return CBOR.integer(bigEndianMagnitude: magnitude, negative: Bool.random(using: &random))
        case 8: return .unsigned(UInt64.random(in: 0...30, using: &random))
        case 9: return .text(["", "a", "IETF", "ü", "水"][Int.random(in: 0..<5, using: &random)])
        case 10:
            return .array((0..<Int.random(in: 0...5, using: &random)).map { _ in item(depth: depth + 1) })
        case 11:
            var pairs: [CBOR.Pair] = []
            for _ in 0..<Int.random(in: 0...5, using: &random) {
                let key = item(depth: depth + 1)
                if !pairs.contains(where: { $0.key == key }) { pairs.append(CBOR.Pair(key, item(depth: depth + 1))) }
            }
            return .map(pairs)
        default:
            // Tag numbers without content rules in RFC 8949, across the head widths.
            let tags: [UInt64] = [6, 23 + 100, 121, 258, 1280, 55799, 0x1_0000_0000]
            return .tagged(tags[Int.random(in: 0..<tags.count, using: &random)], item(depth: depth + 1))
        }
    }

    /// Integers clustered at the argument-width boundaries.
    private mutating func integer() -> UInt64 {
        let boundaries: [UInt64] = [0, 23, 24, 255, 256, 65535, 65536, 0xffff_ffff, 0x1_0000_0000, .max]
        if Bool.random(using: &random) { return boundaries[Int.random(in: 0..<boundaries.count, using: &random)] }
        return random.next() >> UInt64.random(in: 0...63, using: &random)
    }

    private mutating func byteString() -> [UInt8] {
        let count = Int.random(in: 0...10, using: &random) == 0 ? 300 : Int.random(in: 0...30, using: &random)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    private mutating func text() -> String {
        let pieces = ["a", "Z", "0", " ", "\"", "\\", "'", "\n", "\u{1}", "\u{7f}", "ü", "é", "e\u{301}", "水", "𐅑", "🔋"]
        let count = Int.random(in: 0...12, using: &random)
        return (0..<count).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &random)] }.joined()
    }

    /// Doubles that are exact in half, single or only double precision, and the special values.
    private mutating func float() -> Double {
        switch Int.random(in: 0..<5, using: &random) {
        case 0:
            let specials: [Double] = [0.0, -0.0, .infinity, -.infinity, .nan, 1.5, 65504, 5.960464477539063e-8, 1.1]
            return specials[Int.random(in: 0..<specials.count, using: &random)]
        case 1:
            // Exact in half precision: up to 11 significant bits, exponents -14...15.
            let exponent = Int.random(in: -14...15, using: &random)
            return Double(Int.random(in: -2047...2047, using: &random)) * pow2(exponent - 10)
        case 2:
            let bits = UInt32.random(in: 0...UInt32.max, using: &random)
            let value = Double(Float(bitPattern: bits))
            return value.isNaN ? 2.5 : value
        default:
            let value = Double(bitPattern: random.next())
            return value.isNaN ? -7.25 : value
        }
    }

    private func pow2(_ exponent: Int) -> Double {
        Double(sign: .plus, exponent: exponent, significand: 1)
    }
}

/// A Python expression for an item, built only from cbor2's own types, so cbor2 encodes it
/// without help from our encoder. `P` is a list of pairs that the script encodes with keys in
/// bytewise order, `F` a double from its bit pattern, `T` a tag, `S` a simple value.
func cbor2Literal(_ item: CBOR) -> String {
    switch item {
    case .unsigned(let n):
        return String(n)
    case .negative(let n):
        return "(-1-\(n))"
    case .bytes(let b):
        return "bytes.fromhex('\(cborHex(b))')"
    case .text(let s):
        var out = "'"
        for scalar in s.unicodeScalars {
            if scalar.isASCII, scalar.value >= 0x20, scalar.value < 0x7f, scalar != "'", scalar != "\\" {
                out.unicodeScalars.append(scalar)
            } else {
                let digits = String(scalar.value, radix: 16)
                out += "\\U" + String(repeating: "0", count: 8 - digits.count) + digits
            }
        }
        return out + "'"
    case .array(let elements):
        return "[" + elements.map(cbor2Literal).joined(separator: ", ") + "]"
    case .map(let pairs):
        return "P([" + pairs.map { "(\(cbor2Literal($0.key)), \(cbor2Literal($0.value)))" }.joined(separator: ", ") + "])"
    case .tagged(2, .bytes(let magnitude)):
        return "int('\(cborHex(magnitude))', 16)"
    case .tagged(3, .bytes(let magnitude)):
        return "(-1-int('\(cborHex(magnitude))', 16))"
    case .tagged(let tag, let content):
        return "T(\(tag), \(cbor2Literal(content)))"
    case .simple(let value):
        return "S(\(value))"
    case .bool(let value):
        return value ? "True" : "False"
    case .null:
        return "None"
    case .undefined:
        return "cbor2.undefined"
    case .float(let value):
        let digits = String(value.bitPattern, radix: 16)
        return "F('" + String(repeating: "0", count: 16 - digits.count) + digits + "')"
    }
}
