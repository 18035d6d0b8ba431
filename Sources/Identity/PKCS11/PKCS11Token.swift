import CPKCS11
import Foundation

/// One token in a PKCS#11 module, logged in as its user: finds key pairs by PKCS#11 URI, generates
/// new ones inside the token, and signs with them. The private keys never leave the token.
///
/// Thread-safe: each operation takes a session from a small pool (opening and logging in a new one
/// when none is free), so concurrent signatures run on separate sessions. A session on which a call
/// failed is closed rather than reused. Note that Cryptoki keeps one login state per token and
/// process: every `PKCS11Token` on the same token shares it.
public final class PKCS11Token: @unchecked Sendable, CustomStringConvertible {
    let module: PKCS11Module
    let slot: CK_SLOT_ID
    let info: PKCS11Module.TokenInfo
    private let pin: HSMPIN
    /// Guards `idle`.
    private let lock = NSLock()
    private var idle: [CK_SESSION_HANDLE] = []
    /// Sessions kept open for reuse; more are opened under load and closed afterwards.
    static let maximumIdleSessions = 8

    /// The token's label.
    public var label: String { info.label }
    public var description: String { "PKCS#11 token '\(info.label)'" }

    private init(module: PKCS11Module, slot: CK_SLOT_ID, info: PKCS11Module.TokenInfo, pin: HSMPIN) {
        self.module = module
        self.slot = slot
        self.info = info
        self.pin = pin
    }

    deinit {
        for session in idle { _ = module.functions.closeSession(session) }
    }

    /// Loads the module, finds the initialized token with the configured label and logs in, so a
    /// wrong PIN or a missing token is found now rather than at the first signature. Throws
    /// `hsm_unavailable` (module, or no single token with that label) or `hsm_login_failed`.
    public static func open(_ configuration: HSMConfiguration) throws(HSMError) -> PKCS11Token {
        let module = try PKCS11Module.load(path: configuration.modulePath)
        var matches: [(CK_SLOT_ID, PKCS11Module.TokenInfo)] = []
        for slot in try module.slotsWithTokens() {
            let info = try module.tokenInfo(slot: slot)
            if info.initialized, info.label == configuration.tokenLabel { matches.append((slot, info)) }
        }
        guard matches.count == 1, let match = matches.first else {
            throw HSMError(
                .unavailable,
                matches.isEmpty
                    ? "the module has no initialized token labelled '\(configuration.tokenLabel)'"
                    : "\(matches.count) tokens are labelled '\(configuration.tokenLabel)'; the label must name one")
        }
        let token = PKCS11Token(module: module, slot: match.0, info: match.1, pin: configuration.pin)
        try token.withSession { _ throws(HSMError) in }
        return token
    }

    // MARK: - Keys

    /// The signer for the key pair `uri` names in this token. Throws `hsm_key_not_found` when the
    /// URI names another token or no key pair matches, `hsm_key_ambiguous` when several do, and
    /// `hsm_key_unsupported` when the key is not an Ed25519 or P-256 key.
    public func signer(for uri: PKCS11URI) throws(HSMError) -> PKCS11Signer {
        for (attribute, wanted, actual) in [
            ("token", uri.token, info.label), ("manufacturer", uri.manufacturer, info.manufacturer), ("model", uri.model, info.model),
            ("serial", uri.serial, info.serial),
        ] {
            if let wanted, wanted != actual {
                throw HSMError(
                    .keyNotFound, "the key is in another token (\(attribute) '\(wanted)'); the configured token is '\(info.label)'")
            }
        }
        return try withSession { session throws(HSMError) in
            let privateKey = try findKey(uri, class: CKO_PRIVATE_KEY, session: session)
            let publicKey = try findKey(uri, class: CKO_PUBLIC_KEY, session: session)
            let keyType = try unsignedAttribute(CKA_KEY_TYPE, of: privateKey, session: session)
            let (algorithm, raw) = try Self.publicKey(
                keyType: keyType, parameters: try attribute(CKA_EC_PARAMS, of: publicKey, session: session),
                point: try attribute(CKA_EC_POINT, of: publicKey, session: session))
            return PKCS11Signer(token: self, uri: uri, algorithm: algorithm, publicKey: raw, privateKey: privateKey)
        }
    }

