import Encoding

/// A failure to reach a chain backend or to have it accept a request, with a stable code.
public struct ChainError: CodedError, Hashable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The backend could not be reached or did not answer in time.
        case unreachable = "chain_unreachable"
        /// The backend answered something that is not the protocol's answer.
        case invalidResponse = "chain_response_invalid"
        /// The backend refused a transaction or a query (its own code is in the message).
        case rejected = "chain_rejected"
        /// A transaction's phase-2 scripts failed when evaluated.
        case scriptFailed = "chain_script_failed"
    }

    public let kind: Kind
    public let message: String
    /// The backend's own error code, when it gave one (Ogmios's JSON-RPC error code).
    public let backendCode: Int?

    public init(_ kind: Kind, _ message: String, backendCode: Int? = nil) {
        self.kind = kind
        self.message = message
        self.backendCode = backendCode
    }

    public var code: String { kind.rawValue }
}
