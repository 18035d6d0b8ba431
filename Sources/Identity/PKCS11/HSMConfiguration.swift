/// Where operator keys are kept in an HSM: the PKCS#11 module to load, the token (by label) and the
/// user PIN. Prints, dumps and logs without the PIN.
public struct HSMConfiguration: Sendable, CustomStringConvertible {
    /// The path of the module, e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    public var modulePath: String
    /// The label of the token that holds (and generates) the keys.
    public var tokenLabel: String
    /// The user PIN.
    public var pin: HSMPIN

    public init(modulePath: String, tokenLabel: String, pin: HSMPIN) {
        self.modulePath = modulePath
        self.tokenLabel = tokenLabel
        self.pin = pin
    }

    public var description: String { "PKCS#11 token '\(tokenLabel)'" }
}

/// A PKCS#11 user PIN. It is only handed to `C_Login`: it prints, dumps and reflects as `<redacted>`.
public struct HSMPIN: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let bytes: [UInt8]

    public init(_ pin: String) {
        bytes = Array(pin.utf8)
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
