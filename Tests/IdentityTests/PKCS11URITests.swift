import Identity
import Testing

@Suite struct PKCS11URITests {
    @Test func parsesTheAttributesItKnows() throws {
        let uri = try PKCS11URI(
            parsing: "pkcs11:token=voltpass;manufacturer=SoftHSM%20project;model=SoftHSM%20v2;serial=0a1b2c;object=op-acme-1;id=%01%a2;type=private")
        #expect(uri.token == "voltpass")
        #expect(uri.manufacturer == "SoftHSM project")
        #expect(uri.model == "SoftHSM v2")
        #expect(uri.serial == "0a1b2c")
        #expect(uri.object == "op-acme-1")
        #expect(uri.id == [0x01, 0xA2])
    }

    @Test func acceptsTheSchemeInAnyCaseAndReservedCharactersRFC7512Allows() throws {
        let uri = try PKCS11URI(parsing: "PKCS11:object=a:b@c(d)*e+f,g=h&i!j$k'l[m]")
        #expect(uri.object == "a:b@c(d)*e+f,g=h&i!j$k'l[m]")
        #expect(uri.token == nil)
        #expect(PKCS11URI.isPKCS11URI("Pkcs11:id=%01"))
        #expect(!PKCS11URI.isPKCS11URI("keys/3f2c.json"))
        #expect(!PKCS11URI.isPKCS11URI("pkcs11"))
    }

    @Test func printsTheCanonicalFormThatParsesBack() throws {
        let uri = PKCS11URI(token: "Voltpass Keys", object: "op/acme;1 ü", id: [0x00, 0xFF, 0x10])
        #expect(uri.description == "pkcs11:token=Voltpass%20Keys;object=op%2Facme%3B1%20%C3%BC;id=%00%FF%10")
        #expect(try PKCS11URI(parsing: uri.description) == uri)
        #expect(PKCS11URI(token: "voltpass", object: "op-acme-1").description == "pkcs11:token=voltpass;object=op-acme-1")
    }

    @Test(arguments: [
        ("", "not the scheme"),
        ("pkcs12:object=a", "another scheme"),
        ("pkcs11:", "names nothing"),
        ("pkcs11:token=voltpass", "names a token but no key"),
        ("pkcs11:object=a;object=b", "an attribute twice"),
        ("pkcs11:object=a;", "an empty component"),
        ("pkcs11:;object=a", "an empty leading component"),
        ("pkcs11:object", "no value"),
        ("pkcs11:object=", "an empty value"),
        ("pkcs11:object=a b", "a space"),
        ("pkcs11:object=a/b", "a slash"),
        ("pkcs11:object=a#b", "a fragment"),
        ("pkcs11:object=%4", "a short escape"),
        ("pkcs11:object=%zz", "a bad escape"),
        ("pkcs11:object=%ff", "not UTF-8"),
        ("pkcs11:object=é", "a raw non-ASCII character"),
        ("pkcs11:object=a;colour=blue", "an unknown attribute"),
        ("pkcs11:object=a;slot-id=1", "an attribute Voltpass does not support"),
        ("pkcs11:object=a;type=public", "the public key"),
        ("pkcs11:object=a;type=secret-key", "another type"),
        ("pkcs11:token=a-label-that-is-far-too-long-for-a-token;object=a", "a token label over 32 bytes"),
        ("pkcs11:serial=12345678901234567;object=a", "a serial over 16 bytes"),
        ("pkcs11:object=a?module-path=/usr/lib/evil.so", "a module path"),
        ("pkcs11:object=a?", "an empty query"),
    ])
    func refusesMalformedReferences(text: String, why: String) {
        #expect(throws: HSMError.self, "\(why)") { try PKCS11URI(parsing: text) }
        #expect((try? PKCS11URI(parsing: text)) == nil)
        do throws(HSMError) {
            _ = try PKCS11URI(parsing: text)
        } catch {
            #expect(error.code == "pkcs11_uri_invalid", "\(why)")
            #expect(!error.message.isEmpty)
        }
    }

    /// A PIN put in a key reference is refused without being repeated in the message.
    @Test func refusesAPinWithoutRepeatingIt() {
        for text in ["pkcs11:object=a?pin-value=s3cr3t-PIN-99", "pkcs11:object=a?module-name=x&pin-source=file:s3cr3t-PIN-99"] {
            do throws(HSMError) {
                _ = try PKCS11URI(parsing: text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.kind == .invalidURI)
                #expect(!error.message.contains("s3cr3t"))
                #expect(error.message.contains("PIN"))
            }
        }
    }

    @Test func refusesOverlongInput() {
        let text = "pkcs11:object=" + String(repeating: "a", count: 5000)
        #expect(throws: HSMError.self) { try PKCS11URI(parsing: text) }
    }
}
