/// Reed–Solomon error correction over GF(2⁸) with the QR Code field polynomial
/// x⁸ + x⁴ + x³ + x² + 1 and generator roots α⁰…α^(n−1) (ISO/IEC 18004 §7.5.2).
enum ReedSolomon {
    /// α^i for i in 0..<255, repeated once so products can index without a modulo.
    private static let exponents: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 510)
        var value = 1
        for power in 0..<255 {
            table[power] = UInt8(value)
            table[power + 255] = UInt8(value)
            value <<= 1
            if value & 0x100 != 0 { value ^= 0x11D }
        }
        return table
    }()

    /// log_α(v) for v in 1...255 (index 0 unused).
    private static let logarithms: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for power in 0..<255 { table[Int(exponents[power])] = power }
        return table
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        guard a != 0, b != 0 else { return 0 }
        return exponents[logarithms[Int(a)] + logarithms[Int(b)]]
    }

    /// Coefficients of the generator polynomial ∏(x − α^i), i < degree, highest power first without
    /// the leading 1, for every degree a symbol uses (at most 30).
    private static let generators: [[UInt8]] = (0...30).map { degree in
        var coefficients: [UInt8] = [1]
        for root in 0..<degree {
            var next = [UInt8](repeating: 0, count: coefficients.count + 1)
            for (index, coefficient) in coefficients.enumerated() {
                next[index] ^= coefficient
                next[index + 1] ^= multiply(coefficient, exponents[root])
            }
            coefficients = next
        }
        return Array(coefficients.dropFirst())
    }

    /// The `count` error-correction codewords for a block of data codewords: the remainder of
    /// data·x^count divided by the generator polynomial.
    static func errorCorrection(for data: ArraySlice<UInt8>, count: Int) -> [UInt8] {
        let generator = generators[count]
        var remainder = [UInt8](repeating: 0, count: count)
        for byte in data {
            let factor = byte ^ remainder[0]
            remainder.removeFirst()
            remainder.append(0)
            if factor != 0 {
                let logFactor = logarithms[Int(factor)]
                for index in 0..<count where generator[index] != 0 {
                    remainder[index] ^= exponents[logFactor + logarithms[Int(generator[index])]]
                }
            }
        }
        return remainder
    }
}
