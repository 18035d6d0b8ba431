import Credentials
import Encoding
import Foundation
import Identity
import RDF

/// Issuing and verifying eddsa-jcs-2022 credentials (did:key issuer, no status), one at a time and
/// on every core, and verifying sets of 10 and 1,000 credentials.
extension Suite {
    static let credentials: [Suite] = [
        Suite(name: "credentials.issue-eddsa-jcs-2022") { seconds in
            let issuer = BenchIssuer()
            return try await measure("issue eddsa-jcs-2022 credential (1 task)", minimumSeconds: seconds) {
                try await issuer.issue().count
            }
        },
        Suite(name: "credentials.issue-eddsa-jcs-2022-parallel") { seconds in
            let issuer = BenchIssuer()
            return try await perCredential(batch: 256, seconds: seconds, "issue eddsa-jcs-2022 credential (all cores)") {
                try await onAllCores(256) { _ in try await issuer.issue().count }
            }
        },
        Suite(name: "credentials.verify-eddsa-jcs-2022") { seconds in
            let issuer = BenchIssuer()
            let credential = Credential(try await issuer.issue())
            let verifier = issuer.verifier
            return await measure("verify eddsa-jcs-2022 credential (1 task)", minimumSeconds: seconds) {
                await verifier.verify(credential).verified ? 1 : 0
            }
        },
        Suite(name: "credentials.verify-eddsa-jcs-2022-parallel") { seconds in
            let issuer = BenchIssuer()
            let credential = Credential(try await issuer.issue())
            let verifier = issuer.verifier
            return try await perCredential(batch: 256, seconds: seconds, "verify eddsa-jcs-2022 credential (all cores)") {
                try await onAllCores(256) { _ in await verifier.verify(credential).verified ? 1 : 0 }
            }
        },
        Suite(name: "credentials.verify-eddsa-rdfc-2022") { seconds in
            let issuer = BenchIssuer(cryptosuite: .eddsaRdfc2022)
            let credential = Credential(try await issuer.issue())
            let verifier = issuer.verifier
            return await measure("verify eddsa-rdfc-2022 credential (1 task)", minimumSeconds: seconds) {
                await verifier.verify(credential).verified ? 1 : 0
            }
        },
        Suite(name: "credentials.jsonld-rdfc") { seconds in
            let document = JSONValue.object(BenchIssuer(cryptosuite: .eddsaRdfc2022).document)
            let processor = JSONLD(loader: BundledContexts())
            return try await measure("JSON-LD to RDF + RDFC-1.0 of the battery credential (1 task)", minimumSeconds: seconds) {
                try RDFC10().canonicalize(try processor.toRDF(document)).nquadsBytes.count
            }
        },
        Suite(name: "credentials.verify-set-10") { seconds in
            let issuer = BenchIssuer()
            let set = try await issuer.set(10)
            return await measure("verify a 10-credential set", minimumSeconds: seconds) {
                await issuer.verifier.verify(set).verified ? 1 : 0
            }
        },
        Suite(name: "credentials.verify-set-1000") { seconds in
            let issuer = BenchIssuer()
            let set = try await issuer.set(1000)
            return await measure("verify a 1,000-credential set", minimumSeconds: seconds) {
                await issuer.verifier.verify(set).verified ? 1 : 0
            }
        },
    ]

    /// Reports a batched measurement per credential.
    private static func perCredential(
        batch: Int, seconds: Double, _ operation: String, _ body: () async throws -> Int
    ) async rethrows -> Measurement {
        let batches = try await measure(operation, minimumSeconds: seconds, body)
        return Measurement(operation: operation, count: batches.count * batch, seconds: batches.seconds, bytesPerOperation: nil)
    }

    /// Runs `count` operations spread over one task per core.
    private static func onAllCores(_ count: Int, _ operation: @escaping @Sendable (Int) async throws -> Int) async throws -> Int {
        let workers = ProcessInfo.processInfo.activeProcessorCount
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var sum = 0
                    for index in stride(from: worker, to: count, by: workers) { sum &+= try await operation(index) }
                    return sum
                }
            }
            return try await group.reduce(0, &+)
        }
    }
}

/// A did:key issuer of the ~2 KB battery credential fixture (without its status entry), and a
/// verifier resolving through a caching resolver, as a server would.
private struct BenchIssuer: Sendable {
    let signer = SoftwareSigner.generate(.ed25519)
    let document: JSONObject
    let options: ProofOptions
    let verifier: Verifier

    /// The battery credential signed with `cryptosuite`; for an RDFC suite its terms come from the
    /// bundled examples context's vocabulary (Voltpass's own battery context is not bundled yet).
    init(cryptosuite: Cryptosuite = .eddsaJcs2022) {
        let did = DIDKey.did(for: signer.verificationKey)
        var document = Fixtures.credential.objectValue!
        document.removeValue(forKey: "proof")
        document.removeValue(forKey: "credentialStatus")
        document["issuer"] = .string(did)
        if cryptosuite.usesRDFC {
            document["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]
        }
        self.document = document
        let created = XSDDateTime.parse("2026-11-21T08:30:00Z")
        options = ProofOptions(
            cryptosuite: cryptosuite, verificationMethod: did + "#" + signer.verificationKey.multikey, created: created)
        let now = XSDDateTime.parse("2027-01-01T00:00:00Z")!
        let resolver = CachingDIDResolver(MethodDispatchResolver(["key": DIDKeyResolver()]), now: { now })
        verifier = Verifier.standard(resolver: resolver, now: { now })
    }

    func issue() async throws -> JSONObject {
        try await DataIntegrity.sign(document, options: options, signer: signer)
    }

    func set(_ count: Int) async throws -> [Credential] {
        var credentials: [Credential] = []
        for index in 0..<count {
            var document = document
            document["id"] = .string("urn:uuid:bench-\(index)")
            credentials.append(Credential(try await DataIntegrity.sign(document, options: options, signer: signer)))
        }
        return credentials
    }
}
