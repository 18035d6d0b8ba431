import Encoding
import Foundation

/// The schedule of a scheduled query subscription (EPCIS 2.0 §8.2.5.3, the binding's `schedule`):
/// `second`, `minute`, `hour`, `dayOfMonth`, `month` and `dayOfWeek` (1 Monday … 7 Sunday), each a
/// number, a range `[low-high]` or a comma-separated list of these. The schedule fires at every time
/// (in UTC) whose fields all match. A field left out matches any value when it is coarser than the
/// finest field given, and only its lowest value when it is finer, so `{"hour": "1", "minute": "5"}`
/// fires once a day at 01:05:00 (not sixty times during that minute), and `{"second": "0,30"}` twice a minute.
public struct QuerySchedule: Sendable, Hashable, Codable {
    /// The fields in order from the finest to the coarsest, with their ranges.
    public static let fields: [(name: String, range: ClosedRange<Int>)] = [
        ("second", 0...59), ("minute", 0...59), ("hour", 0...23), ("dayOfMonth", 1...31), ("month", 1...12), ("dayOfWeek", 1...7),
    ]

    /// The fields as given (name → text), for showing the subscription back.
    public let given: [String: String]
    /// The values each field matches, by field name (every field present).
    private let allowed: [String: Set<Int>]

    /// Parses the binding's `schedule` object; at least one field, each a string (or an integer).
    public init(_ object: JSONObject) throws(QueryScheduleError) {
        var given: [String: String] = [:]
        for (name, value) in object {
            guard Self.fields.contains(where: { $0.name == name }) else { throw .init("'\(name)' is not a schedule field") }
            switch value {
            case .string(let text): given[name] = text
            case .number(let number) where number == number.rounded() && abs(number) < 100: given[name] = String(Int(number))
            default: throw .init("\(name) must be a string such as \"5\", \"[1-5]\" or \"0,30\"")
            }
        }
        try self.init(given: given)
    }

    /// Parses the fields as the binding's query string gives them (name → text).
    public init(given: [String: String]) throws(QueryScheduleError) {
        guard !given.isEmpty else { throw .init("a schedule names at least one of \(Self.fields.map(\.name).joined(separator: ", "))") }
        let finest = Self.fields.firstIndex { given[$0.name] != nil } ?? 0
        var allowed: [String: Set<Int>] = [:]
        for (index, field) in Self.fields.enumerated() {
            if let text = given[field.name] {
                allowed[field.name] = try Self.values(text, field: field.name, range: field.range)
            } else {
                allowed[field.name] = index < finest ? [field.range.lowerBound] : Set(field.range)
            }
        }
        self.given = given
        self.allowed = allowed
    }

    /// The values of one field: numbers, `[low-high]` ranges, comma-separated.
    private static func values(_ text: String, field: String, range: ClosedRange<Int>) throws(QueryScheduleError) -> Set<Int> {
        var values: Set<Int> = []
        for element in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = element.trimmingCharacters(in: .whitespaces)
            var bounds: (Int, Int)?
            if item.hasPrefix("["), item.hasSuffix("]") {
                let ends = item.dropFirst().dropLast().split(separator: "-", omittingEmptySubsequences: false)
                if ends.count == 2, let low = Int(ends[0]), let high = Int(ends[1]), low <= high { bounds = (low, high) }
            } else if let value = Int(item), item.allSatisfy(\.isNumber) {
                bounds = (value, value)
            }
            guard let (low, high) = bounds, range.contains(low), range.contains(high) else {
                throw .init("\(field) '\(text)' is not a number, a range [low-high] or a list of them within \(range.lowerBound) to \(range.upperBound)")
            }
            values.formUnion(low...high)
        }
        return values
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The first whole second strictly after `date` at which the schedule fires; nil when none comes
    /// within eight years (a schedule such as 31 February never fires).
    public func next(after date: Date) -> Date? {
        let calendar = Self.calendar
        let seconds = allowed["second"]!.sorted(), minutes = allowed["minute"]!.sorted(), hours = allowed["hour"]!.sorted()
        var day = calendar.startOfDay(for: date)
        for _ in 0..<(366 * 8) {
            let parts = calendar.dateComponents([.day, .month, .weekday], from: day)
            // Foundation counts weekdays from Sunday = 1; the schedule from Monday = 1.
            let weekday = (parts.weekday! + 5) % 7 + 1
            if allowed["dayOfMonth"]!.contains(parts.day!), allowed["month"]!.contains(parts.month!), allowed["dayOfWeek"]!.contains(weekday) {
                for hour in hours {
                    for minute in minutes {
                        for second in seconds {
                            let candidate = day.addingTimeInterval(Double(hour * 3_600 + minute * 60 + second))
                            if candidate > date { return candidate }
                        }
                    }
                }
            }
            guard let following = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = following
        }
        return nil
    }

    public static func == (lhs: QuerySchedule, rhs: QuerySchedule) -> Bool { lhs.given == rhs.given }
    public func hash(into hasher: inout Hasher) { hasher.combine(given) }

    public init(from decoder: any Decoder) throws {
        let given = try decoder.singleValueContainer().decode([String: String].self)
        do {
            try self.init(given: given)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(given)
    }
}

/// A schedule that cannot be used (`epcis_subscription_schedule_invalid`).
public struct QueryScheduleError: CodedError, Equatable {
    public var code: String { "epcis_subscription_schedule_invalid" }
    public let message: String

    init(_ message: String) { self.message = message }
}
