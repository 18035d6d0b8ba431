import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import ServerTestSupport
import Testing

/// ecdsa-sd-2023 over the VC API: `/credentials/issue` with `mandatoryPointers` answers a base proof
/// for the holder, `/credentials/derive` discloses what the holder chooses, `/credentials/verify`
/// verifies the derived credential and refuses the base one.
@Suite("HTTP selective disclosure (ecdsa-sd-2023)")
struct SelectiveDisclosureRoutesTests {
    typealias Routes = CredentialRoutesTests

    @Test func issueDeriveVerify() async throws {
        try await withLiveServer { client, _, admin in
            // ecdsa-sd-2023 signs with P-256: the operator's key is rotated to one first.
            let rotated = try await client.execute(
                uri: "/admin/keys/rotate", method: .post, headers: .bearer(admin), body: ByteBuffer(string: #"{"type":"p256"}"#))
            #expect(rotated.status == .ok, "\(String(buffer: rotated.body))")
            let issuer = try await Routes.token(client, role: "issuer", admin: admin)
            let document = #"{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/examples/v2"],"type":["VerifiableCredential"],"issuer":"\#(Routes.instanceDID)","validFrom":"2025-01-01T00:00:00Z","credentialSubject":{"id":"did:example:cell-7","stateOfHealth":98,"supplier":"Confidential Cells Ltd"}}"#
            let body = #"{"credential":\#(document),"options":{"mandatoryPointers":["/issuer","/validFrom","/credentialSubject/id"]}}"#
            let issued = try await Routes.post(client, "/credentials/issue", body, token: issuer)
            #expect(issued.status == .created, "\(String(buffer: issued.body))")
            let base = try Routes.credential(issued)
            #expect(base.contains("ecdsa-sd-2023"))

            // The base proof is the holder's, not a verifier's.
            let refused = try await Routes.post(client, "/credentials/verify", #"{"verifiableCredential":\#(base)}"#)
            #expect(try Routes.codes(refused).contains("selective_disclosure_base_proof"), "\(String(buffer: refused.body))")

            let derived = try await Routes.post(
                client, "/credentials/derive", #"{"verifiableCredential":\#(base),"options":{"selectivePointers":["/credentialSubject/stateOfHealth"]}}"#)
            #expect(derived.status == .created, "\(String(buffer: derived.body))")
            let disclosed = try Routes.credential(derived)
            #expect(disclosed.contains("stateOfHealth") && !disclosed.contains("Confidential Cells"))
            let verified = try await Routes.post(client, "/credentials/verify", #"{"verifiableCredential":\#(disclosed)}"#)
            #expect(try verified.json["verified"] as? Bool == true, "\(String(buffer: verified.body))")

            let nothing = try await Routes.post(
                client, "/credentials/derive", #"{"verifiableCredential":\#(base),"options":{"selectivePointers":["/credentialSubject/missing"]}}"#)
            #expect(nothing.status == .badRequest)
            #expect(try nothing.json["code"] as? String == "selective_disclosure_pointer_invalid")
        }
    }
}
