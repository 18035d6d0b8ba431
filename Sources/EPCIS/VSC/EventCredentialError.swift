import Encoding

/// An EPCIS event could not be carried as a credential, or a credential does not carry one.
public struct EventCredentialError: CodedError, Equatable {
    public let code: String
    public let message: String
    /// JSON Pointer to the offending member, when there is one.
    public let path: String?

    public init(_ code: String, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }
}
