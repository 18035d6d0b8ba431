import Encoding

/// Why a status check, a status list, or a status update failed. Every case has a stable code; the
/// W3C Bitstring Status List error each one corresponds to is named on the case.
public struct StatusListError: CodedError, Equatable {
    /// What went wrong.
    public enum Kind: String, Sendable, CaseIterable {
        /// The credential's status bit for `revocation` is set.
        case revoked
        /// The credential's status bit for `suspension` is set.
        case suspended
        /// The status list could not be fetched: network failure, timeout, HTTP error, body too large
        /// (STATUS_RETRIEVAL_ERROR).
        case statusUnreachable = "status_unreachable"
        /// The status list credential or its `encodedList` is malformed, fails its proof, has the wrong
        /// type or purpose, or does not decompress within the limits (STATUS_VERIFICATION_ERROR,
        /// MALFORMED_VALUE_ERROR).
        case statusListInvalid = "status_list_invalid"
        /// The list has fewer than 131,072 entries (STATUS_LIST_LENGTH_ERROR).
        case statusListLengthError = "status_list_length_error"
        /// The entry's index is past the end of the list (RANGE_ERROR).
        case rangeError = "range_error"
        /// A `BitstringStatusListEntry` in a credential is malformed.
        case statusEntryInvalid = "status_entry_invalid"
        /// A status update that the list's purpose does not allow (e.g. reinstating a revocation).
        case statusUpdateInvalid = "status_update_invalid"
        /// The issuer has no status list with this id.
        case statusListNotFound = "status_list_not_found"
        /// A status list with this id already exists.
        case statusListExists = "status_list_exists"
        /// Every index of the list has been allocated.
        case statusListFull = "status_list_full"
    }

    public let kind: Kind
    public let message: String
    public var code: String { kind.rawValue }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