    /// Generates a key pair of `algorithm` in the token, labelled `label` with `CKA_ID` `id`: both
    /// halves token objects, the private one sensitive and not extractable. Throws
    /// `hsm_key_unsupported` when the token cannot generate that kind of key.
    public func generateKeyPair(_ algorithm: KeyAlgorithm, label: String, id: [UInt8]) throws(HSMError) -> PKCS11Signer {
        let (mechanism, parameters) =
            switch algorithm {
            case .ed25519: (CKM_EC_EDWARDS_KEY_PAIR_GEN, Self.ed25519Parameters)
            case .p256: (CKM_EC_KEY_PAIR_GEN, Self.p256Parameters)
            case .p384: (CKM_EC_KEY_PAIR_GEN, Self.p384Parameters)
            }
        let shared = [
            Attribute(CKA_TOKEN, true), Attribute(CKA_LABEL, Array(label.utf8)), Attribute(CKA_ID, id),
        ]
        let publicTemplate = shared + [Attribute(CKA_PRIVATE, false), Attribute(CKA_VERIFY, true), Attribute(CKA_EC_PARAMS, parameters)]
        let privateTemplate =
            shared + [
                Attribute(CKA_PRIVATE, true), Attribute(CKA_SENSITIVE, true), Attribute(CKA_EXTRACTABLE, false),
                Attribute(CKA_SIGN, true),
            ]
        let uri = PKCS11URI(token: info.label, object: label, id: id)
        return try withSession { session throws(HSMError) in
            let (publicKey, privateKey) = try Attribute.withTemplate(publicTemplate) {
                publicAttributes, publicCount throws(HSMError) in
                try Attribute.withTemplate(privateTemplate) { privateAttributes, privateCount throws(HSMError) in
                    var generation = CK_MECHANISM(mechanism: mechanism, pParameter: nil, ulParameterLen: 0)
                    var publicKey: CK_OBJECT_HANDLE = 0
                    var privateKey: CK_OBJECT_HANDLE = 0
                    try module.check(
                        module.functions.generateKeyPair(
                            session, &generation, publicAttributes, publicCount, privateAttributes, privateCount, &publicKey,
                            &privateKey),
                        "C_GenerateKeyPair", description)
                    return (publicKey, privateKey)
                }
            }
            let (_, raw) = try Self.publicKey(
                keyType: algorithm == .ed25519 ? CKK_EC_EDWARDS : CKK_EC, parameters: parameters,
                point: try attribute(CKA_EC_POINT, of: publicKey, session: session))
            return PKCS11Signer(token: self, uri: uri, algorithm: algorithm, publicKey: raw, privateKey: privateKey)
        }
    }

    /// Signs `data` with `mechanism` (no parameters) and the private key `key`.
    func sign(_ data: [UInt8], mechanism: CK_MECHANISM_TYPE, key: CK_OBJECT_HANDLE) throws(HSMError) -> [UInt8] {
        try withSession { session throws(HSMError) in
            var signing = CK_MECHANISM(mechanism: mechanism, pParameter: nil, ulParameterLen: 0)
            try module.check(module.functions.signInit(session, &signing, key), "C_SignInit", description)
            var input = data
            var signature = [UInt8](repeating: 0, count: 512)
            var length = CK_ULONG(signature.count)
            try module.check(
                module.functions.sign(session, &input, CK_ULONG(input.count), &signature, &length), "C_Sign", description)
            return Array(signature.prefix(Int(length)))
        }
    }

    /// The private key handle for `uri`, found again (handles may change when the token reconnects).
    func privateKeyHandle(for uri: PKCS11URI) throws(HSMError) -> CK_OBJECT_HANDLE {
        try withSession { session throws(HSMError) in try findKey(uri, class: CKO_PRIVATE_KEY, session: session) }
    }

    // MARK: - Objects and attributes

    /// The one key object of `objectClass` matching `uri`'s label and id.
    private func findKey(_ uri: PKCS11URI, class objectClass: CK_OBJECT_CLASS, session: CK_SESSION_HANDLE) throws(HSMError)
        -> CK_OBJECT_HANDLE
    {
        var template = [Attribute(CKA_CLASS, objectClass)]
        var names: [String] = []
        if let object = uri.object {
            template.append(Attribute(CKA_LABEL, Array(object.utf8)))
            names.append("labelled '\(object)'")
        }
        if let id = uri.id {
            template.append(Attribute(CKA_ID, id))
            names.append("with id \(id.map { String(format: "%02x", $0) }.joined())")
        }
        let kind = objectClass == CKO_PRIVATE_KEY ? "private key" : "public key"
        let found = try findObjects(template, maximum: 2, session: session)
        switch found.count {
        case 0: throw HSMError(.keyNotFound, "\(description) has no \(kind) \(names.joined(separator: " and "))")
        case 1: return found[0]
        default:
            throw HSMError(.keyAmbiguous, "\(description) has several \(kind)s \(names.joined(separator: " and ")); name one by its id")
        }
    }

