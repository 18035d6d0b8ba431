/// The string formats and patterns of the EPCIS JSON schema, checked byte by byte.
enum EPCISFormat {
    /// An absolute URI (RFC 3986 `URI`: scheme ":" hier-part ["?" query] ["#" fragment]), the
    /// schema's `format: uri`. CURIEs such as `example:myField` are URIs by this grammar.
    static func isURI(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        guard let first = bytes.first, isAlpha(first) else { return false }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
            bytes[..<colon].allSatisfy({ isAlpha($0) || isDigit($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E })
        else { return false }
        bytes = bytes[bytes.index(after: colon)...]
        guard percentEncodingIsValid(bytes) else { return false }
        // Fragment, then query, then the hier-part.
        if let hash = bytes.firstIndex(of: UInt8(ascii: "#")) {
            guard bytes[bytes.index(after: hash)...].allSatisfy(isQueryByte) else { return false }
            bytes = bytes[..<hash]
        }
        if let question = bytes.firstIndex(of: UInt8(ascii: "?")) {
            guard bytes[bytes.index(after: question)...].allSatisfy(isQueryByte) else { return false }
            bytes = bytes[..<question]
        }
        if bytes.starts(with: "//".utf8) {
            let authorityStart = bytes.index(bytes.startIndex, offsetBy: 2)
            let authorityEnd = bytes[authorityStart...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.endIndex
            guard isAuthority(bytes[authorityStart..<authorityEnd]) else { return false }
            bytes = bytes[authorityEnd...]
        }
        return bytes.allSatisfy { isPathByte($0) || $0 == UInt8(ascii: "/") }
    }

    /// An RFC 3339 date-time (`2020-03-04T10:00:30.000+01:00`), the schema's `format: date-time`,
    /// with a real calendar day; `t` and `z` may be lower case.
    static func isDateTime(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] | 0x20 == 0x74, bytes[13] == 0x3A,
            bytes[16] == 0x3A,
            let year = number(bytes[0..<4]), let month = number(bytes[5..<7]), let day = number(bytes[8..<10]),
            let hour = number(bytes[11..<13]), let minute = number(bytes[14..<16]), let second = number(bytes[17..<19]),
            year > 0, (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24,
            minute < 60, second < 60
        else { return false }
        var index = 19
        if bytes[index] == 0x2E {
            index += 1
            let digitsStart = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            guard index > digitsStart else { return false }
        }
        let zone = bytes[index...]
        if zone.count == 1 { return zone.first! | 0x20 == 0x7A }
        return isOffset(zone, allowingFourteenOnly: false)
    }

    /// `eventTimeZoneOffset`: `^([+]|[-])((0[0-9]|1[0-3]):([0-5][0-9])|14:00)$`.
    static func isTimeZoneOffset(_ text: String) -> Bool {
        isOffset(Array(text.utf8)[...], allowingFourteenOnly: true)
    }

    /// A quantity's unit: `^[A-Z0-9]{2,3}$` (UN/ECE Rec. 20 common code).
    static func isUnitCode(_ text: String) -> Bool {
        (2...3).contains(text.utf8.count) && text.utf8.allSatisfy { isDigit($0) || (0x41...0x5A).contains($0) }
    }

    /// `^[A-Fa-f0-9]+$`.
    static func isHexBinary(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { isDigit($0) || (0x41...0x46).contains($0 & ~0x20) }
    }

    /// `schemaVersion`: `^\d+(\.\d+)*$`.
    static func isVersion(_ text: String) -> Bool {
        !text.isEmpty && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0.utf8.allSatisfy(isDigit)
        }
    }

    // MARK: Pieces

    /// `±HH:MM`: hours 00-23 in a date-time; in an event's offset 00-13 or exactly 14:00.
    private static func isOffset(_ bytes: ArraySlice<UInt8>, allowingFourteenOnly: Bool) -> Bool {
        guard bytes.count == 6, let sign = bytes.first, sign == 0x2B || sign == 0x2D else { return false }
        let start = bytes.startIndex
        guard bytes[start + 3] == 0x3A, let hours = number(bytes[(start + 1)..<(start + 3)]),
            let minutes = number(bytes[(start + 4)..<(start + 6)]), minutes < 60
        else { return false }
        return allowingFourteenOnly ? hours < 14 || (hours == 14 && minutes == 0) : hours < 24
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for digit in digits {
            guard isDigit(digit) else { return nil }
            value = value * 10 + Int(digit - 0x30)
        }
        return value
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `[ userinfo "@" ] host [ ":" port ]`, host a reg-name, IPv4 address or bracketed IP literal.
    private static func isAuthority(_ bytes: Substring.UTF8View.SubSequence) -> Bool {
        var host = bytes
        if let at = bytes.lastIndex(of: UInt8(ascii: "@")) {
            guard bytes[..<at].allSatisfy({ isUnreserved($0) || isSubDelimiter($0) || $0 == 0x3A || $0 == 0x25 }) else {
                return false
            }
            host = bytes[bytes.index(after: at)...]
        }
        var port = host[host.endIndex...]
        if host.first == UInt8(ascii: "[") {
            guard let close = host.firstIndex(of: UInt8(ascii: "]")) else { return false }
            let literal = host[host.index(after: host.startIndex)..<close]
            guard !literal.isEmpty,
                literal.allSatisfy({ isUnreserved($0) || isSubDelimiter($0) || $0 == 0x3A })
            else { return false }
            port = host[host.index(after: close)...]
        } else {
            if let colon = host.firstIndex(of: UInt8(ascii: ":")) {
                port = host[colon...]
                host = host[..<colon]
            }
            guard host.allSatisfy({ isUnreserved($0) || isSubDelimiter($0) || $0 == 0x25 }) else { return false }
        }
        guard let colon = port.first else { return true }
        return colon == UInt8(ascii: ":") && port.dropFirst().allSatisfy(isDigit)
    }

    /// Each `%` starts a `%XX` escape.
    private static func percentEncodingIsValid(_ bytes: Substring.UTF8View.SubSequence) -> Bool {
        var index = bytes.startIndex
        while let percent = bytes[index...].firstIndex(of: 0x25) {
            let first = bytes.index(after: percent)
            guard first < bytes.endIndex, isHexDigit(bytes[first]) else { return false }
            let second = bytes.index(after: first)
            guard second < bytes.endIndex, isHexDigit(bytes[second]) else { return false }
            index = bytes.index(after: second)
        }
        return true
    }

    private static func isAlpha(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte & ~0x20) }
    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
    private static func isHexDigit(_ byte: UInt8) -> Bool { isDigit(byte) || (0x41...0x46).contains(byte & ~0x20) }

    /// ALPHA / DIGIT / "-" / "." / "_" / "~"
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        isAlpha(byte) || isDigit(byte) || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
    }

    /// "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "="
    private static func isSubDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x21, 0x24, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x3B, 0x3D: true
        default: false
        }
    }

    /// pchar (percent signs are checked separately).
    private static func isPathByte(_ byte: UInt8) -> Bool {
        isUnreserved(byte) || isSubDelimiter(byte) || byte == 0x3A || byte == 0x40 || byte == 0x25
    }

    private static func isQueryByte(_ byte: UInt8) -> Bool {
        isPathByte(byte) || byte == 0x2F || byte == 0x3F
    }
}
