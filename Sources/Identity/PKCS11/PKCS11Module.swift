import CPKCS11
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A PKCS#11 module (a Cryptoki shared library) opened with `dlopen` and initialized with
/// `CKF_OS_LOCKING_OK`, so that any thread may call it. Cryptoki is initialized once per process,
/// so each library path is loaded once and kept for the life of the process.
final class PKCS11Module: @unchecked Sendable {
    /// The entry points Voltpass calls, each checked to be present when the module is loaded.
    struct Functions {
        let getSlotList: CK_C_GetSlotList
        let getTokenInfo: CK_C_GetTokenInfo
        let openSession: CK_C_OpenSession
        let closeSession: CK_C_CloseSession
        let login: CK_C_Login
        let getAttributeValue: CK_C_GetAttributeValue
        let findObjectsInit: CK_C_FindObjectsInit
        let findObjects: CK_C_FindObjects
        let findObjectsFinal: CK_C_FindObjectsFinal
        let signInit: CK_C_SignInit
        let sign: CK_C_Sign
        let generateKeyPair: CK_C_GenerateKeyPair
    }

    /// What `C_GetTokenInfo` says about a token, with the space padding removed.
    struct TokenInfo: Sendable {
        let label: String
        let manufacturer: String
        let model: String
        let serial: String
        let initialized: Bool
    }

    /// The module's entry points. Immutable after loading; the module does its own locking.
    let functions: Functions

    private init(functions: Functions) {
        self.functions = functions
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var loaded: [String: PKCS11Module] = [:]

    /// The module at `path`, loaded and initialized on first use. Throws `hsm_unavailable` when the
    /// library cannot be opened, is not a PKCS#11 module, lacks an entry point, or fails to initialize.
    /// Messages never contain the path (the caller knows it).
    static func load(path: String) throws(HSMError) -> PKCS11Module {
        lock.lock()
        defer { lock.unlock() }
        let key = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        if let module = loaded[key] { return module }
        let module = try open(path)
        loaded[key] = module
        return module
    }

    private static func open(_ path: String) throws(HSMError) -> PKCS11Module {
        guard let library = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw HSMError(.unavailable, "the PKCS#11 module cannot be loaded: \(loaderReason(path: path))")
        }
        guard let symbol = dlsym(library, "C_GetFunctionList") else {
            dlclose(library)
            throw HSMError(.unavailable, "the library is not a PKCS#11 module: it has no C_GetFunctionList")
        }
        var list: UnsafeMutablePointer<CK_FUNCTION_LIST>?
        let rv = voltpass_pkcs11_function_list(symbol, &list)
        guard rv == CKR_OK, let list else {
            dlclose(library)
            if rv != CKR_OK { throw HSMError(function: "C_GetFunctionList", rv: rv).reclassified(as: .unavailable) }
            throw HSMError(.unavailable, "C_GetFunctionList returned no function list")
        }
        let entries = list.pointee
        guard entries.version.major >= 2 else {
            dlclose(library)
            let version = "\(entries.version.major).\(entries.version.minor)"
            throw HSMError(.unavailable, "the module implements Cryptoki \(version); 2.20 or later is needed")
        }
        let functions: Functions
        let initialize: CK_C_Initialize
        do throws(HSMError) {
            initialize = try required(entries.C_Initialize, "C_Initialize")
            functions = Functions(
                getSlotList: try required(entries.C_GetSlotList, "C_GetSlotList"),
                getTokenInfo: try required(entries.C_GetTokenInfo, "C_GetTokenInfo"),
                openSession: try required(entries.C_OpenSession, "C_OpenSession"),
                closeSession: try required(entries.C_CloseSession, "C_CloseSession"),
                login: try required(entries.C_Login, "C_Login"),
                getAttributeValue: try required(entries.C_GetAttributeValue, "C_GetAttributeValue"),
                findObjectsInit: try required(entries.C_FindObjectsInit, "C_FindObjectsInit"),
                findObjects: try required(entries.C_FindObjects, "C_FindObjects"),
                findObjectsFinal: try required(entries.C_FindObjectsFinal, "C_FindObjectsFinal"),
                signInit: try required(entries.C_SignInit, "C_SignInit"),
                sign: try required(entries.C_Sign, "C_Sign"),
                generateKeyPair: try required(entries.C_GenerateKeyPair, "C_GenerateKeyPair"))
        } catch {
            dlclose(library)
            throw error
        }
        var arguments = CK_C_INITIALIZE_ARGS(
            CreateMutex: nil, DestroyMutex: nil, LockMutex: nil, UnlockMutex: nil, flags: CKF_OS_LOCKING_OK, pReserved: nil)
        let initialized = initialize(&arguments)
        // Another part of the process may have initialized the same library: that is fine.
        guard initialized == CKR_OK || initialized == CKR_CRYPTOKI_ALREADY_INITIALIZED else {
            dlclose(library)
            throw HSMError(function: "C_Initialize", rv: initialized).reclassified(as: .unavailable)
        }
        // The library stays open for the life of the process, like the Cryptoki state it holds.
        return PKCS11Module(functions: functions)
    }

