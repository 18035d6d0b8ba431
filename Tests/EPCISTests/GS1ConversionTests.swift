import EPCIS
import Foundation
import Testing
import VectorSupport

/// EPC URN <-> GS1 Digital Link conversions against the published vectors in `gs1/`.
@Suite struct GS1ConversionTests {
    private typealias Case = [String: Any]

    private static func canonicalDL(_ text: String) throws -> String {
        GS1DigitalLink(identifier: try GS1Identifier(parsing: text).constrained).uri
    }

    private static func code(of body: () throws -> Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as GS1Error {
            return error.code
        } catch {
            return "unexpected \(error)"
        }
    }

    /// RalphTro/epcis-event-hash-generator normaliser cases: URN / any DL -> constrained canonical DL.
    /// Rows whose expected value carries a wrong check digit (annotated `note`) must be rejected.
    @Test(.vectors) func canonicalDigitalLinkVectors() throws {
        let file = try #require(try Vectors.json("gs1/epc-urn-and-dl-to-canonical-dl.json") as? Case)
        let groups = try #require(file["groups"] as? [Case])
        var checked = 0
        for group in groups {
            for row in try #require(group["cases"] as? [Case]) {
                let input = (row["input"] as? String) ?? "\(row["input"] ?? "")"
                if let expected = row["expected"] as? String {
                    if row["note"] != nil {
                        #expect(Self.code { try Self.canonicalDL(input) } == "gs1_check_digit", "\(input)")
                    } else {
                        #expect((try? Self.canonicalDL(input)) == expected, "\(input)")
                    }
                } else {
                    let code = Self.code { try Self.canonicalDL(input) }
                    #expect(code?.hasPrefix("gs1_") == true, "\(input) must be rejected, got \(code ?? "success")")
                }
                checked += 1
            }
        }
        #expect(checked == 71)
    }

    /// Inputs whose GSRN-P or ITIP check digit is wrong although the file does not annotate them
    /// (found with an independent mod-10 computation in Python; a strict implementation rejects them).
    private static let unannotatedBadCheckDigits: Set<String> = [
        "https://id.gs1.org/8017/123456789012345678", "https://google.com/8017/123456789012345678",
        "https://google.com/8017/643963764374736343", "https://google.com/8017/645933932413121231",
        "https://google.com/8017/667602231213121237", "https://riseagainst.com/songs/8006/123456789012356787/21/1111",
    ]

    /// OpenEPCIS translator cases, both directions. Rows with `gcpLength` from GS1's prefix table use
    /// the company prefix of the expected URN as the configured prefix (the table is not bundled).
    @Test(.vectors) func openEPCISBidirectionalVectors() throws {
        let file = try #require(try Vectors.json("gs1/epc-urn-dl-bidirectional-openepcis.json") as? Case)
        var checked = 0
        for row in try #require(file["cases"] as? [Case]) {
            let input = try #require(row["input"] as? String)
            let expected = try #require(row["expected"] as? String)
            // '#' starts a URI fragment (RFC 3986 3.5): the CPI reference must be percent-encoded in a DL.
            // The conformant spelling of this row is checked in `cpiHashMustBeEncoded`.
            if input.contains("#") { continue }
            if row["direction"] as? String == "urn->dl" {
                #expect((try? GS1DigitalLink(identifier: GS1Identifier(epcURN: input)).uri) == expected, "\(input)")
            } else {
                let identifier = { try GS1Identifier(parsing: input) }
                if row["note"] != nil || Self.unannotatedBadCheckDigits.contains(input) {
                    #expect(Self.code { try identifier() } == "gs1_check_digit", "\(input)")
                } else if let length = row["gcpLength"] as? Int {
                    #expect((try? identifier().epcURN(companyPrefixLength: length)) == expected, "\(input)")
                } else {
                    let body = expected.split(separator: ":").last ?? ""
                    let prefixes = GS1CompanyPrefixes(companyPrefixes: [String(body.prefix { $0 != "." })])
                    #expect((try? prefixes.epcURN(for: identifier())) == expected, "\(input)")
                    // And back: the URN gives the canonical form of the input.
                    let canonical = try GS1DigitalLink(identifier: GS1Identifier(epcURN: expected)).uri
                    #expect(try GS1Identifier(parsing: canonical) == identifier())
                }
            }
            checked += 1
        }
        #expect(checked == 115)
    }

    @Test func cpiHashMustBeEncoded() throws {
        let identifier = try GS1Identifier(parsing: "https://id.gs1.org/8010/30056867890%231294-5A/8011/4893")
        #expect(try identifier.epcURN(companyPrefixLength: 8) == "urn:epc:id:cpi:30056867.890%231294-5A.4893")
        #expect(try GS1Identifier(epcURN: "urn:epc:id:cpi:30056867.890%231294-5A.4893") == identifier)
        // Unencoded, the rest is a fragment and only the reference before it is read.
        #expect(try GS1Identifier(parsing: "https://id.gs1.org/8010/30056867890#1294-5A/8011/4893").qualifiers.isEmpty)
    }

    @Test func batteryExamplesRoundTrip() throws {
        // The UNTP sample battery: GTIN 09520123456788, serial 12345, 7-digit company prefix.
        let dl = "https://id.gs1.org/01/09520123456788/21/12345"
        let identifier = try GS1Identifier(parsing: dl)
        #expect(try identifier.epcURN(companyPrefixLength: 7) == "urn:epc:id:sgtin:9520123.045678.12345")
        #expect(GS1DigitalLink(identifier: try GS1Identifier(epcURN: "urn:epc:id:sgtin:9520123.045678.12345")).uri == dl)
        // LGTIN (REQ-F06): the batch as an EPC class and as a Digital Link.
        let lot = try GS1Identifier(epcURN: "urn:epc:class:lgtin:4012345.012345.998877")
        #expect(GS1DigitalLink(identifier: lot).uri == "https://id.gs1.org/01/04012345123456/10/998877")
        #expect(try lot.epcURN(companyPrefixLength: 7) == "urn:epc:class:lgtin:4012345.012345.998877")
        // Serials with characters that need escaping, each form with its own rules.
        let escaped = try GS1Identifier(epcURN: "urn:epc:id:sgtin:0614141.812345.6789%2F%26%25%22!%3F()")
        #expect(escaped.qualifier("21") == "6789/&%\"!?()")
        #expect(try escaped.epcURN(companyPrefixLength: 7) == "urn:epc:id:sgtin:0614141.812345.6789%2F%26%25%22!%3F()")
        #expect(GS1DigitalLink(identifier: escaped).uri == "https://id.gs1.org/01/80614141123458/21/6789%2F%26%25%22%21%3F%28%29")
    }

    @Test func configuredPrefixesPickTheLongestMatch() throws {
        let prefixes = GS1CompanyPrefixes(lengths: ["95": 7, "9520123": 9])
        let identifier = try GS1Identifier(parsing: "https://example.com/01/09520123456788/21/1")
        #expect(try prefixes.companyPrefixLength(for: identifier) == 9)
        #expect(try prefixes.epcURN(for: identifier) == "urn:epc:id:sgtin:952012345.0678.1")
        let unknown = GS1CompanyPrefixes(companyPrefixes: ["4012345"])
        #expect(Self.code { try unknown.epcURN(for: identifier) } == "gs1_company_prefix_unknown")
    }

    @Test func malformedInputGetsDistinctCodes() {
        let cases: [(String, String)] = [
            ("urn:epc:id:sgtin:4012345.011111.", "gs1_invalid_component"),  // empty serial
            ("urn:epc:id:sgtin:4012345.01111.1", "gs1_invalid_component"),  // 12 digits, not 13
            ("urn:epc:id:sgtin:40123.0111111.1", "gs1_company_prefix_length"),
            ("urn:epc:id:xyz:4012345.1", "gs1_unknown_scheme"),
            ("urn:epc:id:sgtin:4012345.011111.a%zz", "gs1_invalid_character"),
            ("urn:epc:id:sgtin:4012345.011111.caf\u{e9}", "gs1_invalid_character"),
            ("urn:epc:id:sgtin:4012345.011111.123456789012345678901", "gs1_invalid_component"),
            ("https://id.gs1.org/01/09520123456789", "gs1_check_digit"),
            ("https://id.gs1.org/01/09520123456788/21/1/10/2", "gs1_invalid_qualifier"),
            ("https://id.gs1.org/00/123", "gs1_invalid_component"),
            ("https://example.com/products/42", "gs1_not_an_identifier"),
            ("mailto:someone@example.com", "gs1_not_an_identifier"),
        ]
        for (input, code) in cases {
            #expect(Self.code { try GS1Identifier(parsing: input) } == code, "\(input)")
        }
        let gtin = try? GS1Identifier(parsing: "https://id.gs1.org/01/09520123456788/10/L1/21/S1")
        #expect(Self.code { try gtin?.epcURN(companyPrefixLength: 7) } == "gs1_unknown_scheme")
        #expect(Self.code { try gtin?.epcURN(companyPrefixLength: 13) } == "gs1_company_prefix_length")
    }

    /// Mutated vector inputs either fail with a GS1 code or give an identifier that survives
    /// URN -> Digital Link -> identifier -> URN unchanged (never a crash, never a silent change).
    @Test(.vectors) func mutatedInputsRoundTripOrFail() throws {
        let file = try #require(try Vectors.json("gs1/epc-urn-dl-bidirectional-openepcis.json") as? Case)
        let seeds = try #require(file["cases"] as? [Case]).compactMap { $0["input"] as? String }.filter { $0.hasPrefix("urn:") }
        var random = SeededRandom(seed: 4)
        let alphabet = Array("0123456789.:%2FAaZz!'()*+,;=-_/?#&\"<>~ \u{e9}")
        var parsed = 0
        for _ in 0..<3000 {
            var characters = Array(try #require(seeds.randomElement(using: &random)))
            let position = Int.random(in: 0..<characters.count, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0: characters.remove(at: position)
            case 1: characters.insert(try #require(alphabet.randomElement(using: &random)), at: position)
            default: characters[position] = try #require(alphabet.randomElement(using: &random))
            }
            let urn = String(characters)
            guard let identifier = try? GS1Identifier(epcURN: urn) else { continue }
            parsed += 1
            let link = GS1DigitalLink(identifier: identifier).uri
            #expect(try GS1Identifier(parsing: link, options: .strict) == identifier, "\(urn) -> \(link)")
            let body = urn.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false)[4]
            let gcpLength = body.prefix { $0 != "." }.count
            #expect(try GS1Identifier(epcURN: identifier.epcURN(companyPrefixLength: gcpLength)) == identifier, "\(urn)")
        }
        #expect(parsed > 100)
    }
}
