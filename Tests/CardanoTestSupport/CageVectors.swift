import Cardano
import Testing
import VectorSupport

/// The compiled MPFS cage v2 validators of the vectors (`cardano/mpfs-cage/cage-v2-scripts.json`).
public enum CageVectors {
    /// The state validator, the request validator before its parameters are applied, and the file.
    public static func scripts() throws -> (state: PlutusScript, request: PlutusScript, file: [String: Any]) {
        let file = try #require(try Vectors.json("cardano/mpfs-cage/cage-v2-scripts.json") as? [String: Any])
        func code(_ validator: String, _ field: String) throws -> [UInt8] {
            try #require(Vectors.bytes(hex: (file[validator] as? [String: Any])?[field] as? String ?? ""), "\(validator).\(field)")
        }
        return (
            PlutusScript(language: .v3, bytes: try code("state", "compiledCode")),
            PlutusScript(language: .v3, bytes: try code("request", "compiledCode_unapplied")), file
        )
    }
}
