import Encoding

/// A failure of the battery passport domain, with a stable code, e.g. `transition_not_allowed`,
/// `actor_not_authorized`, `leaf_malformed`, `device_exists`, `operator_not_found`.
public struct PassportError: CodedError, Equatable {
    public let code: String
    public let message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    static func leafMalformed(_ message: String) -> PassportError { PassportError("leaf_malformed", message) }

    public static func operatorNotFound(_ id: String) -> PassportError {
        PassportError("operator_not_found", "no operator '\(id)' is registered")
    }

    public static func deviceNotFound(_ id: String) -> PassportError {
        PassportError("device_not_found", "no device '\(id)' is provisioned")
    }
}
