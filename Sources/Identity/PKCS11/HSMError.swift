import CPKCS11
import Encoding

/// Every failure of a key held in an HSM over PKCS#11: a stable code, a message that names the
/// Cryptoki function and its return value (`CKR_…`) where there is one, and never the PIN, key
/// material or a file path.
public struct HSMError: CodedError, Equatable {
    /// What went wrong; `rawValue` is the stable code.
    public enum Kind: String, Sendable, CaseIterable {
        /// The module cannot be loaded or initialized, the token is absent, or the device or session failed.
        case unavailable = "hsm_unavailable"
        /// The token refused the PIN (incorrect, locked, expired, or not set).
        case loginFailed = "hsm_login_failed"
        /// No key pair in the token matches the reference.
        case keyNotFound = "hsm_key_not_found"
        /// More than one key pair in the token matches the reference.
        case keyAmbiguous = "hsm_key_ambiguous"
        /// The key is not an Ed25519 or P-256 signing key, or the token lacks the mechanism.
        case keyUnsupported = "hsm_key_unsupported"
        /// A key record names a PKCS#11 key but no HSM is configured on this instance.
        case notConfigured = "hsm_not_configured"
        /// A PKCS#11 URI (RFC 7512) is malformed or carries attributes Voltpass does not accept.
        case invalidURI = "pkcs11_uri_invalid"
        /// Any other failure reported by the module; the message names the `CKR_…` value.
        case failed = "hsm_error"
    }

    public let kind: Kind
    public let message: String
    /// The Cryptoki return value's name (e.g. `CKR_PIN_INCORRECT`) when a module call failed.
    public let returnValue: String?

    public var code: String { kind.rawValue }

    public init(_ kind: Kind, _ message: String, returnValue: String? = nil) {
        self.kind = kind
        self.message = message
        self.returnValue = returnValue
    }

    /// The error for `function` returning `rv` (not `CKR_OK`), classified by what the caller can do about it.
    init(function: String, rv: CK_RV, context: String? = nil) {
        let name = Self.name(of: rv)
        let kind: Kind =
            switch name {
            case "CKR_PIN_INCORRECT", "CKR_PIN_INVALID", "CKR_PIN_LEN_RANGE", "CKR_PIN_EXPIRED", "CKR_PIN_LOCKED",
                "CKR_USER_PIN_NOT_INITIALIZED":
                .loginFailed
            case "CKR_SLOT_ID_INVALID", "CKR_DEVICE_ERROR", "CKR_DEVICE_MEMORY", "CKR_DEVICE_REMOVED", "CKR_SESSION_CLOSED",
                "CKR_SESSION_COUNT", "CKR_SESSION_HANDLE_INVALID", "CKR_TOKEN_NOT_PRESENT", "CKR_TOKEN_NOT_RECOGNIZED",
                "CKR_USER_NOT_LOGGED_IN", "CKR_CRYPTOKI_NOT_INITIALIZED":
                .unavailable
            case "CKR_KEY_HANDLE_INVALID", "CKR_OBJECT_HANDLE_INVALID": .keyNotFound
            case "CKR_KEY_TYPE_INCONSISTENT", "CKR_KEY_FUNCTION_NOT_PERMITTED", "CKR_MECHANISM_INVALID",
                "CKR_MECHANISM_PARAM_INVALID", "CKR_DOMAIN_PARAMS_INVALID", "CKR_CURVE_NOT_SUPPORTED":
                .keyUnsupported
            default: .failed
            }
        let what = context.map { "\($0): " } ?? ""
        self.init(kind, "\(what)\(function) returned \(name)", returnValue: name)
    }

    /// The specification's name of a return value, or its hex value for vendor and unknown ones.
    static func name(of rv: CK_RV) -> String {
        if let name = names[rv] { return name }
        return rv >= 0x8000_0000 ? "CKR_VENDOR_DEFINED+0x\(String(rv - 0x8000_0000, radix: 16))" : "0x\(String(rv, radix: 16))"
    }

