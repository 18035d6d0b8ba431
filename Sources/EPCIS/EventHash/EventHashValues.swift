import Foundation

/// Canonical forms of leaf values in the pre-hash string (CBV 2.0 section 8.9.2).
enum EventHashValues {
    /// A value in canonical form: old CBV URNs as Web URIs, numbers without redundant digits, EPC URNs
    /// and Digital Link URIs as constrained canonical Digital Link URIs.
    static func canonize(_ text: String) -> String {
        var text = text
        if contains(text, "urn:epcglobal:cbv:") {
            for (urn, uri) in cbvURNPrefixes { text = replacing(urn, with: uri, in: text) }
        }
        if let number = pythonFloat(text) { text = pythonNumberString(number) }
        if let digitalLink = canonicalDigitalLink(text) { return digitalLink }
        return text
    }

    private static let cbvURNPrefixes = [
        ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
        ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
        ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
        ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
        ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"),
    ]

    /// The constrained canonical Digital Link of a GS1 identifier (EPC URN, class, pattern or any
    /// Digital Link), or nil when the text is not a valid one (then it is hashed as written).
    static func canonicalDigitalLink(_ text: String) -> String? {
        guard text.hasPrefix("urn:epc:") || (text.hasPrefix("http") && mayHoldGS1Key(text)) else { return nil }
        guard let identifier = try? GS1Identifier(parsing: text, options: .lenient) else { return nil }
        return GS1DigitalLink(identifier: identifier.constrained).uri(encoding: PercentEncoding.encodeHashDigitalLink)
    }

    /// A cheap test that skips ordinary web URIs (vocabulary IRIs, certificates…): a Digital Link path
    /// has a numeric segment or a convenience alpha such as `/gtin/`.
    private static func mayHoldGS1Key(_ uri: String) -> Bool {
        let bytes = Array(uri.utf8)
        for index in bytes.indices.dropLast() where bytes[index] == UInt8(ascii: "/") {
            let next = bytes[index + 1]
            if next >= 48, next <= 57 { return true }
        }
        return bytes.split(separator: UInt8(ascii: "/")).dropFirst(2).contains {
            GS1ApplicationIdentifier.convenienceAlphas[String(decoding: $0, as: UTF8.self)] != nil
        }
    }

    // MARK: Numbers

    /// A JSON number as Python's `str()` writes it after `json.loads` (integers without `.0`).
    static func pythonString(_ number: Double) -> String { pythonNumberString(number) }

    /// Integral values as integers, others in shortest round-trip form (`12.1`, `1e-05`).
    static func pythonNumberString(_ number: Double) -> String {
        if number.rounded(.towardZero) == number, number.isFinite {
            if abs(number) < 9.0e18 { return String(Int64(number)) }
            return String(format: "%.0f", number)
        }
        return "\(number)"
    }

