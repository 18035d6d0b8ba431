import Encoding

/// A configuration the instance cannot start with (`cryptosuite_key_mismatch`).
public struct ConfigurationError: CodedError {
    public let code: String
    public let message: String
}
