import Encoding
import Passport
import Testing
import VectorSupport

/// Every attribute a passport verification shows is in the access group the Battery Pass data
/// attribute list (v1.2, `../shared/vectors/batterypass`) gives the attributes it carries, and each
/// role sees exactly the groups Art. 77(2) of the battery regulation opens to it.
@Suite struct AccessGroupTests {
    /// One value for every attribute of the catalog.
    static let fullPassport: JSONObject = {
        var passport = JSONObject()
        for name in PassportAttributeAccess.catalog.keys.sorted() { passport[name] = .string("value of \(name)") }
        return passport
    }()

    @Test(.enabled(if: Vectors.shouldRun, "the vectors are absent; fails under CI=true"))
    func catalogFollowsTheBatteryPassAccessRights() throws {
        let rows = try #require(try JSONValue(parsing: Array(try Vectors.data("batterypass/data-attributes-v1.2.json"))).arrayValue)
        var groups: [Int: AccessGroup] = [:]
        for row in rows {
            let number = try #require(row["number"]?.stringValue.flatMap { Int($0) })
            let rights = try #require(row["accessRights"]?.stringValue)
            groups[number] = try #require(AccessGroup(batteryPassAccessRights: rights), "row \(number): \(rights)")
        }
        #expect(groups.count == 93)
        #expect(Set(groups.values) == Set(AccessGroup.allCases))
        for (name, entry) in PassportAttributeAccess.catalog {
            if entry.batteryPass.isEmpty {
                #expect(entry.reason?.isEmpty == false, "\(name) is in no Battery Pass row, so it says why it is \(entry.group)")
            }
            for number in entry.batteryPass {
                #expect(groups[number] == entry.group, "\(name) carries Battery Pass attribute \(number)")
            }
        }
    }

    @Test(arguments: [nil] + PassportRole.allCases)
    func eachRoleSeesExactlyItsGroups(role: PassportRole?) {
        let groups = role?.groups ?? [.public]
        let visible = PassportAttributeAccess.view(Self.fullPassport, for: groups)
        let expected = PassportAttributeAccess.catalog.filter { groups.contains($0.value.group) }.map(\.key)
        #expect(Set(visible.keys) == Set(expected))
        // The public never sees the battery's state of health, cycles, status or owner.
        if role == nil {
            for restricted in ["stateOfHealthPerMille", "cycleCount", "status", "owner", "origin"] { #expect(visible[restricted] == nil) }
        }
    }

    @Test func rolesOpenTheRegulationsGroups() {
        #expect(PassportRole.repairer.groups == [.public, .legitimateInterest])
        #expect(PassportRole.recycler.groups == [.public, .legitimateInterest])
        #expect(PassportRole.notifiedBody.groups == [.public, .authorities])
        #expect(PassportRole.marketSurveillance.groups == [.public, .authorities])
        #expect(PassportRole.commission.groups == Set(AccessGroup.allCases))
        // An attribute nobody classified is shown to no one.
        #expect(PassportAttributeAccess.view(["unclassified": "x"], for: Set(AccessGroup.allCases)).isEmpty)
    }
}