    /// The value of a string in Python `float()` syntax (surrounding whitespace, sign, digits with
    /// single underscores between them, fraction, exponent); nil for anything else, and for
    /// infinities and NaN, which the reference leaves as written.
    static func pythonFloat(_ text: String) -> Double? {
        let trimmed = trim(text)
        guard let first = trimmed.utf8.first, (first >= 48 && first <= 57) || first == 43 || first == 45 || first == 46 else {
            return nil
        }
        var cleaned: [UInt8] = []
        var sawDigit = false
        var previous: UInt8 = 0
        for byte in trimmed.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                sawDigit = true
                cleaned.append(byte)
            case UInt8(ascii: "_"):
                guard previous >= UInt8(ascii: "0"), previous <= UInt8(ascii: "9") else { return nil }
            case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
                guard previous != UInt8(ascii: "_") else { return nil }
                cleaned.append(byte)
            default:
                return nil
            }
            previous = byte
        }
        guard sawDigit, previous != UInt8(ascii: "_") else { return nil }
        guard let value = Double(String(decoding: cleaned, as: UTF8.self)), value.isFinite else { return nil }
        return value
    }

    // MARK: Timestamps

    /// An ISO 8601 date-time in UTC with exactly three fractional digits (`2020-03-04T10:00:30.000Z`),
    /// microseconds rounded half to even as the reference does; text that is not a date-time is kept.
    static func utcMilliseconds(_ text: String) -> String {
        guard let parsed = ISOTimestamp(text) else { return text }
        var micro = parsed.microsecond
        let remainder = micro % 1000
        micro -= remainder
        if remainder > 500 || (remainder == 500 && (micro / 1000) % 2 == 1) { micro += 1000 }
        var seconds = parsed.epochSeconds
        if micro >= 1_000_000 {
            micro -= 1_000_000
            seconds += 1
        }
        let days = Int((Double(seconds) / 86400).rounded(.down))
        let secondOfDay = seconds - Int64(days) * 86400
        let (year, month, day) = civilDate(fromDays: days)
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return digits.utf8.count >= width ? digits : String(repeating: "0", count: width - digits.utf8.count) + digits
        }
        let hour = Int(secondOfDay / 3600)
        let minute = Int(secondOfDay % 3600 / 60)
        let second = Int(secondOfDay % 60)
        return padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2) + "T" + padded(hour, 2) + ":"
            + padded(minute, 2) + ":" + padded(second, 2) + "." + padded(micro / 1000, 3) + "Z"
    }

    // MARK: Text

    /// Python's `str.strip()`: surrounding whitespace removed.
    static func trim(_ text: String) -> String {
        func plain(_ byte: UInt8?) -> Bool { byte.map { $0 > 0x20 && $0 < 0x80 } ?? true }
        guard !plain(text.utf8.first) || !plain(text.utf8.last) else { return text }
        guard let start = text.firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let end = text.lastIndex(where: { !$0.isWhitespace })!
        return String(text[start...end])
    }

    /// `text` with every occurrence of `target` replaced (byte-wise, as Python's `str.replace`).
    static func replacing(_ target: String, with replacement: String, in text: String) -> String {
        let bytes = Array(text.utf8)
        let pattern = Array(target.utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if index + pattern.count <= bytes.count, bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                out.append(contentsOf: replacement.utf8)
                index += pattern.count
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `text` contains `needle` (byte-wise; both are UTF-8).
    /// With `ignoringASCIICase`, ASCII letters of `text` match the lowercase letters of `needle`.
    static func contains(_ text: String, _ needle: StaticString, ignoringASCIICase: Bool = false) -> Bool {
        var text = text
        return text.withUTF8 { haystack in
            let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
            guard !pattern.isEmpty, haystack.count >= pattern.count else { return pattern.isEmpty }
            for start in 0...(haystack.count - pattern.count) {
                if !ignoringASCIICase {
                    if haystack[start] == pattern[0], memcmp(haystack.baseAddress! + start, pattern.baseAddress!, pattern.count) == 0 {
                        return true
                    }
                    continue
                }
                var offset = 0
                while offset < pattern.count {
                    let byte = haystack[start + offset]
                    guard (byte >= 65 && byte <= 90 ? byte + 32 : byte) == pattern[offset] else { break }
                    offset += 1
                }
                if offset == pattern.count { return true }
            }
            return false
        }
    }

    /// Days since 1970-01-01 -> proleptic Gregorian (year, month, day).
    private static func civilDate(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// `YYYY-MM-DDThh:mm[:ss[.fraction]][Z|±hh:mm|±hhmm]`; without an offset the time is taken as UTC.
struct ISOTimestamp {
    let epochSeconds: Int64
    let microsecond: Int

    init?(_ text: String) {
        let bytes = Array(EventHashValues.trim(text).utf8)
        var index = 0
        func number(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<(index + count)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += count
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard index < bytes.count, bytes[index] == character.asciiValue else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            index < bytes.count, bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: " ")
        else { return nil }
        index += 1
        guard let hour = number(2), expect(":"), let minute = number(2) else { return nil }
        var second = 0
        var micro = 0
        if expect(":") {
            guard let parsedSecond = number(2) else { return nil }
            second = parsedSecond
            if expect(".") || expect(",") {
                var digits = 0
                var scale = 100_000
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                    if digits < 6 { micro += Int(bytes[index] - 48) * scale }
                    scale /= 10
                    digits += 1
                    index += 1
                }
                guard digits > 0 else { return nil }
            }
        }
        var offset = 0
        let utc = expect("Z") || expect("z")
        if !utc, index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let offsetHours = number(2) else { return nil }
            _ = expect(":")
            guard let offsetMinutes = number(2) else { return nil }
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
        }
        guard index == bytes.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        let days = EventHashValues.days(year: year, month: month, day: day)
        epochSeconds = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second - offset)
        microsecond = micro
    }
}
