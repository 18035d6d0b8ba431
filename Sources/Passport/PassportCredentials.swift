import Credentials
import Encoding
import Foundation
import Identity

/// The battery passport's credentials, as unsigned VC 2.0 documents: Device (model and static
/// Annex XIII attributes named as in the Battery Pass data model), BOM, Ownership and BMS key.
/// The operator signs them; their terms are defined by the context at ``contextURL``, shipped in
/// `Sources/RDF/Contexts` and served at the path of its IRI.
public enum PassportCredentials {
    /// The `@context` URL of the battery terms (served at `/ns/battery/v2`): the Battery Pass data
    /// model's SAMM property IRIs for the Annex XIII attributes, Voltpass's battery vocabulary for the
    /// rest. Credentials issued before it name `/ns/battery/v1` (everything in Voltpass's vocabulary),
    /// which stays shipped and pinned so they still verify.
    public static let contextURL = "https://voltpass.dev/ns/battery/v2"
    /// The IRI the battery terms expand under.
    public static let namespace = "https://voltpass.dev/ns/battery#"

    public static let deviceType = "BatteryDeviceCredential"
    public static let bomType = "BatteryBOMCredential"
    public static let ownershipType = "BatteryOwnershipCredential"
    public static let bmsKeyType = "BatteryBMSKeyCredential"

    static func base(type: String, id: String, issuer: String, validFrom: Date) -> JSONObject {
        [
            "@context": ["https://www.w3.org/ns/credentials/v2", .string(contextURL)],
            "id": .string(id),
            "type": ["VerifiableCredential", .string(type)],
            "issuer": .string(issuer),
            "validFrom": .string(XSDDateTime.format(validFrom)),
        ]
    }

    /// The Device credential: the battery (subject: its did:key) with its identifiers, model, static
    /// attributes, firmware and BMS key. `status` is its suspension entry (a recall suspends it).
    public static func device(
        _ spec: DeviceSpec, id: String, batteryID: String, deviceDID: String, issuer: String, status: JSONObject,
        validFrom: Date
    ) -> JSONObject {
        var technical: JSONObject = ["ratedCapacity": .number(spec.ratedCapacityAh)]
        if let energy = spec.ratedEnergyWh { technical["ratedEnergy"] = .number(energy) }
        if let voltage = spec.nominalVoltage { technical["nominalVoltage"] = .number(voltage) }
        var subject: JSONObject = [
            "id": .string(deviceDID),
            "productIdentifier": .string(batteryID),
            "batteryPassportIdentifier": .string(batteryID),
            "gtin": .string(spec.gtin),
            "serial": .string(spec.serial),
            "model": .string(spec.model),
            "batteryCategory": .string(spec.category.rawValue),
            "batteryChemistry": .object(["shortName": .string(spec.chemistry)]),
            "batteryTechicalProperties": .object(technical),
            "manufacturingDate": .string(spec.manufacturingDate),
            "manufacturerInformation": .object(["identifier": .string(issuer)]),
            "firmware": .object(["version": .string(spec.firmwareVersion), "sha256": .string(Hex.encode(spec.firmwareHash))]),
            "bmsPublicKeyMultibase": .string(spec.publicKey.multikey),
        ]
        if let lot = spec.lot { subject["lot"] = .string(lot) }
        if let mass = spec.massKg { subject["batteryMass"] = .number(mass) }
        if let months = spec.warrantyMonths { subject["warrentyPeriod"] = .number(Double(months)) }
        var document = base(type: deviceType, id: id, issuer: issuer, validFrom: validFrom)
        document["credentialSubject"] = .object(subject)
        document["credentialStatus"] = .object(status)
        return document
    }

    /// The BOM credential: the bill-of-materials hash and the credentials of the components.
    public static func bom(
        batteryID: String, deviceDID: String, bomHash: String, components: [String], id: String, issuer: String, validFrom: Date
    ) -> JSONObject {
        var document = base(type: bomType, id: id, issuer: issuer, validFrom: validFrom)
        document["credentialSubject"] = .object([
            "id": .string(deviceDID),
            "productIdentifier": .string(batteryID),
            "bomHash": .string(bomHash),
            "components": .array(components.map(JSONValue.string)),
        ])
        return document
    }

    /// An Ownership credential: `owner` holds the battery; `previous` is the credential it supersedes.
    /// `status` is its revocation entry (the next hand-off revokes it).
    public static func ownership(
        batteryID: String, deviceDID: String, owner: String, sequence: Int, previous: String?, id: String, issuer: String,
        status: JSONObject, validFrom: Date
    ) -> JSONObject {
        var subject: JSONObject = [
            "id": .string(deviceDID),
            "productIdentifier": .string(batteryID),
            "owner": .string(owner),
            "sequence": .number(Double(sequence)),
        ]
        if let previous { subject["previousOwnership"] = .string(previous) }
        var document = base(type: ownershipType, id: id, issuer: issuer, validFrom: validFrom)
        document["credentialSubject"] = .object(subject)
        document["credentialStatus"] = .object(status)
        return document
    }

    /// A BMS key credential: the key of a replaced BMS module, registered by the operator.
    public static func bmsKey(
        batteryID: String, deviceDID: String, key: PublicKey, sequence: Int, previousKey: String, id: String, issuer: String,
        validFrom: Date
    ) -> JSONObject {
        var document = base(type: bmsKeyType, id: id, issuer: issuer, validFrom: validFrom)
        document["credentialSubject"] = .object([
            "id": .string(deviceDID),
            "productIdentifier": .string(batteryID),
            "bmsPublicKeyMultibase": .string(key.multikey),
            "sequence": .number(Double(sequence)),
            "replacesKeyMultibase": .string(previousKey),
        ])
        return document
    }

    /// The EPCIS 2.0 commissioning ObjectEvent of newly provisioned batteries (one event, every EPC).
    public static func commissioningDocument(batteryIDs: [String], at date: Date, gln: String?) -> JSONValue {
        var event: JSONObject = [
            "type": "ObjectEvent",
            "eventTime": .string(XSDDateTime.format(date)),
            "eventTimeZoneOffset": "+00:00",
            "epcList": .array(batteryIDs.map(JSONValue.string)),
            "action": "ADD",
            "bizStep": "commissioning",
            "disposition": "active",
        ]
        if let gln {
            event["readPoint"] = .object(["id": .string("https://id.gs1.org/414/\(gln)")])
        }
        return .object([
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": .string(XSDDateTime.format(date)),
            "epcisBody": .object(["eventList": [.object(event)]]),
        ])
    }
}
