import Encoding

/// Why an Event Hash ID could not be computed.
public struct EventHashError: CodedError, Equatable {
    /// The event is not shaped like an EPCIS event (no `type`, a list entry of the wrong shape…).
    public static let invalidEvent = "event_hash_invalid_event"
    /// The document holds no event list.
    public static let noEvents = "event_hash_no_events"

    public let code: String
    public let message: String

    init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
}
