import Encoding
import Foundation

/// How the page shows each passport attribute to a person: a label, the section it belongs in, and
/// its value with units (`280 Ah`, `14.34 kWh`, `96.9 %`), in the order a person reads them.
enum PassportAttributeDisplay {
    /// The page's sections, in order.
    enum Section: String, CaseIterable, Sendable {
        case identity = "Identity"
        case health = "Performance and health"
        case materials = "Materials"
        case warranty = "Warranty and safety"
        case circularity = "Ownership and life cycle"
    }

    struct Entry: Sendable {
        let name: String
        let label: String
        let section: Section
        let format: @Sendable (JSONValue) -> String?
    }

    /// Every attribute the page knows, in display order.
    static let entries: [Entry] = [
        Entry(name: "model", label: "Model", section: .identity, format: text),
        Entry(name: "gtin", label: "GTIN", section: .identity, format: text),
        Entry(name: "serial", label: "Serial number", section: .identity, format: text),
        Entry(name: "lot", label: "Batch", section: .identity, format: text),
        Entry(name: "manufacturer", label: "Manufacturer", section: .identity, format: text),
        Entry(name: "manufacturingDate", label: "Manufactured", section: .identity, format: date),
        Entry(name: "batteryCategory", label: "Category", section: .identity, format: category),
        Entry(name: "batteryTechicalProperties", label: "Rated capacity", section: .health, format: member("ratedCapacity", unit: "Ah")),
        Entry(name: "batteryTechicalProperties", label: "Rated energy", section: .health, format: energy),
        Entry(name: "batteryTechicalProperties", label: "Nominal voltage", section: .health, format: member("nominalVoltage", unit: "V")),
        Entry(name: "stateOfHealthPerMille", label: "State of health", section: .health, format: perMille),
        Entry(name: "cycleCount", label: "Charge cycles", section: .health, format: number(unit: nil)),
        Entry(name: "firmware", label: "Firmware", section: .health, format: firmware),
        Entry(name: "batteryChemistry", label: "Chemistry", section: .materials, format: chemistry),
        Entry(name: "batteryMass", label: "Mass", section: .materials, format: number(unit: "kg")),
        Entry(name: "warranty", label: "Warranty", section: .warranty, format: warranty),
        Entry(name: "warrentyPeriod", label: "Warranty period", section: .warranty, format: months),
        Entry(name: "recall", label: "Recall", section: .warranty, format: text),
        Entry(name: "firmwareAdvisory", label: "Firmware advisory", section: .warranty, format: text),
        Entry(name: "status", label: "Status", section: .circularity, format: text),
        Entry(name: "origin", label: "First life", section: .circularity, format: origin),
        Entry(name: "owner", label: "Owner", section: .circularity, format: text),
    ]

    /// The rows of `passport` per section, in display order: (label, shown value).
    static func rows(_ passport: JSONObject) -> [(Section, [(label: String, value: String)])] {
        Section.allCases.compactMap { section in
            let rows = entries.filter { $0.section == section }.compactMap { entry -> (label: String, value: String)? in
                guard let value = passport[entry.name], let shown = entry.format(value) else { return nil }
                return (entry.label, shown)
            }
            return rows.isEmpty ? nil : (section, rows)
        }
    }

    static func text(_ value: JSONValue) -> String? { value.stringValue }

    static func number(unit: String?) -> @Sendable (JSONValue) -> String? {
        { value in value.doubleValue.map { decimal($0) + (unit.map { " " + $0 } ?? "") } }
    }

    static func member(_ name: String, unit: String) -> @Sendable (JSONValue) -> String? {
        { value in value[name].flatMap(number(unit: unit)) }
    }

    /// Rated energy, given in Wh, in kWh.
    static func energy(_ value: JSONValue) -> String? {
        value["ratedEnergy"]?.doubleValue.map { decimal($0 / 1000, fractionDigits: 2) + " kWh" }
    }

    static func perMille(_ value: JSONValue) -> String? {
        value.doubleValue.map { decimal($0 / 10, fractionDigits: 1) + " %" }
    }

    static func months(_ value: JSONValue) -> String? {
        guard let months = value.doubleValue else { return nil }
        let years = months / 12
        return decimal(months) + " months" + (years.rounded() == years ? " (\(decimal(years)) years)" : "")
    }

    static func date(_ value: JSONValue) -> String? {
        value.stringValue.map { String($0.prefix(10)) }
    }

    static func category(_ value: JSONValue) -> String? {
        value.stringValue.map { $0.prefix(1).uppercased() + $0.dropFirst() }
    }

    static func chemistry(_ value: JSONValue) -> String? {
        value["shortName"]?.stringValue ?? value.stringValue
    }

    static func firmware(_ value: JSONValue) -> String? {
        value["version"]?.stringValue.map { "version " + $0 }
    }

    static func warranty(_ value: JSONValue) -> String? {
        guard let start = value["start"]?.stringValue, let end = value["end"]?.stringValue else { return nil }
        let period = "\(start.prefix(10)) to \(end.prefix(10))"
        return value["voided"] == .bool(true) ? period + ", voided" : period
    }

    static func origin(_ value: JSONValue) -> String? {
        guard let battery = value["batteryId"]?.stringValue else { return nil }
        return "repurposed from \(battery)" + (value["operator"]?.stringValue.map { " (\($0))" } ?? "")
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
