import Encoding
import Foundation
import Identity

/// Fetches status list credentials over HTTPS through an `OutboundFetcher`: the whole fetch must finish
/// within `timeout`; the body may not exceed `maximumSize` bytes. Plain `http` is refused unless
/// `allowLoopbackHTTP` is set and the host is loopback; destinations that are not public (loopback,
/// private, link-local, …) are refused unless `allowLoopbackHTTP` or `allowList` permit them. Not getting
/// the list is `status_unreachable` with one message whatever the cause, so the answer does not tell
/// which ports of which hosts are open.
public struct HTTPStatusListFetcher: StatusListFetcher {
    /// Limits and transport policy.
    public struct Configuration: Sendable, Hashable {
        /// The time one fetch may take; default 5 s.
        public var timeout: Duration
        /// The largest response accepted, in bytes; default 2 MiB.
        public var maximumSize: Int
        /// Allow `http://127.0.0.1`, `http://[::1]` and `http://localhost`, and loopback addresses (tests, local development).
        public var allowLoopbackHTTP: Bool
        /// Hosts and address blocks that may be fetched from although they are not public.
        public var allowList: [OutboundAllowance]

        public init(
            timeout: Duration = .seconds(5), maximumSize: Int = 2 * 1024 * 1024, allowLoopbackHTTP: Bool = false,
            allowList: [OutboundAllowance] = []
        ) {
            self.timeout = timeout
            self.maximumSize = maximumSize
            self.allowLoopbackHTTP = allowLoopbackHTTP
            self.allowList = allowList
        }
    }

    public let configuration: Configuration
    private let fetcher: OutboundFetcher

    /// `hostNameResolver` turns host names into the addresses that are checked and connected to.
    public init(configuration: Configuration = Configuration(), hostNameResolver: any HostNameResolver = SystemHostNameResolver()) {
        self.configuration = configuration
        self.fetcher = OutboundFetcher(
            access: OutboundAccess(allowLoopbackHTTP: configuration.allowLoopbackHTTP, allowList: configuration.allowList),
            resolver: hostNameResolver)
    }

    public func fetch(_ url: String) async throws(StatusListError) -> JSONObject {
        try await object(at: url, describedAs: "the status list")
    }

    /// The JSON object at `url` (without its fragment); `document` names it in messages.
    func object(at url: String, describedAs document: String) async throws(StatusListError) -> JSONObject {
        let withoutFragment = String(url.prefix { $0 != "#" })
        guard let target = URL(string: withoutFragment), target.host?.isEmpty == false else {
            throw StatusListError(.statusUnreachable, "the URL \(url) cannot be fetched")
        }
        let body: [UInt8]
        do {
            body = try await fetcher.get(
                target, accept: "application/vc+ld+json, application/vc, application/ld+json;q=0.9, application/json;q=0.8",
                timeout: configuration.timeout, maximumSize: configuration.maximumSize)
        } catch .tooLarge {
            throw StatusListError(.statusUnreachable, "\(document) at \(withoutFragment) exceeds \(configuration.maximumSize) bytes")
        } catch {
            throw StatusListError(.statusUnreachable, "could not fetch \(document)")
        }
        do {
            guard let object = try JSONValue(parsing: body).objectValue else {
                throw StatusListError(.statusListInvalid, "\(document) at \(withoutFragment) is not a JSON object")
            }
            return object
        } catch let error as StatusListError {
            throw error
        } catch {
            throw StatusListError(.statusListInvalid, "\(document) at \(withoutFragment) is not valid JSON: \(error)")
        }
    }
}
