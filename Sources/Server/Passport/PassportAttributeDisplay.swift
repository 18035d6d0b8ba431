import Encoding
import Foundation

/// How the page shows each passport attribute to a person: a label, the section it belongs in, and
/// its value with units (`280 Ah`, `14.34 kWh`, `96.9 %`) as the reader's language writes numbers and
/// days, in the order a person reads them.
enum PassportAttributeDisplay {
    /// The page's sections, in order.
    enum Section: CaseIterable, Sendable {
        case identity, health, materials, warranty, lifeCycle

        var title: PageText {
            switch self {
            case .identity: .identity
            case .health: .health
            case .materials: .materials
            case .warranty: .warrantyAndSafety
            case .lifeCycle: .lifeCycle
            }
        }
    }

    struct Entry: Sendable {
        let name: String
        let label: PageText
        let section: Section
        let format: @Sendable (JSONValue, PageLanguage) -> String?
    }

    /// Every attribute the page knows, in display order.
    static let entries: [Entry] = [
        Entry(name: "model", label: .model, section: .identity, format: text),
        Entry(name: "gtin", label: .gtin, section: .identity, format: text),
        Entry(name: "serial", label: .serial, section: .identity, format: text),
        Entry(name: "lot", label: .batch, section: .identity, format: text),
        Entry(name: "manufacturer", label: .manufacturer, section: .identity, format: text),
        Entry(name: "manufacturingDate", label: .manufactured, section: .identity, format: date),
        Entry(name: "batteryCategory", label: .category, section: .identity, format: category),
        Entry(name: "batteryTechicalProperties", label: .ratedCapacity, section: .health, format: member("ratedCapacity", unit: "Ah")),
        Entry(name: "batteryTechicalProperties", label: .ratedEnergy, section: .health, format: energy),
        Entry(name: "batteryTechicalProperties", label: .nominalVoltage, section: .health, format: member("nominalVoltage", unit: "V")),
        Entry(name: "stateOfHealthPerMille", label: .stateOfHealth, section: .health, format: perMille),
        Entry(name: "cycleCount", label: .chargeCycles, section: .health, format: number(unit: nil)),
        Entry(name: "firmware", label: .firmware, section: .health, format: firmware),
        Entry(name: "batteryChemistry", label: .chemistry, section: .materials, format: chemistry),
        Entry(name: "batteryMass", label: .mass, section: .materials, format: number(unit: "kg")),
        Entry(name: "warranty", label: .warranty, section: .warranty, format: warranty),
        Entry(name: "warrentyPeriod", label: .warrantyPeriod, section: .warranty, format: months),
        Entry(name: "recall", label: .recall, section: .warranty, format: text),
        Entry(name: "firmwareAdvisory", label: .firmwareAdvisory, section: .warranty, format: text),
        Entry(name: "status", label: .status, section: .lifeCycle, format: text),
        Entry(name: "origin", label: .firstLife, section: .lifeCycle, format: origin),
        Entry(name: "owner", label: .owner, section: .lifeCycle, format: text),
    ]

    /// The rows of `passport` per section, in display order: (label, shown value).
    static func rows(_ passport: JSONObject, in language: PageLanguage) -> [(Section, [(label: String, value: String)])] {
        Section.allCases.compactMap { section in
            let rows = entries.filter { $0.section == section }.compactMap { entry -> (label: String, value: String)? in
                guard let value = passport[entry.name], let shown = entry.format(value, language) else { return nil }
                return (entry.label(language), shown)
            }
            return rows.isEmpty ? nil : (section, rows)
        }
    }

    static func text(_ value: JSONValue, _ language: PageLanguage) -> String? { value.stringValue }

    static func number(unit: String?) -> @Sendable (JSONValue, PageLanguage) -> String? {
        { value, language in value.doubleValue.map { language.decimal(decimal($0)) + (unit.map { " " + $0 } ?? "") } }
    }

    static func member(_ name: String, unit: String) -> @Sendable (JSONValue, PageLanguage) -> String? {
        { value, language in value[name].flatMap { number(unit: unit)($0, language) } }
    }

    /// Rated energy, given in Wh, in kWh.
    static func energy(_ value: JSONValue, _ language: PageLanguage) -> String? {
        value["ratedEnergy"]?.doubleValue.map { language.decimal(decimal($0 / 1000, fractionDigits: 2)) + " kWh" }
    }

    static func perMille(_ value: JSONValue, _ language: PageLanguage) -> String? {
        value.doubleValue.map { language.decimal(decimal($0 / 10, fractionDigits: 1)) + " %" }
    }

    static func months(_ value: JSONValue, _ language: PageLanguage) -> String? {
        guard let months = value.doubleValue else { return nil }
        let years = months / 12
        return years.rounded() == years
            ? PageText.monthsAndYears(language, decimal(months), decimal(years)) : PageText.months(language, language.decimal(decimal(months)))
    }

    static func date(_ value: JSONValue, _ language: PageLanguage) -> String? {
        value.stringValue.map { language.day($0) }
    }

    static func category(_ value: JSONValue, _ language: PageLanguage) -> String? {
        value.stringValue.map { $0.prefix(1).uppercased() + $0.dropFirst() }
    }

    static func chemistry(_ value: JSONValue, _ language: PageLanguage) -> String? {
        value["shortName"]?.stringValue ?? value.stringValue
    }

    static func firmware(_ value: JSONValue, _ language: PageLanguage) -> String? {
        value["version"]?.stringValue.map { PageText.firmwareVersion(language, $0) }
    }

    static func warranty(_ value: JSONValue, _ language: PageLanguage) -> String? {
        guard let start = value["start"]?.stringValue, let end = value["end"]?.stringValue else { return nil }
        let text: PageText = value["voided"] == .bool(true) ? .periodVoided : .period
        return text(language, language.day(start), language.day(end))
    }

    static func origin(_ value: JSONValue, _ language: PageLanguage) -> String? {
        guard let battery = value["batteryId"]?.stringValue else { return nil }
        return PageText.repurposedFrom(language, battery) + (value["operator"]?.stringValue.map { " (\($0))" } ?? "")
    }

    /// `value` with up to `fractionDigits` digits after the point, trailing zeros dropped.
    static func decimal(_ value: Double, fractionDigits: Int = 3) -> String {
        var text = String(format: "%.\(fractionDigits)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}
