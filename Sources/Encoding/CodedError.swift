/// An error with a stable machine-readable code (snake_case, or the code a standard names, such as
/// `invalidDid`), so callers, logs and HTTP problem documents can tell failures apart without
/// parsing messages.
public protocol CodedError: Error, CustomStringConvertible {
    /// The stable code, e.g. `json_duplicate_key`.
    var code: String { get }
    /// A human-readable explanation saying what was wrong and where.
    var message: String { get }
}

extension CodedError {
    public var description: String { "\(code): \(message)" }
}
