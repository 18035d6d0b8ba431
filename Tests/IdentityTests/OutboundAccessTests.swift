import Foundation
import Identity
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// Which addresses are special, and which destinations outbound fetches may reach.
@Suite struct OutboundAccessTests {
    @Test func specialPurposeAddresses() throws {
        let expected: [(String, SpecialPurpose?)] = [
            ("127.0.0.1", .loopback), ("127.255.0.9", .loopback), ("10.1.2.3", .privateNetwork), ("172.16.0.1", .privateNetwork),
            ("172.31.255.255", .privateNetwork), ("172.32.0.1", nil), ("192.168.1.1", .privateNetwork),
            ("169.254.169.254", .linkLocal), ("100.64.0.1", .sharedAddressSpace), ("0.0.0.0", .unspecified), ("224.0.0.1", .multicast),
            ("255.255.255.255", .reserved), ("192.0.2.7", .reserved), ("8.8.8.8", nil), ("93.184.216.34", nil),
            ("::1", .loopback), ("::", .unspecified), ("fe80::1", .linkLocal), ("febf::1", .linkLocal), ("fd00::1", .privateNetwork),
            ("fc00::1", .privateNetwork), ("ff02::1", .multicast), ("2001:db8::1", .reserved), ("2606:4700::1111", nil),
            // IPv6 forms carrying an IPv4 address are judged by it.
            ("::ffff:127.0.0.1", .loopback), ("::ffff:169.254.169.254", .linkLocal), ("::ffff:8.8.8.8", nil),
            ("64:ff9b::a00:1", .privateNetwork), ("64:ff9b::808:808", nil), ("2002:a9fe:a9fe::", .linkLocal), ("2002:808:808::", nil),
        ]
        for (text, purpose) in expected {
            let address = try #require(IPAddress(text), "\(text)")
            #expect(address.specialPurpose == purpose, "\(text)")
        }
        #expect(try #require(IPAddress("[::1]")).isLoopback)
        #expect(try #require(IPAddress("::ffff:127.0.0.2")).isLoopback)
        #expect(try #require(IPAddress("2001:db8::1")).description == "2001:db8::1")
    }

    @Test func onlyCanonicalAddressesParse() {
        for text in ["127.1", "0x7f.0.0.1", "1.2.3.4.5", "256.0.0.1", "localhost", "", "::g", "1.2.3.4/8"] {
            #expect(IPAddress(text) == nil, "\(text)")
        }
    }