    private func findObjects(_ template: [Attribute], maximum: Int, session: CK_SESSION_HANDLE) throws(HSMError)
        -> [CK_OBJECT_HANDLE]
    {
        try Attribute.withTemplate(template) { attributes, count throws(HSMError) in
            try module.check(module.functions.findObjectsInit(session, attributes, count), "C_FindObjectsInit", description)
        }
        var handles = [CK_OBJECT_HANDLE](repeating: 0, count: maximum)
        var found: CK_ULONG = 0
        let searched = module.functions.findObjects(session, &handles, CK_ULONG(maximum), &found)
        let finished = module.functions.findObjectsFinal(session)
        try module.check(searched, "C_FindObjects", description)
        try module.check(finished, "C_FindObjectsFinal", description)
        return Array(handles.prefix(min(Int(found), maximum)))
    }

    /// Attribute values larger than this are not ones Voltpass reads.
    private static let maximumAttributeSize: CK_ULONG = 4096

    /// The value of attribute `type` of `object`.
    func attribute(_ type: CK_ATTRIBUTE_TYPE, of object: CK_OBJECT_HANDLE, session: CK_SESSION_HANDLE) throws(HSMError) -> [UInt8] {
        var query = CK_ATTRIBUTE(type: type, pValue: nil, ulValueLen: 0)
        try module.check(module.functions.getAttributeValue(session, object, &query, 1), "C_GetAttributeValue", description)
        guard query.ulValueLen <= Self.maximumAttributeSize else {
            throw HSMError(.failed, "\(description): attribute 0x\(String(type, radix: 16)) is unavailable or too large")
        }
        guard query.ulValueLen > 0 else { return [] }
        var value = [UInt8](repeating: 0, count: Int(query.ulValueLen))
        let (rv, length) = value.withUnsafeMutableBytes { buffer in
            var read = CK_ATTRIBUTE(type: type, pValue: buffer.baseAddress, ulValueLen: CK_ULONG(buffer.count))
            return (module.functions.getAttributeValue(session, object, &read, 1), read.ulValueLen)
        }
        try module.check(rv, "C_GetAttributeValue", description)
        return Array(value.prefix(min(Int(length), value.count)))
    }

