import Encoding
import Foundation
import Identity
import Testing
import VectorSupport

@testable import Credentials

/// Seeded random damage to a signed credential: verification never crashes, never passes a changed
/// document, and names every failure with a code.
@Suite struct CredentialHostileInputTests {
    static let replacements: [JSONValue] = [
        .null, true, 0, -1.5, "", "not a url", "did:key:z6MkBroken", [], [:], ["type": 7], [[:]], "2025-13-01T00:00:00Z",
    ]

    /// Replaces or deletes one randomly chosen member or element somewhere in `value`.
    static func mutate(_ value: JSONValue, _ random: inout SeededRandom) -> JSONValue {
        switch value {
        case .object(var object) where !object.isEmpty:
            let key = object.keys[Int(random.next() % UInt64(object.count))]
            switch random.next() % 3 {
            case 0: object.removeValue(forKey: key)
            case 1: object[key] = replacements[Int(random.next() % UInt64(replacements.count))]
            default: object[key] = mutate(object[key]!, &random)
            }
            return .object(object)
        case .array(var items) where !items.isEmpty:
            let index = Int(random.next() % UInt64(items.count))
            if random.next() % 2 == 0 {
                items[index] = replacements[Int(random.next() % UInt64(replacements.count))]
            } else {
                items[index] = mutate(items[index], &random)
            }
            return .array(items)
        default:
            return replacements[Int(random.next() % UInt64(replacements.count))]
        }
    }

    @Test func damagedCredentialsFailWithCodes() async throws {
        let issuer = TestIssuer()
        let original = try await issuer.issue(issuer.credential(id: "urn:uuid:target"))
        let verifier = Verifier.standard(
            resolver: MethodDispatchResolver(["key": DIDKeyResolver()]), now: at("2025-07-01T00:00:00Z"))
        #expect(await verifier.verify(original).verified)
        var random = SeededRandom(seed: 20_261_122)
        for _ in 0..<300 {
            let damaged = Self.mutate(.object(original.json), &random)
            let result = await verifier.verify(document: damaged)
            if damaged == .object(original.json) { continue }
            #expect(!result.verified, "\(damaged)")
            #expect(result.failures.allSatisfy { !$0.code.isEmpty && !$0.message.isEmpty })
        }
    }
}
