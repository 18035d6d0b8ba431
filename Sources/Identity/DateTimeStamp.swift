import Foundation

/// XML Schema `dateTimeStamp` (a dateTime that must carry `Z` or an offset), the type of the DID
/// document properties `revoked`, `expires` and our `validFrom`.
enum DateTimeStamp {
    /// `2024-05-01T10:00:00Z`, with milliseconds when the date has a fraction of a second.
    static func format(_ date: Date) -> String {
        let wholeSeconds = date.timeIntervalSince1970.rounded(.down) == date.timeIntervalSince1970
        return Date.ISO8601FormatStyle(includingFractionalSeconds: !wholeSeconds).format(date)
    }

    /// Parses `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)`; nil when malformed or out of range.
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        func byte(_ index: Int, is expected: Character) -> Bool {
            index < bytes.count && bytes[index] == expected.asciiValue
        }
        guard let year = digits(0..<4), byte(4, is: "-"), let month = digits(5..<7), byte(7, is: "-"),
            let day = digits(8..<10), byte(10, is: "T"), let hour = digits(11..<13), byte(13, is: ":"),
            let minute = digits(14..<16), byte(16, is: ":"), let second = digits(17..<19),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }

        var index = 19
        var fraction = 0.0
        if byte(index, is: ".") {
            index += 1
            let start = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
            guard index > start, let value = Double("0." + String(decoding: bytes[start..<index], as: UTF8.self)) else {
                return nil
            }
            fraction = value
        }

        let offsetSeconds: Int
        if byte(index, is: "Z"), index + 1 == bytes.count {
            offsetSeconds = 0
        } else if byte(index, is: "+") || byte(index, is: "-"), index + 6 == bytes.count,
            let offsetHours = digits(index + 1..<index + 3), byte(index + 3, is: ":"),
            let offsetMinutes = digits(index + 4..<index + 6), offsetHours <= 14, offsetMinutes < 60
        {
            offsetSeconds = (byte(index, is: "-") ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }

        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date, counting whole 400-year eras from year 0.
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        // Count years from March so the leap day ends the year.
        let marchYear = month <= 2 ? year - 1 : year
        let era = (marchYear >= 0 ? marchYear : marchYear - 399) / 400
        let yearOfEra = marchYear - era * 400
        let monthFromMarch = (month + 9) % 12
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
