import Encoding
import Foundation

/// The Battery Pass data model's published aspect models (v1.2) among the vectors.
public enum BatteryPassModel {
    /// The IRI of every `samm:Property` the generated JSON-LD of the aspect models declares.
    public static func propertyIRIs() throws -> Set<String> {
        let model = try Vectors.url("batterypass/model")
        var properties: Set<String> = []
        for aspect in try FileManager.default.contentsOfDirectory(atPath: model.path) {
            let generated = model.appendingPathComponent("\(aspect)/1.2.0/gen")
            for file in (try? FileManager.default.contentsOfDirectory(atPath: generated.path)) ?? [] where file.hasSuffix("-ld.json") {
                let graph = try JSONValue(parsing: Array(try Data(contentsOf: generated.appendingPathComponent(file))))["@graph"]?.arrayValue ?? []
                for node in graph where node["@type"] == "samm:Property" { node["@id"]?.stringValue.map { properties.insert($0) } }
            }
        }
        return properties
    }
}
