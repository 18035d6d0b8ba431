import Encoding

/// Who may read a passport attribute: the three groups of Regulation (EU) 2023/1542, Art. 77(2)
/// and Annex XIII.
public enum AccessGroup: String, Sendable, CaseIterable, Codable {
    /// (a) Everyone: what a scan shows by default.
    case `public`
    /// (b) Persons with a legitimate interest (repairers, remanufacturers, second-life operators,
    /// recyclers) and the Commission.
    case legitimateInterest = "legitimate-interest"
    /// (c) Notified bodies, market surveillance authorities and the Commission.
    case authorities

    /// The group of a Battery Pass `accessRights` cell (`Public`, `persons with a legitimate
    /// interest[ and the Commission]`, `Notified bodies, market surveillance authorities and the
    /// Commission`); nil for any other text.
    public init?(batteryPassAccessRights text: String) {
        let lowered = text.lowercased()
        if lowered == "public" {
            self = .public
        } else if lowered.hasPrefix("persons with a legitimate interest") {
            self = .legitimateInterest
        } else if lowered.hasPrefix("notified bodies") {
            self = .authorities
        } else {
            return nil
        }
    }
}

/// The role a requester proves with a role credential, and the groups it opens.
public enum PassportRole: String, Sendable, CaseIterable, Codable {
    case repairer, remanufacturer, recycler
    case secondLifeOperator = "second-life-operator"
    case notifiedBody = "notified-body"
    case marketSurveillance = "market-surveillance"
    case commission

    /// The groups the role may read, the public one included.
    public var groups: Set<AccessGroup> {
        switch self {
        case .repairer, .remanufacturer, .recycler, .secondLifeOperator: [.public, .legitimateInterest]
        case .notifiedBody, .marketSurveillance: [.public, .authorities]
        case .commission: [.public, .legitimateInterest, .authorities]
        }
    }
}

/// The access group of every attribute a passport verification shows, with the Battery Pass data
/// attributes (by their number in the Battery Pass list v1.2) it carries. An attribute not in the
/// Battery Pass list says why it is in its group.
public enum PassportAttributeAccess {
    public struct Entry: Sendable {
        public var group: AccessGroup
        /// The Battery Pass attribute numbers it carries; empty when the list has none for it.
        public var batteryPass: [Int]
        /// Why the group, when the Battery Pass list does not decide it.
        public var reason: String?
    }

    /// Every attribute `PassportVerification.passport` may hold.
    public static let catalog: [String: Entry] = [
        "gtin": Entry(group: .public, batteryPass: [2]),
        "serial": Entry(group: .public, batteryPass: [2]),
        "lot": Entry(group: .public, batteryPass: [2]),
        "model": Entry(group: .public, batteryPass: [26]),
        "manufacturer": Entry(group: .public, batteryPass: [4]),
        "manufacturingDate": Entry(group: .public, batteryPass: [6]),
        "warrentyPeriod": Entry(group: .public, batteryPass: [8]),
        "warranty": Entry(group: .public, batteryPass: [8]),
        "batteryCategory": Entry(group: .public, batteryPass: [9]),
        "batteryMass": Entry(group: .public, batteryPass: [10]),
        "batteryChemistry": Entry(group: .public, batteryPass: [31]),
        "batteryTechicalProperties": Entry(group: .public, batteryPass: [52, 59, 60, 61, 62]),
        "status": Entry(group: .legitimateInterest, batteryPass: [11]),
        "origin": Entry(group: .legitimateInterest, batteryPass: [11]),
        "stateOfHealthPerMille": Entry(group: .legitimateInterest, batteryPass: [53, 54]),
        "cycleCount": Entry(group: .legitimateInterest, batteryPass: [78]),
        "owner": Entry(
            group: .legitimateInterest, batteryPass: [],
            reason: "who owns a battery is not a Battery Pass attribute and can identify a person; only those with a legitimate interest see it"),
        "recall": Entry(
            group: .public, batteryPass: [],
            reason: "a safety recall is for everyone who holds the battery (Regulation 2019/1020 corrective action), like the verdict it turns red"),
        "firmware": Entry(
            group: .public, batteryPass: [],
            reason: "the installed firmware is not a Battery Pass attribute; owners need it to act on advisories"),
        "firmwareAdvisory": Entry(
            group: .public, batteryPass: [], reason: "a safety advisory is for everyone who holds the battery, like a recall"),
    ]

    /// Whether `groups` may read the attribute `name` (one missing from the catalog: no one).
    public static func readable(_ name: String, by groups: Set<AccessGroup>) -> Bool {
        catalog[name].map { groups.contains($0.group) } ?? false
    }

    /// The attributes of `passport` that `groups` may read. An attribute missing from the catalog is
    /// left out (shown to no one until it is classified).
    public static func view(_ passport: JSONObject, for groups: Set<AccessGroup>) -> JSONObject {
        var visible = JSONObject()
        for (name, value) in passport where readable(name, by: groups) { visible[name] = value }
        return visible
    }
}
