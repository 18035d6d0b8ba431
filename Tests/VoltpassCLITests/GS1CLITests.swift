import Foundation
import Testing

/// `voltpass gs1 convert`, run as the real binary.
@Suite struct GS1CLITests {
    @Test func urnToDigitalLink() async throws {
        let result = try await CLI.run(["gs1", "convert", "urn:epc:id:sgtin:9520123.045678.12345"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("digital link:   https://id.gs1.org/01/09520123456788/21/12345"))
        #expect(result.output.contains("(01) GTIN 09520123456788 (check digit 8 valid)"))
        #expect(result.output.contains("(21) SERIAL 12345"))
    }

    @Test func digitalLinkToURNAsJSON() async throws {
        let result = try await CLI.run([
            "gs1", "convert", "https://example.com/01/04012345123456/10/L%2F7", "--company-prefix-length", "7", "--json",
        ])
        #expect(result.status == 0, "\(result.error)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(document["epcURN"] as? String == "urn:epc:class:lgtin:4012345.012345.L%2F7")
        #expect(document["digitalLink"] as? String == "https://id.gs1.org/01/04012345123456/10/L%2F7")
        #expect(document["elementString"] as? String == "(01)04012345123456(10)L/7")
        let key = try #require(document["key"] as? [String: Any])
        #expect(key["checkDigit"] as? String == "6")
        #expect(key["checkDigitValid"] as? Bool == true)
    }

    @Test func digitalLinkWithoutPrefixLengthNamesTheProblem() async throws {
        let result = try await CLI.run(["gs1", "convert", "https://id.gs1.org/01/09520123456788/21/12345"])
        #expect(result.status == 1)
        #expect(result.error.contains("gs1_company_prefix_unknown"))
    }

    @Test func wrongCheckDigitIsRejected() async throws {
        let result = try await CLI.run(["gs1", "convert", "https://id.gs1.org/00/040123450000000116", "--json"])
        #expect(result.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let error = try #require(document["error"] as? [String: Any])
        #expect(error["code"] as? String == "gs1_check_digit")
        #expect((error["message"] as? String)?.contains("should be 5") == true)
    }

    @Test func badPrefixLengthIsAUsageError() async throws {
        let result = try await CLI.run(["gs1", "convert", "urn:epc:id:sscc:4012345.0000000011", "--company-prefix-length", "5"])
        #expect(result.status == 2)
    }
}
