import EPCIS
import Encoding
import Foundation
import Credentials
import Identity

/// What the end-of-line station tells the service about one battery it provisions: its GS1
/// identity, model and static attributes (named as in the Battery Pass data model), the public
/// key its secure element generated (the private key never leaves it), firmware, bill of materials
/// and an optional first owner.
public struct DeviceSpec: Sendable, Hashable {
    /// The battery category of EU 2023/1542 (Battery Pass `batteryCategory`).
    public enum Category: String, Sendable, CaseIterable {
        case lmt, ev, industrial, stationary
    }

    /// The GTIN-14 of the model (check digit verified).
    public var gtin: String
    /// The serial (GS1 AI 21: 1 to 20 characters of the GS1 AI encodable character set 82).
    public var serial: String
    /// The batch or lot (GS1 AI 10), when the line records it.
    public var lot: String?
    public var model: String
    public var category: Category
    /// The chemistry's short name, e.g. `LFP`, `NMC`.
    public var chemistry: String
    /// Rated capacity in ampere-hours.
    public var ratedCapacityAh: Double
    /// Rated energy in watt-hours.
    public var ratedEnergyWh: Double?
    public var nominalVoltage: Double?
    /// Mass in kilograms.
    public var massKg: Double?
    /// The day of manufacture, `YYYY-MM-DD`.
    public var manufacturingDate: String
    /// The public key of the battery's secure element.
    public var publicKey: PublicKey
    public var firmwareVersion: String
    /// SHA-256 of the firmware image, 32 bytes.
    public var firmwareHash: [UInt8]
    /// The hash of the bill of materials, `sha256:<64 hex>`.
    public var bomHash: String
    /// Credential ids of the components (e.g. the cells' EPCIS credentials).
    public var components: [String]
    /// The DID of a first owner (an integrator) to issue an Ownership credential to.
    public var owner: String?
    /// The warranty in months from the day of manufacture.
    public var warrantyMonths: Int?

    public init(
        gtin: String, serial: String, lot: String? = nil, model: String, category: Category = .stationary, chemistry: String,
        ratedCapacityAh: Double, ratedEnergyWh: Double? = nil, nominalVoltage: Double? = nil, massKg: Double? = nil,
        manufacturingDate: String, publicKey: PublicKey, firmwareVersion: String, firmwareHash: [UInt8], bomHash: String,
        components: [String] = [], owner: String? = nil, warrantyMonths: Int? = nil
    ) {
        self.gtin = gtin
        self.serial = serial
        self.lot = lot
        self.model = model
        self.category = category
        self.chemistry = chemistry
        self.ratedCapacityAh = ratedCapacityAh
        self.ratedEnergyWh = ratedEnergyWh
        self.nominalVoltage = nominalVoltage
        self.massKg = massKg
        self.manufacturingDate = manufacturingDate
        self.publicKey = publicKey
        self.firmwareVersion = firmwareVersion
        self.firmwareHash = firmwareHash
        self.bomHash = bomHash
        self.components = components
        self.owner = owner
        self.warrantyMonths = warrantyMonths
    }

    /// The battery's path on a GS1 Digital Link resolver, `/01/<gtin>/21/<serial>`.
    public var digitalLinkPath: String {
        "/01/\(gtin)/21/" + (serial.addingPercentEncoding(withAllowedCharacters: Self.pathCharacters) ?? serial)
    }

    private static let pathCharacters = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$'()*+,;=:@")

