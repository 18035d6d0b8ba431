import Encoding

/// A failure to decode, encode or price a Cardano structure, with a stable snake_case code.
public struct CardanoError: CodedError, Hashable, Sendable {
    /// What went wrong; the raw value is the stable code.
    public enum Kind: String, Sendable, CaseIterable {
        /// The bytes are not well-formed CBOR, or end early.
        case malformedCBOR = "cardano_malformed_cbor"
        /// Plutus data of a shape the ledger does not accept (wrong major type, tag or structure).
        case invalidPlutusData = "plutus_data_invalid"
        /// A definite byte string (or chunk) in Plutus data longer than 64 bytes.
        case plutusBytesTooLong = "plutus_data_bytes_too_long"
        /// Plutus data nested deeper than the decoder allows.
        case plutusDataTooDeep = "plutus_data_too_deep"
        /// A transaction that is not `[body, witness_set, is_valid, auxiliary_data / null]`.
        case invalidTransaction = "cardano_tx_invalid"
        /// A transaction body field of the wrong type or size.
        case invalidBody = "cardano_tx_body_invalid"
        /// A witness set entry of the wrong type or size.
        case invalidWitnessSet = "cardano_witness_set_invalid"
        /// A hash, key or signature of the wrong length.
        case invalidLength = "cardano_invalid_length"
        /// Arithmetic that does not fit in 64 bits (fees, values).
        case overflow = "cardano_overflow"
        /// A malformed Bech32 string or a wrong human-readable part.
        case invalidBech32 = "cardano_bech32_invalid"
        /// An address header or payload the ledger does not accept.
        case invalidAddress = "cardano_address_invalid"
        /// A cardano-cli text envelope of the wrong type or with bad `cborHex`.
        case invalidTextEnvelope = "cardano_text_envelope_invalid"
        /// A cost model is missing for a language the script data hash needs.
        case missingCostModel = "cardano_missing_cost_model"
        /// A script that is not a flat-encoded UPLC program the parameter application can read.
        case invalidScript = "cardano_script_invalid"
        /// Plutus data that is not the MPFS cage datum or redeemer it should be.
        case invalidCageDatum = "cage_datum_invalid"
        /// A request's MPF proof does not fit the root folded so far.
        case cageProofMismatch = "cage_proof_mismatch"
        /// A request settled outside the time phase its action needs (applied outside its processing
        /// window, rejected while it is live): the cage would refuse the transaction and keep the collateral.
        case cagePhaseMismatch = "cage_phase_mismatch"
        /// A transaction output that does not carry the root anchor it is said to carry.
        case notAnAnchor = "cardano_not_an_anchor"
        /// A correct MPF proof the deployed cage (MPF v2.0.0) would check wrongly: the key must wait
        /// until the trie's shape around it changes.
        case cageProofUnsupported = "cage_proof_unsupported"
    }

    /// What went wrong.
    public let kind: Kind
    /// The explanation.
    public let message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var code: String { kind.rawValue }

    /// Wraps a CBOR decoding error.
    static func cbor(_ error: CBORError, in context: String) -> CardanoError {
        CardanoError(.malformedCBOR, "\(context): \(error.description)")
    }
}
