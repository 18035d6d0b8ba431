import Encoding
import Hummingbird
import Identity

/// Public DID endpoints: the operator's own did:web document, and resolution of any supported DID.
struct DIDRoutes {
    let operatorKeys: OperatorKeys
    let resolver: any DIDResolver

    /// The registered media type of a DID document in JSON.
    static let didMediaType = "application/did+json"

    func add(to router: Router<VoltpassRequestContext>) {
        router.get(".well-known/did.json") { _, _ -> Response in
            let document = try await operatorKeys.document()
            return .bytes(document.serialized, headers: [.contentType: Self.didMediaType])
        }
        router.get("identifiers/:did") { _, context -> Response in
            let did = try context.parameters.require("did")
            // The operator's own DID is answered from the store: no request to ourselves.
            let document =
                did == operatorKeys.did ? try await operatorKeys.document() : try await resolver.resolve(did)
            return .bytes(document.serialized, headers: [.contentType: Self.didMediaType])
        }
    }
}