    private static func required<Function>(_ function: Function?, _ name: String) throws(HSMError) -> Function {
        guard let function else { throw HSMError(.unavailable, "the PKCS#11 module does not provide \(name)") }
        return function
    }

    /// `dlerror()` without the path it usually starts with.
    private static func loaderReason(path: String) -> String {
        guard let message = dlerror().map({ String(cString: $0) }) else { return "unknown reason" }
        var reason = Substring(message)
        if reason.hasPrefix(path + ": ") { reason = reason.dropFirst(path.count + 2) }
        return reason.contains(path) || reason.contains("/") ? "the dynamic loader refused it" : String(reason)
    }

    // MARK: - Calls

    /// Throws the classified error unless `rv` is `CKR_OK`.
    func check(_ rv: CK_RV, _ function: String, _ context: String? = nil) throws(HSMError) {
        guard rv == CKR_OK else { throw HSMError(function: function, rv: rv, context: context) }
    }

    /// The slots that hold a token.
    func slotsWithTokens() throws(HSMError) -> [CK_SLOT_ID] {
        // The list can grow between the two calls (a token inserted): retry with the new count.
        for _ in 0..<3 {
            var count: CK_ULONG = 0
            try check(functions.getSlotList(CK_BBOOL(CK_TRUE), nil, &count), "C_GetSlotList")
            var slots = [CK_SLOT_ID](repeating: 0, count: Int(count))
            let rv = functions.getSlotList(CK_BBOOL(CK_TRUE), &slots, &count)
            if rv == CKR_BUFFER_TOO_SMALL { continue }
            try check(rv, "C_GetSlotList")
            return Array(slots.prefix(Int(count)))
        }
        throw HSMError(.unavailable, "the module's slot list kept changing")
    }

    /// What the token in `slot` says about itself.
    func tokenInfo(slot: CK_SLOT_ID) throws(HSMError) -> TokenInfo {
        var info = CK_TOKEN_INFO()
        try check(functions.getTokenInfo(slot, &info), "C_GetTokenInfo")
        return TokenInfo(
            label: Self.padded(info.label), manufacturer: Self.padded(info.manufacturerID), model: Self.padded(info.model),
            serial: Self.padded(info.serialNumber), initialized: info.flags & CKF_TOKEN_INITIALIZED != 0)
    }

    /// A fixed-size, space-padded Cryptoki text field as a string.
    private static func padded<Field>(_ field: Field) -> String {
        withUnsafeBytes(of: field) { raw in
            var bytes = Array(raw)
            while let last = bytes.last, last == UInt8(ascii: " ") || last == 0 { bytes.removeLast() }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

extension HSMError {
    /// The same failure under another kind, keeping the message and return value.
    func reclassified(as kind: Kind) -> HSMError {
        HSMError(kind, message, returnValue: returnValue)
    }
}