    @Test func addressRanges() throws {
        let ten = try #require(AddressRange("10.0.0.0/8"))
        #expect(ten.contains(try #require(IPAddress("10.200.1.1"))))
        #expect(ten.contains(try #require(IPAddress("::ffff:10.0.0.1"))), "an IPv4-mapped address counts as its IPv4 address")
        #expect(!ten.contains(try #require(IPAddress("11.0.0.1"))))
        #expect(try #require(AddressRange("192.168.1.77/24")).description == "192.168.1.0/24", "host bits are cleared")
        #expect(try #require(AddressRange("fd00::/8")).contains(try #require(IPAddress("fd12::5"))))
        #expect(try #require(AddressRange("203.0.113.9")).prefixLength == 32)
        for text in ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "example.com/8"] {
            #expect(AddressRange(text) == nil, "\(text)")
        }
    }

    @Test func accessRules() throws {
        let strict = OutboundAccess()
        let loopback = try #require(IPAddress("127.0.0.1"))
        let metadata = try #require(IPAddress("169.254.169.254"))
        let privateAddress = try #require(IPAddress("10.20.0.5"))
        let publicAddress = try #require(IPAddress("93.184.216.34"))
        #expect(strict.permits(publicAddress, of: "example.com"))
        for address in [loopback, metadata, privateAddress] { #expect(!strict.permits(address, of: "example.com"), "\(address)") }
        #expect(!strict.permitsScheme("http", host: "localhost"))
        #expect(!strict.permitsScheme("ftp", host: "example.com"))
        #expect(strict.permitsScheme("HTTPS", host: "example.com"))

        let development = OutboundAccess(allowLoopbackHTTP: true)
        #expect(development.permits(loopback, of: "localhost"))
        #expect(!development.permits(privateAddress, of: "registry.internal"), "loopback only")
        #expect(development.permitsScheme("http", host: "[::1]"))
        #expect(!development.permitsScheme("http", host: "example.com"))

        let listed = OutboundAccess(allowList: [try #require(OutboundAllowance("10.20.0.0/16")), try #require(OutboundAllowance("Registry.Internal"))])
        #expect(listed.permits(privateAddress, of: "anything.example"))
        #expect(listed.permits(try #require(IPAddress("192.168.0.9")), of: "registry.internal."))
        #expect(!listed.permits(metadata, of: "other.internal"))
        #expect(!listed.permits(loopback, of: "other.internal"))
        for text in ["", "-bad.example", "exa mple.com", "10.0.0.0/33"] { #expect(OutboundAllowance(text) == nil, "\(text)") }
    }

    /// Refused destinations are never connected to: a TCP listener on loopback sees no connection
    /// from a fetch aimed at it, until the allow list names it.
    @Test func refusedDestinationsAreNeverContacted() async throws {
        try await CountingListener.run(host: "127.0.0.1", behaviour: .closeAtOnce) { listener in
            let strict = OutboundFetcher()
            let port = listener.port
            for url in [
                "https://127.0.0.1:\(port)/x", "https://localhost:\(port)/x", "https://127.1:\(port)/x",
                "https://[::ffff:127.0.0.1]:\(port)/x", "https://0.0.0.0:\(port)/x", "http://127.0.0.1:\(port)/x",
                "https://[::1]:\(port)/x",
            ] {
                await expectUnreachable(strict, url)
            }
            await expectUnreachable(strict, "https://10.0.0.1/x")
            await expectUnreachable(strict, "https://169.254.169.254/latest/meta-data/")
            await expectUnreachable(strict, "https://[fe80::1]/x")
            // A name whose addresses include a loopback one is refused, whatever the others are.
            let rebinding = OutboundFetcher(resolver: FixedHostNames(["internal.example": ["93.184.216.34", "127.0.0.1"]]))
            await expectUnreachable(rebinding, "https://internal.example:\(port)/x")
            #expect(listener.accepted == 0)

            // Listed, the same address is contacted (and the listener closes the connection).
            let listed = OutboundFetcher(access: OutboundAccess(allowList: [try #require(OutboundAllowance("127.0.0.1"))]))
            await expectUnreachable(listed, "https://127.0.0.1:\(port)/x")
            #expect(listener.accepted == 1)
        }
        // Where the machine has IPv6 loopback, the same holds for [::1].
        _ = try? await CountingListener.run(host: "::1") { listener in
            await expectUnreachable(OutboundFetcher(), "https://[::1]:\(listener.port)/x")
            #expect(listener.accepted == 0)
        }
    }

    /// The checked address is the one connected to: a name only the injected resolver knows (so a
    /// second lookup by the HTTP client would fail) is reached at the address it resolved to.
    @Test func connectsToTheCheckedAddress() async throws {
        try await CountingListener.run(host: "127.0.0.1", behaviour: .closeAtOnce) { listener in
            let names = FixedHostNames(["registry.example": ["127.0.0.1"]])
            let fetcher = OutboundFetcher(access: OutboundAccess(allowList: [.host("registry.example")]), resolver: names)
            await expectUnreachable(fetcher, "https://registry.example:\(listener.port)/x")  // the listener closes the connection
            #expect(listener.accepted == 1)
            #expect(names.lookups == ["registry.example"])
            // Plain http is for loopback host names only: refused before any lookup.
            await expectUnreachable(OutboundFetcher(access: OutboundAccess(allowLoopbackHTTP: true), resolver: names), "http://registry.example:\(listener.port)/x")
            #expect(names.lookups == ["registry.example"])
            #expect(listener.accepted == 1)
        }
    }

    /// With no allowance, an open and a closed loopback port give the same error; with loopback
    /// allowed, a refused, a silent (timed out), a reset and a failing port still do.
    @Test func failuresDoNotTellPortsApart() async throws {
        let closedPort = try await CountingListener.run(host: "127.0.0.1") { $0.port }
        try await DIDTestServer.run { server async throws in
            let strict = DIDWebResolver(configuration: .init(timeout: .seconds(5)))
            let open = await identityError { try await strict.resolve(server.did("ok")) }
            let closed = await identityError { try await strict.resolve("did:web:localhost%3A\(closedPort):ok") }
            #expect(open == closed)
            #expect(open?.kind == .networkError)
            #expect(open?.message == "could not fetch the DID document")
            #expect(await server.requests("/ok/did.json") == 0)

            var quick = DIDWebResolverTests.local
            quick.timeout = .milliseconds(500)
            let local = DIDWebResolver(configuration: quick)
            let refused = await identityError { try await local.resolve("did:web:localhost%3A\(closedPort)") }
            let failing = await identityError { try await local.resolve(server.did("failing")) }
            let slow = await identityError { try await local.resolve(server.did("slow")) }
            try await CountingListener.run(host: "127.0.0.1", behaviour: .silent) { silent in
                let silentError = await identityError { try await local.resolve("did:web:localhost%3A\(silent.port)") }
                #expect(silentError == refused, "a port that accepts and never answers")
            }
            try await CountingListener.run(host: "127.0.0.1", behaviour: .closeAtOnce) { resetting in
                let reset = await identityError { try await local.resolve("did:web:localhost%3A\(resetting.port)") }
                #expect(reset == refused, "a port that closes every connection")
            }
            #expect(refused == open)
            #expect(failing == refused, "HTTP 500")
            #expect(slow == refused, "no answer within the timeout")
        }
    }

    private func expectUnreachable(_ fetcher: OutboundFetcher, _ url: String, sourceLocation: SourceLocation = #_sourceLocation) async {
        guard let target = URL(string: url) else {
            Issue.record("bad test URL \(url)", sourceLocation: sourceLocation)
            return
        }
        do throws(OutboundFetcher.Failure) {
            let body = try await fetcher.get(target, accept: "application/json", timeout: .seconds(20), maximumSize: 1024)
            Issue.record("\(url) was fetched: \(body.count) bytes", sourceLocation: sourceLocation)
        } catch {
            #expect(error == .unreachable, "\(url)", sourceLocation: sourceLocation)
        }
    }

    private func identityError(_ body: () async throws -> DIDDocument) async -> IdentityError? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error as? IdentityError
        }
    }
}

/// A resolver that knows a fixed set of names and records every lookup.
final class FixedHostNames: HostNameResolver {
    private let names: [String: [IPAddress]]
    private let asked = Mutex<[String]>([])

    init(_ names: [String: [String]]) {
        self.names = names.mapValues { $0.compactMap(IPAddress.init) }
    }

    var lookups: [String] { asked.withLock { $0 } }

    func addresses(of host: String) async throws -> [IPAddress] {
        asked.withLock { $0.append(host) }
        guard let addresses = names[host] else { throw UnknownName() }
        return addresses
    }
}

struct UnknownName: Error {}

/// A TCP listener that counts the connections it accepts: keeps them open without answering, closes
/// them at once, or (silent) never accepts, so connections complete in the kernel and nothing answers.
struct CountingListener: Sendable {
    enum Behaviour: Sendable {
        case holdOpen, closeAtOnce, silent
    }

    let port: Int
    private let count: Counter

    var accepted: Int { count.value }

    static func run<T: Sendable>(
        host: String, behaviour: Behaviour = .holdOpen, _ body: @Sendable (CountingListener) async throws -> T
    ) async throws -> T {
        let count = Counter()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.autoRead, value: behaviour != .silent)
            .childChannelInitializer { child in
                count.increment()
                return behaviour == .closeAtOnce ? child.close() : child.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: host, port: 0).get()
        do {
            let result = try await body(CountingListener(port: channel.localAddress?.port ?? 0, count: count))
            try await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}