    /// Reads a spec from its JSON form (the members are this type's properties; `publicKeyMultibase`
    /// for the key, `firmware: {version, sha256}`, `bom: {hash, components}`). Each problem is
    /// `invalid_device` naming the member.
    /// `today` is the manufacturing date when the object names none.
    public init(json object: JSONObject, path: String = "", today: @autoclosure () -> String = DeviceSpec.today(Date())) throws(PassportError) {
        let reader = SpecReader(object: object, path: path)
        gtin = try reader.string("gtin")
        serial = try reader.string("serial")
        lot = try reader.optionalString("lot")
        model = try reader.string("model")
        let categoryName = try reader.optionalString("batteryCategory") ?? Category.stationary.rawValue
        guard let category = Category(rawValue: categoryName) else {
            throw reader.invalid("batteryCategory", "must be one of \(Category.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.category = category
        chemistry = try reader.string("chemistry")
        ratedCapacityAh = try reader.number("ratedCapacityAh")
        ratedEnergyWh = try reader.optionalNumber("ratedEnergyWh")
        nominalVoltage = try reader.optionalNumber("nominalVoltage")
        massKg = try reader.optionalNumber("massKg")
        manufacturingDate = try reader.optionalString("manufacturingDate") ?? today()
        let multikey = try reader.string("publicKeyMultibase")
        do {
            publicKey = try PublicKey(multikey: multikey)
        } catch {
            throw reader.invalid("publicKeyMultibase", "is not an Ed25519 or P-256 Multikey: \(error.message)")
        }
        let firmware = try reader.object("firmware")
        let firmwareReader = SpecReader(object: firmware, path: path + "/firmware")
        firmwareVersion = try firmwareReader.string("version")
        let hashHex = try firmwareReader.string("sha256")
        guard let hash = try? Hex.decode(hashHex), hash.count == 32 else {
            throw firmwareReader.invalid("sha256", "must be 64 hex digits")
        }
        firmwareHash = hash
        let bom = try reader.object("bom")
        let bomReader = SpecReader(object: bom, path: path + "/bom")
        bomHash = try bomReader.string("hash")
        components = try bomReader.strings("components")
        owner = try reader.optionalString("owner")
        warrantyMonths = try reader.optionalInteger("warrantyMonths")
        try validate(path: path)
    }

    /// Checks the identifiers and values; `invalid_device` names the member at fault.
    public func validate(path: String = "") throws(PassportError) {
        func fail(_ member: String, _ message: String) -> PassportError {
            PassportError("invalid_device", "\(path)/\(member) \(message)")
        }
        guard gtin.count == 14, gtin.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { throw fail("gtin", "must have 14 digits") }
        guard GS1CheckDigit.isValid(gtin) else { throw PassportError("invalid_check_digit", "\(path)/gtin \(gtin) has a wrong check digit") }
        guard Self.isAI82(serial, maxLength: 20) else { throw fail("serial", "must be 1 to 20 characters of the GS1 character set 82") }
        if let lot, !Self.isAI82(lot, maxLength: 20) { throw fail("lot", "must be 1 to 20 characters of the GS1 character set 82") }
        for (member, text) in [("model", model), ("chemistry", chemistry), ("firmware/version", firmwareVersion)] {
            guard (1...128).contains(text.utf8.count) else { throw fail(member, "must have 1 to 128 bytes") }
        }
        guard ratedCapacityAh > 0, ratedCapacityAh < 1e6 else { throw fail("ratedCapacityAh", "must be above 0 and below 10^6") }
        for (member, value) in [("ratedEnergyWh", ratedEnergyWh), ("nominalVoltage", nominalVoltage), ("massKg", massKg)] {
            if let value, !(value > 0 && value < 1e9) { throw fail(member, "must be above 0 and below 10^9") }
        }
        guard Self.isDate(manufacturingDate) else { throw fail("manufacturingDate", "must be a date YYYY-MM-DD") }
        guard bomHash.hasPrefix("sha256:"), let digest = try? Hex.decode(String(bomHash.dropFirst(7))), digest.count == 32 else {
            throw fail("bom/hash", "must be sha256:<64 hex digits>")
        }
        guard components.count <= 1_000 else { throw fail("bom/components", "may list at most 1,000 credentials") }
        if let owner, (try? DIDURL(owner))?.isBareDID != true { throw fail("owner", "must be a DID") }
        if let warrantyMonths, !(1...600).contains(warrantyMonths) { throw fail("warrantyMonths", "must be 1 to 600") }
    }

    /// GS1 AI encodable character set 82, as AI 21 and AI 10 allow.
    static func isAI82(_ text: String, maxLength: Int) -> Bool {
        let allowed = Set("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".utf8)
        return (1...maxLength).contains(text.utf8.count) && text.utf8.allSatisfy(allowed.contains)
    }

    /// Whether `text` is a calendar date `YYYY-MM-DD` (proleptic Gregorian, UTC).
    static func isDate(_ text: String) -> Bool {
        guard text.utf8.count == 10 else { return false }
        return XSDDateTime.parse(text + "T00:00:00Z").map { XSDDateTime.format($0).hasPrefix(text) } ?? false
    }

    /// Today in UTC, `YYYY-MM-DD`.
    public static func today(_ now: Date) -> String {
        String(XSDDateTime.format(now).prefix(10))
    }
}

/// Reads typed members of a JSON object, naming the member in every failure.
struct SpecReader {
    let object: JSONObject
    let path: String

    func invalid(_ member: String, _ message: String) -> PassportError {
        PassportError("invalid_device", "\(path)/\(member) \(message)")
    }

    func optionalString(_ member: String) throws(PassportError) -> String? {
        guard let value = object[member], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw invalid(member, "must be a string") }
        return text
    }

    func string(_ member: String) throws(PassportError) -> String {
        guard let text = try optionalString(member) else { throw invalid(member, "is required") }
        return text
    }

    func optionalNumber(_ member: String) throws(PassportError) -> Double? {
        guard let value = object[member], !value.isNull else { return nil }
        guard let number = value.doubleValue else { throw invalid(member, "must be a number") }
        return number
    }

    func number(_ member: String) throws(PassportError) -> Double {
        guard let number = try optionalNumber(member) else { throw invalid(member, "is required") }
        return number
    }

    func optionalInteger(_ member: String) throws(PassportError) -> Int? {
        guard let number = try optionalNumber(member) else { return nil }
        guard number.rounded() == number, abs(number) < 1e15 else { throw invalid(member, "must be an integer") }
        return Int(number)
    }

    func object(_ member: String) throws(PassportError) -> JSONObject {
        guard let value = object[member] else { throw invalid(member, "is required") }
        guard let inner = value.objectValue else { throw invalid(member, "must be an object") }
        return inner
    }

    func strings(_ member: String) throws(PassportError) -> [String] {
        guard let value = object[member], !value.isNull else { return [] }
        guard let items = value.arrayValue else { throw invalid(member, "must be an array of strings") }
        var strings: [String] = []
        for item in items {
            guard let text = item.stringValue else { throw invalid(member, "must be an array of strings") }
            strings.append(text)
        }
        return strings
    }
}
