import Credentials
import Encoding
import Foundation
import HTTPTestSupport
import Identity
import Testing

/// Status lists and issuer registries are only fetched from public destinations unless allowed, and
/// every failure to fetch reads the same.
@Suite struct OutboundRefusalTests {
    @Test func statusListsFromInternalAddressesAreRefused() async throws {
        try await StatusListTestServer.run { server async throws in
            await server.documents.publish(["id": "list"], at: "/lists/1")
            let port = server.port
            let strict = HTTPStatusListFetcher(configuration: .init(timeout: .seconds(15)))
            var messages: Set<String> = []
            for url in [
                "https://127.0.0.1:\(port)/lists/1", "https://localhost:\(port)/lists/1", "https://[::1]:\(port)/lists/1",
                "https://10.0.0.1/lists/1", "https://169.254.169.254/latest/meta-data/", "http://127.0.0.1:\(port)/lists/1",
            ] {
                do throws(StatusListError) {
                    _ = try await strict.fetch(url)
                    Issue.record("\(url) was fetched")
                } catch {
                    #expect(error.kind == .statusUnreachable, "\(url)")
                    messages.insert(error.message)
                }
            }
            #expect(messages == ["could not fetch the status list"])
            #expect(await server.documents.requests("/lists/1") == 0)

            // Loopback allowed for development: the same list is fetched over plain http.
            let local = HTTPStatusListFetcher(configuration: .init(timeout: .seconds(15), allowLoopbackHTTP: true))
            #expect(try await local.fetch(server.url("/lists/1"))["id"] == "list")
        }
    }

    @Test func registriesFromInternalAddressesAreRefused() async {
        let fetcher = HTTPIssuerRegistryFetcher()
        for url in ["https://localhost/registry.json", "https://192.168.1.10/registry.json", "https://[fd00::1]/registry.json"] {
            do throws(IssuerRegistryError) {
                _ = try await fetcher.fetch(url)
                Issue.record("\(url) was fetched")
            } catch {
                #expect(error.code == "registry_unreachable", "\(url)")
                #expect(error.message == "could not fetch the issuer registry")
            }
        }
    }
}
