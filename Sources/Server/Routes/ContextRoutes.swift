import Hummingbird
import RDF

/// Voltpass's own JSON-LD contexts (battery, VSC), public: served at the paths of their IRIs
/// (`https://voltpass.dev/ns/battery/v1` at `/ns/battery/v1`) and at the older `/contexts/battery/v1`,
/// as the exact bytes shipped and pinned, so what a verifier reads here hashes to the pin every
/// Voltpass verifier uses.
struct ContextRoutes {
    func add(to router: Router<VoltpassRequestContext>) {
        let prefix = "https://voltpass.dev/"
        for (url, bytes) in BundledContexts.shippedBytes where url.hasPrefix(BundledContexts.voltpassNamespace) {
            let path = String(url.dropFirst(prefix.count))
            for route in [path, "contexts/" + path.dropFirst("ns/".count)] {
                router.get(RouterPath(route)) { _, _ -> Response in
                    .bytes(bytes, headers: [.contentType: "application/ld+json", .cacheControl: "public, max-age=86400"])
                }
            }
        }
    }
}
