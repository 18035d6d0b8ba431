import Encoding

/// A Plutus language, with its ledger id.
public enum PlutusLanguage: UInt8, Sendable, Hashable, CaseIterable {
    case v1 = 0, v2 = 1, v3 = 2
}

/// The script data hash (body key 11, "script integrity hash"):
/// BLAKE2b-256(redeemers ‖ datums ‖ language views), per the Conway CDDL.
///
/// - redeemers and datums are the witness set's entries 5 and 4 exactly as serialised in the
///   transaction; datums are omitted when absent; with datums but no redeemers the redeemers are `a0`;
/// - language views are the canonical map `{language => cost model}` for the languages the
///   transaction's scripts use: V2 and V3 as `uint => definite [* int]`; V1 with its historical quirks
///   (key as the byte string `h'00'`, value a byte string holding an indefinite list).
public enum ScriptDataHash {
    /// The hash for a witness set, or nil when it has neither redeemers nor datums.
    public static func compute(
        witnessSet: WitnessSet, costModels: [PlutusLanguage: [Int64]], languages: Set<PlutusLanguage>
    ) throws(CardanoError) -> [UInt8]? {
        try compute(
            redeemers: witnessSet.redeemersBytes, datums: witnessSet.datumsBytes, costModels: costModels,
            languages: languages)
    }

    /// The hash from the serialised redeemers and datums, or nil when both are absent.
    public static func compute(
        redeemers: [UInt8]?, datums: [UInt8]?, costModels: [PlutusLanguage: [Int64]], languages: Set<PlutusLanguage>
    ) throws(CardanoError) -> [UInt8]? {
        guard redeemers != nil || datums != nil else { return nil }
        var preimage = redeemers ?? [0xa0]
        preimage += datums ?? []
        preimage += try languageViews(costModels: costModels, languages: redeemers == nil ? [] : languages)
        return Blake2b.hash256(preimage)
    }

    /// The canonical language views encoding for `languages`.
    public static func languageViews(
        costModels: [PlutusLanguage: [Int64]], languages: Set<PlutusLanguage>
    ) throws(CardanoError) -> [UInt8] {
        var entries: [(key: [UInt8], value: [UInt8])] = []
        for language in languages {
            guard let model = costModels[language] else {
                throw CardanoError(.missingCostModel, "no cost model for Plutus \(language)")
            }
            var key = CBORWriter()
            var value = CBORWriter()
            if language == .v1 {
                key.appendHead(.bytes, 1)
                key.appendRaw([0])
                var list = CBORWriter()
                list.beginIndefiniteArray()
                for parameter in model { list.appendInteger(parameter) }
                list.appendBreak()
                value.appendHead(.bytes, UInt64(list.bytes.count))
                value.appendRaw(list.bytes)
            } else {
                key.appendHead(.unsigned, UInt64(language.rawValue))
                value.appendHead(.array, UInt64(model.count))
                for parameter in model { value.appendInteger(parameter) }
            }
            entries.append((key.bytes, value.bytes))
        }
        // RFC 7049 canonical order: shorter keys first, then bytewise.
        entries.sort { $0.key.count != $1.key.count ? $0.key.count < $1.key.count : $0.key.lexicographicallyPrecedes($1.key) }
        var writer = CBORWriter()
        writer.appendHead(.map, UInt64(entries.count))
        for entry in entries {
            writer.appendRaw(entry.key)
            writer.appendRaw(entry.value)
        }
        return writer.bytes
    }
}

extension CBORWriter {
    mutating func appendInteger(_ value: Int64) {
        if value >= 0 { appendHead(.unsigned, UInt64(value)) } else { appendHead(.negative, UInt64(-1 - value)) }
    }
}
