/// Bit-exact conversions between half, single and double precision, including NaN payloads, without
/// going through hardware conversions (which may quiet signalling NaNs).
enum CBORFloat {
    /// The double with the value of an IEEE 754 half-precision bit pattern.
    static func double(half: UInt16) -> Double {
        let sign: UInt64 = UInt64(half >> 15) << 63
        let exponent = Int(half >> 10) & 0x1f
        let mantissa = UInt64(half & 0x3ff)
        switch exponent {
        case 0:
            let magnitude = Double(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1f:
            return Double(bitPattern: sign | 0x7ff << 52 | mantissa << 42)
        default:
            return Double(bitPattern: sign | UInt64(exponent - 15 + 1023) << 52 | mantissa << 42)
        }
    }

    /// The double with the value of an IEEE 754 single-precision bit pattern.
    static func double(single: UInt32) -> Double {
        let exponent = (single >> 23) & 0xff
        let mantissa = UInt64(single & 0x7f_ffff)
        if exponent == 0xff && mantissa != 0 {
            return Double(bitPattern: UInt64(single >> 31) << 63 | 0x7ff << 52 | mantissa << 29)
        }
        return Double(Float(bitPattern: single))
    }

    /// The preferred serialization of a float (RFC 8949 §4.1): the shortest of half, single and
    /// double that represents the value exactly, NaN payloads included. Returns the additional
    /// information (25, 26 or 27) and the bit pattern in that width.
    static func preferred(_ value: Double) -> (info: UInt8, bits: UInt64) {
        let bits = value.bitPattern
        let sign = bits >> 63
        let exponent = Int((bits >> 52) & 0x7ff)
        let mantissa = bits & (1 << 52 - 1)

        if exponent == 0x7ff {  // infinities and NaNs keep their payload bits
            if mantissa & (1 << 42 - 1) == 0 { return (25, sign << 15 | 0x7c00 | mantissa >> 42) }
            if mantissa & (1 << 29 - 1) == 0 { return (26, sign << 31 | 0x7f80_0000 | mantissa >> 29) }
            return (27, bits)
        }
        if exponent == 0 {  // zero fits in a half; double subnormals fit nothing shorter
            return mantissa == 0 ? (25, sign << 15) : (27, bits)
        }
        let power = exponent - 1023
        let significand = mantissa | 1 << 52
        if let half = shorter(power: power, mantissa: mantissa, significand: significand,
                              minNormal: -14, maxNormal: 15, mantissaBits: 10, minSubnormal: -24) {
            return (25, sign << 15 | half)
        }
        if let single = shorter(power: power, mantissa: mantissa, significand: significand,
                                minNormal: -126, maxNormal: 127, mantissaBits: 23, minSubnormal: -149) {
            return (26, sign << 31 | single)
        }
        return (27, bits)
    }

    /// The unsigned bit pattern (without sign) of a finite non-zero double `2^power * 1.mantissa` in a
    /// narrower format, if that format represents it exactly.
    private static func shorter(
        power: Int, mantissa: UInt64, significand: UInt64,
        minNormal: Int, maxNormal: Int, mantissaBits: Int, minSubnormal: Int
    ) -> UInt64? {
        let dropped = 52 - mantissaBits
        if power >= minNormal && power <= maxNormal {
            guard mantissa & (1 << UInt64(dropped) - 1) == 0 else { return nil }
            let biased = UInt64(power - minNormal + 1)
            return biased << UInt64(mantissaBits) | mantissa >> UInt64(dropped)
        }
        if power >= minSubnormal && power < minNormal {
            // value = significand * 2^(power - 52) = k * 2^minSubnormal
            let shift = UInt64(52 - (power - minSubnormal))
            guard significand & (1 << shift - 1) == 0 else { return nil }
            return significand >> shift
        }
        return nil
    }
}