    /// A `CK_ULONG` attribute (such as `CKA_KEY_TYPE`) of `object`.
    func unsignedAttribute(_ type: CK_ATTRIBUTE_TYPE, of object: CK_OBJECT_HANDLE, session: CK_SESSION_HANDLE) throws(HSMError)
        -> CK_ULONG
    {
        let bytes = try attribute(type, of: object, session: session)
        guard bytes.count == MemoryLayout<CK_ULONG>.size else {
            throw HSMError(.failed, "\(description): attribute 0x\(String(type, radix: 16)) is not a CK_ULONG")
        }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: CK_ULONG.self) }
    }

    // MARK: - Sessions

    /// Runs `body` on a logged-in session of its own.
    func withSession<T>(_ body: (CK_SESSION_HANDLE) throws(HSMError) -> T) throws(HSMError) -> T {
        let session = try checkOut()
        let result: T
        do throws(HSMError) {
            result = try body(session)
        } catch {
            // A failed call may leave an operation active or the session gone: never reuse it.
            if error.returnValue != nil { _ = module.functions.closeSession(session) } else { checkIn(session) }
            throw error
        }
        checkIn(session)
        return result
    }

    private func checkOut() throws(HSMError) -> CK_SESSION_HANDLE {
        if let session = lock.withLock({ idle.popLast() }) { return session }
        var session: CK_SESSION_HANDLE = 0
        try module.check(
            module.functions.openSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nil, nil, &session), "C_OpenSession", description)
        var pin = pin.bytes
        let rv = module.functions.login(session, CKU_USER, &pin, CK_ULONG(pin.count))
        guard rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN else {
            _ = module.functions.closeSession(session)
            throw HSMError(function: "C_Login", rv: rv, context: description)
        }
        return session
    }

    private func checkIn(_ session: CK_SESSION_HANDLE) {
        let kept = lock.withLock {
            guard idle.count < Self.maximumIdleSessions else { return false }
            idle.append(session)
            return true
        }
        if !kept { _ = module.functions.closeSession(session) }
    }

    // MARK: - Public keys

    /// `CKA_EC_PARAMS` of P-256: the DER OID 1.2.840.10045.3.1.7 (prime256v1).
    static let p256Parameters: [UInt8] = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
    /// `CKA_EC_PARAMS` of P-384: the DER OID 1.3.132.0.34 (secp384r1).
    static let p384Parameters: [UInt8] = [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22]
    /// `CKA_EC_PARAMS` of Ed25519: the DER OID 1.3.101.112 (RFC 8410).
    static let ed25519Parameters: [UInt8] = [0x06, 0x03, 0x2B, 0x65, 0x70]
    /// The other form PKCS#11 3.0 allows for Ed25519: the PrintableString "edwards25519".
    static let edwards25519Name: [UInt8] = [0x13, 0x0C] + Array("edwards25519".utf8)

    /// The algorithm and Voltpass public key (32-byte Ed25519, compressed P-256 or P-384) of a key
    /// pair from its key type, `CKA_EC_PARAMS` and `CKA_EC_POINT` (a DER OCTET STRING holding the
    /// point; a bare point is accepted too, as some modules return one).
    static func publicKey(keyType: CK_KEY_TYPE, parameters: [UInt8], point: [UInt8]) throws(HSMError)
        -> (KeyAlgorithm, [UInt8])
    {
        let algorithm: KeyAlgorithm
        let pointSizes: [Int]
        switch keyType {
        case CKK_EC where parameters == p256Parameters:
            (algorithm, pointSizes) = (.p256, [65, 33])
        case CKK_EC where parameters == p384Parameters:
            (algorithm, pointSizes) = (.p384, [97, 49])
        case CKK_EC_EDWARDS where parameters == ed25519Parameters || parameters == edwards25519Name:
            (algorithm, pointSizes) = (.ed25519, [32])
        case CKK_EC, CKK_EC_EDWARDS:
            throw HSMError(.keyUnsupported, "the key is on a curve other than P-256, P-384 and Ed25519")
        default:
            throw HSMError(.keyUnsupported, "the key is not an elliptic-curve key (key type 0x\(String(keyType, radix: 16)))")
        }
        var raw: [UInt8]?
        for size in pointSizes {
            if point.count == size + 2, point[0] == 0x04, Int(point[1]) == size {
                raw = Array(point.dropFirst(2))
            } else if point.count == size {
                raw = point
            }
            if raw != nil { break }
        }
        guard let raw, let key = try? PublicKey(algorithm: algorithm, rawRepresentation: raw) else {
            throw HSMError(.failed, "CKA_EC_POINT is not a valid \(algorithm.rawValue) point")
        }
        return (algorithm, key.rawRepresentation)
    }
}

/// One attribute of a search or generation template.
struct Attribute {
    let type: CK_ATTRIBUTE_TYPE
    let value: [UInt8]

    init(_ type: CK_ATTRIBUTE_TYPE, _ value: [UInt8]) {
        self.type = type
        self.value = value
    }

    init(_ type: CK_ATTRIBUTE_TYPE, _ value: Bool) {
        self.init(type, [CK_BBOOL(value ? CK_TRUE : CK_FALSE)])
    }

    init(_ type: CK_ATTRIBUTE_TYPE, _ value: CK_ULONG) {
        self.init(type, withUnsafeBytes(of: value) { Array($0) })
    }

    /// Calls `body` with `template` as a `CK_ATTRIBUTE` array whose values stay valid during the call.
    static func withTemplate<R>(
        _ template: [Attribute], _ body: (UnsafeMutablePointer<CK_ATTRIBUTE>, CK_ULONG) throws(HSMError) -> R
    ) throws(HSMError) -> R {
        // Each value starts on a CK_ULONG boundary, as a module may read a CK_ULONG value in place.
        let alignment = MemoryLayout<CK_ULONG>.alignment
        let offsets = template.reduce(into: [0]) { offsets, attribute in
            offsets.append(offsets.last! + (attribute.value.count + alignment - 1) / alignment * alignment)
        }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(1, offsets.last!), alignment: alignment)
        defer { storage.deallocate() }
        let attributes = UnsafeMutablePointer<CK_ATTRIBUTE>.allocate(capacity: max(1, template.count))
        defer { attributes.deallocate() }
        for (index, attribute) in template.enumerated() {
            let destination = storage.advanced(by: offsets[index])
            attribute.value.withUnsafeBytes { source in
                if let base = source.baseAddress { destination.copyMemory(from: base, byteCount: source.count) }
            }
            (attributes + index).initialize(
                to: CK_ATTRIBUTE(type: attribute.type, pValue: destination, ulValueLen: CK_ULONG(attribute.value.count)))
        }
        return try body(attributes, CK_ULONG(template.count))
    }
}
