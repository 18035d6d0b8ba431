/// ECMAScript `Number.prototype.toString` for doubles (ECMA-262 Number::toString, radix 10), the
/// number form RFC 8785 (JCS) requires: the shortest digits that round-trip, in plain decimal
/// from 1e-6 up to 1e21 and in exponent form (`1e+21`, `1e-7`) outside it; `-0` prints as `0`.
public enum ES6Number {
    /// The ECMAScript text of `value`; NaN and the infinities are `json_number_not_finite`.
    public static func format(_ value: Double) throws(JSONError) -> String {
        guard value.isFinite else {
            throw JSONError(.numberNotFinite, "\(value) is not a JSON number")
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maximumLength) { text in
            String(decoding: UnsafeBufferPointer(rebasing: text[..<render(value, into: text)]), as: UTF8.self)
        }
    }

    /// Appends the ECMAScript text of a finite `value`.
    static func appendFinite(_ value: Double, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maximumLength) { text in
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[..<render(value, into: text)]))
        }
    }

    /// Longer than the longest text, `-0.0000012345678901234567` (25 bytes).
    private static let maximumLength = 32

    /// Writes the text of a finite `value` at the start of `text` and returns its length.
    private static func render(_ value: Double, into text: UnsafeMutableBufferPointer<UInt8>) -> Int {
        if value == 0 {
            text[0] = UInt8(ascii: "0")
            return 1
        }
        var length = 0
        if value.sign == .minus {
            text[0] = UInt8(ascii: "-")
            length = 1
        }
        let magnitude = value.magnitude
        // Integers below 2^53 are exact, and no shorter digit string rounds to them.
        if magnitude < 9_007_199_254_740_992, magnitude.rounded(.towardZero) == magnitude {
            let integer = UInt64(magnitude)
            return writeDigits(integer, count: digitCount(integer), pointAfter: 0, into: text, at: length)
        }
        let (digits, count, exponent) = shortestDigits(magnitude)
        return layout(digits: digits, count: count, exponent: exponent, into: text, at: length)
    }

    /// The shortest round-trip digits of a positive finite double as (s, k, n), meaning
    /// 0.d₁d₂…dₖ × 10ⁿ where s = d₁d₂…dₖ has no trailing zeros.
    ///
    /// Swift's `description` already yields the shortest digits that round-trip (choosing the
    /// closest, ties to even, as ECMAScript does); only their layout differs, so it is parsed here.
    private static func shortestDigits(_ magnitude: Double) -> (digits: UInt64, count: Int, exponent: Int) {
        var description = magnitude.description
        return description.withUTF8 { bytes in
            var digits: UInt64 = 0
            var count = 0
            var pendingZeros = 0
            var pointPosition = 0  // significant digits (and interior zeros) before the point
            var seenPoint = false
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: ".") {
                    seenPoint = true
                } else if byte == UInt8(ascii: "e") {
                    break
                } else if byte == UInt8(ascii: "0") {
                    if count == 0 {
                        // A leading zero after the point shifts the exponent down.
                        if seenPoint { pointPosition -= 1 }
                    } else {
                        pendingZeros += 1
                        if !seenPoint { pointPosition += 1 }
                    }
                } else {
                    for _ in 0..<pendingZeros { digits = digits &* 10 }
                    count += pendingZeros + 1
                    pendingZeros = 0
                    digits = digits &* 10 &+ UInt64(byte &- UInt8(ascii: "0"))
                    if !seenPoint { pointPosition += 1 }
                }
                index += 1
            }
            // Optional exponent: e, sign, digits.
            var exponent = 0
            var exponentSign = 1
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentSign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
                index += 1
            }
            while index < bytes.count {
                exponent = exponent * 10 + Int(bytes[index] &- UInt8(ascii: "0"))
                index += 1
            }
            return (digits, count, pointPosition + exponentSign * exponent)
        }
    }

    /// Lays out 0.d₁…dₖ × 10ⁿ per ECMA-262 Number::toString steps 6–10, after `start`.
    private static func layout(
        digits: UInt64, count k: Int, exponent n: Int, into text: UnsafeMutableBufferPointer<UInt8>, at start: Int
    ) -> Int {
        if k <= n && n <= 21 {
            // Integer: the digits, then zeros.
            var end = writeDigits(digits, count: k, pointAfter: 0, into: text, at: start)
            for _ in 0..<(n - k) {
                text[end] = UInt8(ascii: "0")
                end += 1
            }
            return end
        }
        if 0 < n && n <= 21 {
            // Decimal point inside the digits.
            return writeDigits(digits, count: k, pointAfter: n, into: text, at: start)
        }
        if -6 < n && n <= 0 {
            // 0.000ddd
            text[start] = UInt8(ascii: "0")
            text[start + 1] = UInt8(ascii: ".")
            var end = start + 2
            for _ in 0..<(-n) {
                text[end] = UInt8(ascii: "0")
                end += 1
            }
            return writeDigits(digits, count: k, pointAfter: 0, into: text, at: end)
        }
        // Exponent form: d.ddde±x
        var end = writeDigits(digits, count: k, pointAfter: k > 1 ? 1 : 0, into: text, at: start)
        let power = n - 1
        text[end] = UInt8(ascii: "e")
        text[end + 1] = power < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+")
        end += 2
        let powerMagnitude = UInt64(power.magnitude)
        return writeDigits(powerMagnitude, count: digitCount(powerMagnitude), pointAfter: 0, into: text, at: end)
    }

    private static func digitCount(_ value: UInt64) -> Int {
        var count = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
    }

    /// Writes the `count` decimal digits of `value` at `start`, with a decimal point after the
    /// first `pointAfter` digits when that is positive; returns the end.
    private static func writeDigits(
        _ value: UInt64, count: Int, pointAfter: Int, into text: UnsafeMutableBufferPointer<UInt8>, at start: Int
    ) -> Int {
        let end = start + count + (pointAfter > 0 ? 1 : 0)
        var rest = value
        var index = end - 1
        var remaining = count
        while remaining > 0 {
            if remaining == pointAfter {
                text[index] = UInt8(ascii: ".")
                index -= 1
            }
            text[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
            index -= 1
            remaining -= 1
        }
        return end
    }
}
