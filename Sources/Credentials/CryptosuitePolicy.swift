import Identity

/// Which cryptosuite signs each type of credential an operator issues: its choice per type, otherwise
/// the JCS suite of the key (eddsa-jcs-2022 for Ed25519, ecdsa-jcs-2019 for P-256 and P-384).
public struct CryptosuitePolicy: Sendable, Hashable {
    /// The chosen suite by credential type (e.g. `BatteryDeviceCredential` → eddsa-rdfc-2022).
    public var byType: [String: Cryptosuite]

    public init(byType: [String: Cryptosuite] = [:]) {
        self.byType = byType
    }

    /// Reads `TYPE=SUITE` choices (e.g. `BatteryDeviceCredential=eddsa-rdfc-2022`); nil for one that
    /// is not of that form, names an unknown suite, or names ecdsa-sd-2023 (its base proofs are for
    /// holders, not for the verifiers of an operator's credentials).
    public init?(choices: [String]) {
        var byType: [String: Cryptosuite] = [:]
        for choice in choices {
            let parts = choice.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let suite = Cryptosuite(rawValue: parts[1]), !suite.isSelective else { return nil }
            byType[parts[0]] = suite
        }
        self.byType = byType
    }

    /// The suite for a credential of `types` (the first type with a choice), else `fallback`.
    public func suite(for types: [String], otherwise fallback: Cryptosuite) -> Cryptosuite {
        types.lazy.compactMap { byType[$0] }.first ?? fallback
    }

    /// The choices that cannot sign with a key of `algorithm`, as `TYPE=SUITE`.
    public func mismatches(for algorithm: KeyAlgorithm) -> [String] {
        byType.filter { !$0.value.supports(algorithm) }.map { "\($0.key)=\($0.value.rawValue)" }.sorted()
    }
}
