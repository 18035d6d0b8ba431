import Credentials
import Encoding
import Foundation

/// A battery's public passport as a UN Transparency Protocol Digital Product Passport (UNTP DPP
/// 0.6.0): the product with its GS1 identifiers, the manufacturer, and the battery's public
/// attributes as its `characteristics`. What the operator signs and publishes for machines that read
/// UNTP (``PassportService/publishProductPassport(for:)``).
public enum UNTPProductPassport {
    /// The credential type.
    public static let type = "DigitalProductPassport"
    /// The UNTP DPP context this writes to.
    public static let contextURL = "https://test.uncefact.org/vocabulary/untp/dpp/0.6.0/"
    /// Voltpass's context for the battery `characteristics`: the Battery Pass data model's IRIs.
    public static let batteryContextURL = "https://voltpass.dev/ns/untp-battery/v1"

    /// The unsigned credential of `device` carried by `carrier`, from its `publicAttributes` (the
    /// public view of a verification), issued at `date`.
    public static func document(
        device: DeviceRecord, carrier: OperatorRecord, publicAttributes: JSONObject, id: String, at date: Date
    ) -> JSONObject {
        var product: JSONObject = [
            "type": ["Product"],
            "id": .string(device.id),
            "name": .string(device.model),
            "registeredId": .string(device.gtin),
            "idScheme": ["type": ["IdentifierScheme"], "id": "https://id.gs1.org/01/", "name": "GS1 Global Trade Item Number"],
            "serialNumber": .string(device.serial),
            "producedByParty": ["id": .string(carrier.id), "name": .string(carrier.name)],
            "characteristics": .object(characteristics(publicAttributes)),
        ]
        if let lot = device.lot { product["batchNumber"] = .string(lot) }
        if let day = publicAttributes["manufacturingDate"]?.stringValue, day.count >= 10 { product["productionDate"] = .string(String(day.prefix(10))) }
        return [
            "@context": ["https://www.w3.org/ns/credentials/v2", .string(contextURL), .string(batteryContextURL)],
            "type": [.string(type), "VerifiableCredential"],
            "id": .string(id),
            "issuer": ["type": ["CredentialIssuer"], "id": .string(carrier.id), "name": .string(carrier.name)],
            "validFrom": .string(XSDDateTime.format(date)),
            "credentialSubject": ["type": ["ProductPassport"], "id": .string(device.id), "product": .object(product), "granularityLevel": "item"],
        ]
    }

    /// The battery attributes UNTP leaves to the industry, as the public view names them.
    static func characteristics(_ publicAttributes: JSONObject) -> JSONObject {
        var characteristics: JSONObject = ["type": ["Characteristics"]]
        for (name, value) in publicAttributes where !["gtin", "serial", "lot", "model", "manufacturer", "manufacturingDate"].contains(name) {
            characteristics[name] = value
        }
        return characteristics
    }
}
