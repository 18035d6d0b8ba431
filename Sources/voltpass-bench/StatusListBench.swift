import Credentials
import Encoding
import Foundation
import Identity

/// Bitstring Status List: encoding and decoding a 131,072-entry list, a status check against a
/// cached (already verified) list, and credential verification with and without that check.
extension Suite {
    static let statusLists: [Suite] = [
        Suite(name: "statuslist.encode-131072") { seconds in
            let bitstring = StatusListFixture.bitstring
            return try await measure("status list encodedList, 131,072 entries, 1,000 set", minimumSeconds: seconds, bytesPerOperation: 16_384) {
                try bitstring.encodedList.utf8.count
            }
        },
        Suite(name: "statuslist.decode-131072") { seconds in
            let encoded = try StatusListFixture.bitstring.encodedList
            return try await measure(
                "status list decode (base64url + gunzip), 1,000 set, \(encoded.utf8.count) chars", minimumSeconds: seconds,
                bytesPerOperation: 16_384
            ) {
                try StatusListBitstring(encodedList: encoded).bytes.count
            }
        },
        Suite(name: "statuslist.decode-python-dynamic-huffman") { seconds in
            // The locally generated 131,072-entry vector (Python gzip level 9: dynamic Huffman blocks).
            let encoded = "uH4sIAAAAAAACA-3aMREAMAgAseIcazhDBEs5Egk_f-XjrpAAAAAAAICZlAAAAAAA4FNmYQAAAIB1ogFcNi7YAEAAAA"
            return try await measure("status list decode, Python gzip -9 stream", minimumSeconds: seconds, bytesPerOperation: 16_384) {
                try StatusListBitstring(encodedList: encoded).bytes.count
            }
        },
        Suite(name: "statuslist.check-cached") { seconds in
            let fixture = try await StatusListFixture()
            _ = await fixture.statusOnly.verify(fixture.credential)  // fills the cache
            return await measure("status check, cached list (StatusPolicy alone)", minimumSeconds: seconds) {
                await fixture.statusOnly.verify(fixture.credential).verified ? 1 : 0
            }
        },
        Suite(name: "statuslist.verify-with-status") { seconds in
            let fixture = try await StatusListFixture()
            _ = await fixture.full.verify(fixture.credential)
            return await measure("verify eddsa-jcs-2022 credential + status (cached list)", minimumSeconds: seconds) {
                await fixture.full.verify(fixture.credential).verified ? 1 : 0
            }
        },
    ]
}

/// A signed 131,072-entry revocation list served from memory, a credential pointing into it, and
/// verifiers with a `StatusPolicy` over a warm cache.
private struct StatusListFixture: Sendable {
    static let bitstring: StatusListBitstring = {
        var generator = SystemRandomNumberGenerator()
        var bitstring = StatusListBitstring()
        for _ in 0..<1000 { try? bitstring.setStatus(1, at: Int.random(in: 0..<bitstring.entryCount, using: &generator)) }
        return bitstring
    }()

    /// Serves one fixed document, as a cache in front of HTTP would after its first fetch.
    struct MemoryFetcher: StatusListFetcher {
        let document: JSONObject
        func fetch(_ url: String) async throws(StatusListError) -> JSONObject { document }
    }

    let credential: Credential
    let statusOnly: Verifier
    let full: Verifier

    init() async throws {
        let signer = SoftwareSigner.generate(.ed25519)
        let did = DIDKey.did(for: signer.verificationKey)
        let created = XSDDateTime.parse("2026-11-21T08:30:00Z")
        let options = ProofOptions(cryptosuite: .eddsaJcs2022, verificationMethod: did + "#" + signer.verificationKey.multikey, created: created)
        let url = "https://status.example/lists/1"
        var bitstring = Self.bitstring
        try bitstring.setStatus(0, at: 4242)
        let list = StatusListCredential(id: url, issuer: did, purposes: [.revocation], bitstring: bitstring, validFrom: created)
        let signedList = try await DataIntegrity.sign(try list.document, options: options, signer: signer)

        var document = Fixtures.credential.objectValue!
        document.removeValue(forKey: "proof")
        document["issuer"] = .string(did)
        document["credentialStatus"] = .object(StatusListEntry(purpose: .revocation, index: 4242, listCredential: url).json)
        credential = Credential(try await DataIntegrity.sign(document, options: options, signer: signer))

        let now = XSDDateTime.parse("2027-01-01T00:00:00Z")!
        let resolver = CachingDIDResolver(MethodDispatchResolver(["key": DIDKeyResolver()]), now: { now })
        let cache = StatusListCache(fetcher: MemoryFetcher(document: signedList), resolver: resolver, now: { now })
        statusOnly = Verifier(credentialPolicies: [StatusPolicy(cache: cache)], now: { now })
        var full = Verifier.standard(resolver: resolver, now: { now })
        full.credentialPolicies.append(StatusPolicy(cache: cache))
        self.full = full
    }
}
