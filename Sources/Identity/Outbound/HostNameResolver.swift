import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a host name (or address literal) into the addresses it stands for.
public protocol HostNameResolver: Sendable {
    /// Every address of `host`, in the order to try them; throws when the name does not resolve.
    func addresses(of host: String) async throws -> [IPAddress]
}

/// The operating system's resolver (`getaddrinfo`: hosts file, DNS). The blocking call runs on a
/// dispatch queue; a cancelled caller returns at once and the late answer is dropped.
public struct SystemHostNameResolver: HostNameResolver {
    /// The name did not resolve (the `getaddrinfo` error code).
    public struct Failure: Error, Sendable {
        public let code: Int32
    }

    public init() {}

    public func addresses(of host: String) async throws -> [IPAddress] {
        let waiter = Waiter()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard waiter.install(continuation) else { return }
                DispatchQueue.global().async {
                    waiter.resume(with: Result { try Self.lookUp(host) })
                }
            }
        } onCancel: {
            waiter.resume(with: .failure(CancellationError()))
        }
    }

    private static func lookUp(_ host: String) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else { throw Failure(code: status) }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry?.pointee {
            if let socketAddress = current.ai_addr, let address = Self.address(socketAddress), !addresses.contains(address) {
                addresses.append(address)
            }
            entry = current.ai_next
        }
        guard !addresses.isEmpty else { throw Failure(code: EAI_NONAME) }
        return addresses
    }

    private static func address(_ pointer: UnsafeMutablePointer<sockaddr>) -> IPAddress? {
        switch Int32(pointer.pointee.sa_family) {
        case AF_INET:
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                withUnsafeBytes(of: v4.pointee.sin_addr) { IPAddress(bytes: Array($0)) }
            }
        case AF_INET6:
            return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                withUnsafeBytes(of: v6.pointee.sin6_addr) { IPAddress(bytes: Array($0)) }
            }
        default:
            return nil
        }
    }

    /// Resumes a continuation once, whichever of the lookup and a cancellation comes first.
    private final class Waiter: Sendable {
        private enum State {
            case waiting
            case installed(CheckedContinuation<[IPAddress], any Error>)
            case finished
        }

        private let state = Mutex(State.waiting)

        /// Keeps the continuation; false (after resuming it with a cancellation) when cancelled already.
        func install(_ continuation: CheckedContinuation<[IPAddress], any Error>) -> Bool {
            let cancelled = state.withLock { state -> Bool in
                guard case .waiting = state else { return true }
                state = .installed(continuation)
                return false
            }
            if cancelled { continuation.resume(throwing: CancellationError()) }
            return !cancelled
        }

        func resume(with result: Result<[IPAddress], any Error>) {
            let continuation = state.withLock { state -> CheckedContinuation<[IPAddress], any Error>? in
                defer { state = .finished }
                guard case .installed(let continuation) = state else { return nil }
                return continuation
            }
            continuation?.resume(with: result)
        }
    }
}