    private static let names: [CK_RV: String] = [
        0x0: "CKR_OK", 0x1: "CKR_CANCEL", 0x2: "CKR_HOST_MEMORY", 0x3: "CKR_SLOT_ID_INVALID", 0x5: "CKR_GENERAL_ERROR",
        0x6: "CKR_FUNCTION_FAILED", 0x7: "CKR_ARGUMENTS_BAD", 0x8: "CKR_NO_EVENT", 0x9: "CKR_NEED_TO_CREATE_THREADS",
        0xA: "CKR_CANT_LOCK", 0x10: "CKR_ATTRIBUTE_READ_ONLY", 0x11: "CKR_ATTRIBUTE_SENSITIVE",
        0x12: "CKR_ATTRIBUTE_TYPE_INVALID", 0x13: "CKR_ATTRIBUTE_VALUE_INVALID", 0x1B: "CKR_ACTION_PROHIBITED",
        0x20: "CKR_DATA_INVALID", 0x21: "CKR_DATA_LEN_RANGE", 0x30: "CKR_DEVICE_ERROR", 0x31: "CKR_DEVICE_MEMORY",
        0x32: "CKR_DEVICE_REMOVED", 0x40: "CKR_ENCRYPTED_DATA_INVALID", 0x41: "CKR_ENCRYPTED_DATA_LEN_RANGE",
        0x50: "CKR_FUNCTION_CANCELED", 0x51: "CKR_FUNCTION_NOT_PARALLEL", 0x54: "CKR_FUNCTION_NOT_SUPPORTED",
        0x60: "CKR_KEY_HANDLE_INVALID", 0x62: "CKR_KEY_SIZE_RANGE", 0x63: "CKR_KEY_TYPE_INCONSISTENT",
        0x64: "CKR_KEY_NOT_NEEDED", 0x65: "CKR_KEY_CHANGED", 0x66: "CKR_KEY_NEEDED", 0x67: "CKR_KEY_INDIGESTIBLE",
        0x68: "CKR_KEY_FUNCTION_NOT_PERMITTED", 0x69: "CKR_KEY_NOT_WRAPPABLE", 0x6A: "CKR_KEY_UNEXTRACTABLE",
        0x70: "CKR_MECHANISM_INVALID", 0x71: "CKR_MECHANISM_PARAM_INVALID", 0x82: "CKR_OBJECT_HANDLE_INVALID",
        0x90: "CKR_OPERATION_ACTIVE", 0x91: "CKR_OPERATION_NOT_INITIALIZED", 0xA0: "CKR_PIN_INCORRECT",
        0xA1: "CKR_PIN_INVALID", 0xA2: "CKR_PIN_LEN_RANGE", 0xA3: "CKR_PIN_EXPIRED", 0xA4: "CKR_PIN_LOCKED",
        0xB0: "CKR_SESSION_CLOSED", 0xB1: "CKR_SESSION_COUNT", 0xB3: "CKR_SESSION_HANDLE_INVALID",
        0xB4: "CKR_SESSION_PARALLEL_NOT_SUPPORTED", 0xB5: "CKR_SESSION_READ_ONLY", 0xB6: "CKR_SESSION_EXISTS",
        0xB7: "CKR_SESSION_READ_ONLY_EXISTS", 0xB8: "CKR_SESSION_READ_WRITE_SO_EXISTS", 0xC0: "CKR_SIGNATURE_INVALID",
        0xC1: "CKR_SIGNATURE_LEN_RANGE", 0xD0: "CKR_TEMPLATE_INCOMPLETE", 0xD1: "CKR_TEMPLATE_INCONSISTENT",
        0xE0: "CKR_TOKEN_NOT_PRESENT", 0xE1: "CKR_TOKEN_NOT_RECOGNIZED", 0xE2: "CKR_TOKEN_WRITE_PROTECTED",
        0xF0: "CKR_UNWRAPPING_KEY_HANDLE_INVALID", 0xF1: "CKR_UNWRAPPING_KEY_SIZE_RANGE",
        0xF2: "CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT", 0x100: "CKR_USER_ALREADY_LOGGED_IN", 0x101: "CKR_USER_NOT_LOGGED_IN",
        0x102: "CKR_USER_PIN_NOT_INITIALIZED", 0x103: "CKR_USER_TYPE_INVALID", 0x104: "CKR_USER_ANOTHER_ALREADY_LOGGED_IN",
        0x105: "CKR_USER_TOO_MANY_TYPES", 0x110: "CKR_WRAPPED_KEY_INVALID", 0x112: "CKR_WRAPPED_KEY_LEN_RANGE",
        0x113: "CKR_WRAPPING_KEY_HANDLE_INVALID", 0x114: "CKR_WRAPPING_KEY_SIZE_RANGE",
        0x115: "CKR_WRAPPING_KEY_TYPE_INCONSISTENT", 0x120: "CKR_RANDOM_SEED_NOT_SUPPORTED", 0x121: "CKR_RANDOM_NO_RNG",
        0x130: "CKR_DOMAIN_PARAMS_INVALID", 0x140: "CKR_CURVE_NOT_SUPPORTED", 0x150: "CKR_BUFFER_TOO_SMALL",
        0x160: "CKR_SAVED_STATE_INVALID", 0x170: "CKR_INFORMATION_SENSITIVE", 0x180: "CKR_STATE_UNSAVEABLE",
        0x190: "CKR_CRYPTOKI_NOT_INITIALIZED", 0x191: "CKR_CRYPTOKI_ALREADY_INITIALIZED", 0x1A0: "CKR_MUTEX_BAD",
        0x1A1: "CKR_MUTEX_NOT_LOCKED", 0x200: "CKR_FUNCTION_REJECTED",
    ]
}
