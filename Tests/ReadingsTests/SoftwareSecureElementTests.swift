import Encoding
import Foundation
import Identity
import Testing

@Suite struct SoftwareSecureElementTests {
    @Test(arguments: KeyAlgorithm.allCases)
    func signsAndCountsAcrossReopening(algorithm: KeyAlgorithm) async throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("se.json")
        let element = try SoftwareSecureElement.create(algorithm, at: url)
        #expect(await element.counter == 0)
        let signature = try await element.sign(Array("m".utf8))
        #expect(element.verificationKey.verify(signature: signature, message: Array("m".utf8)))
        let counted = try await element.signCounted { counter in Array("reading \(counter)".utf8) }
        #expect(counted.counter == 2)
        #expect(counted.message == Array("reading 2".utf8))
        #expect(element.verificationKey.verify(signature: counted.signature, message: counted.message))

        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let reopened = try SoftwareSecureElement.open(at: url)
        #expect(reopened.publicKey == element.publicKey)
        #expect(await reopened.counter == 2)
        _ = try await reopened.sign([1])
        #expect(await reopened.counter == 3)
        // The file is still a Multikey key file.
        #expect(try KeyFile.load(from: url).publicKey == element.publicKey)
    }

    @Test func neverOverwritesAndRejectsBadFiles() async throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("se.json")
        _ = try SoftwareSecureElement.create(.ed25519, at: url)
        #expect((#expect(throws: IdentityError.self) { try SoftwareSecureElement.create(.p256, at: url) })?.kind == .keyFileUnavailable)
        let missing = directory.url.appendingPathComponent("none.json")
        #expect((#expect(throws: IdentityError.self) { try SoftwareSecureElement.open(at: missing) })?.kind == .keyFileUnavailable)

        // A plain key file without a counter, or with a bad one, is not a secure element.
        let plain = directory.url.appendingPathComponent("plain.json")
        try KeyFile.write(SoftwareSigner.generate(.ed25519), to: plain)
        #expect((#expect(throws: IdentityError.self) { try SoftwareSecureElement.open(at: plain) })?.kind == .invalidKeyFile)
        var object = try #require(try JSONValue(parsing: Array(Data(contentsOf: url))).objectValue)
        for bad: JSONValue in [-1, 1.5, "3", 9_007_199_254_740_992] {
            object["counter"] = bad
            try Data(JSONValue.object(object).serialized()).write(to: url)
            #expect((#expect(throws: IdentityError.self) { try SoftwareSecureElement.open(at: url) })?.kind == .invalidKeyFile)
        }
    }

    @Test func failedPersistenceReleasesNoSignature() async throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("se.json")
        let element = try SoftwareSecureElement.create(.ed25519, at: url)
        _ = try await element.sign([1])
        // Put a non-empty folder where the state file was: the counter cannot be written (not even by
        // root), so nothing is signed and the counter stays.
        try FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        try Data([1]).write(to: url.appendingPathComponent("occupied"))
        await #expect(throws: IdentityError.self) { _ = try await element.sign([2]) }
        #expect(await element.counter == 1)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
        #expect(leftovers == ["se.json"])
    }
}
