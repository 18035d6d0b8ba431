import Foundation

/// Where an operator's new secret keys are created and kept.
public enum KeyCustody: Sendable {
    /// Key files (mode 0600) under `keys/` in the data directory.
    case keyFiles
    /// Key pairs generated in this PKCS#11 token; key records hold their PKCS#11 URIs.
    case hsm(PKCS11Token)

    /// The custody an optional HSM configuration asks for: key files without one, else the opened token.
    public static func opening(_ configuration: HSMConfiguration?) throws(HSMError) -> KeyCustody {
        guard let configuration else { return .keyFiles }
        return .hsm(try PKCS11Token.open(configuration))
    }

    /// The signer of the secret at `location`: a PKCS#11 URI in the configured token, else a key
    /// file path relative to `dataDirectory`. Throws `hsm_not_configured` for a PKCS#11 URI without an HSM.
    func signer(at location: String, dataDirectory: URL) throws -> any Signer {
        guard PKCS11URI.isPKCS11URI(location) else {
            return try KeyFile.load(from: dataDirectory.appendingPathComponent(location))
        }
        let uri = try PKCS11URI(parsing: location)
        guard case .hsm(let token) = self else {
            throw HSMError(.notConfigured, "the key is held in an HSM, but this instance has no PKCS#11 module configured")
        }
        return try token.signer(for: uri)
    }
}
