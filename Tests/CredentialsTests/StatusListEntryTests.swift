import Encoding
import Foundation
import Testing
import VectorSupport

@testable import Credentials

@Suite("Bitstring Status List: entries and list credentials")
struct StatusListEntryTests {
    private static func entry(_ changes: [String: JSONValue?]) -> JSONObject {
        var object: JSONObject = [
            "id": "https://example.com/credentials/status/3#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": "https://example.com/credentials/status/3",
        ]
        for (key, value) in changes { object[key] = value }
        return object
    }

    @Test(.vectors) func specExamplesParse() throws {
        let file = try #require(try Vectors.json("status-list/spec-examples.json") as? [String: Any])
        let examples = try #require(file["examples"] as? [[String: Any]])
        var entryCount = 0
        var listCount = 0
        for example in examples {
            guard let json = example["json"] as? [String: Any] else { continue }
            let data = try JSONSerialization.data(withJSONObject: json)
            let document = try #require(try JSONValue(parsing: [UInt8](data)).objectValue)
            let entries = try StatusListEntry.entries(in: document)
            entryCount += entries.count
            for (entry, path) in entries {
                #expect(entry.listCredential.hasPrefix("https://example.com/credentials/status/"), "\(path)")
                #expect(entry.json == document[jsonPointer: path], "the entry writes back as it was read: \(path)")
            }
            if (json["type"] as? [String])?.contains("BitstringStatusListCredential") == true {
                let list = try StatusListCredential(document: document)
                listCount += 1
                #expect(list.id == "https://example.com/credentials/status/3")
                #expect(list.issuer == "did:example:12345")
                #expect(list.purposes == [.revocation])
                #expect(list.bitstring.entryCount == 131_072)
                #expect(list.validFrom == XSDDateTime.parse("2021-04-05T14:27:40Z"))
                let entry = StatusListEntry(purpose: .revocation, index: 94567, listCredential: list.id)
                #expect(try entry.status(in: list) == 0)
            }
        }
        #expect(entryCount == 3)  // the examples with "..." are text only
        #expect(listCount == 2)
    }

    @Test func readsAndWritesEntries() throws {
        let entry = try StatusListEntry(json: Self.entry([:]))
        #expect(entry.index == 94567)
        #expect(entry.purpose == .revocation)
        #expect(entry.statusSize == 1)
        #expect(entry.json == Self.entry([:]))
        let messages: JSONValue = [
            ["status": "0x0", "message": "pending_review"], ["status": "0x1", "message": "accepted"],
            ["status": "0x2", "message": "rejected"], ["status": "0x3", "message": "undefined"],
        ]
        let multiBit = try StatusListEntry(json: Self.entry(["statusPurpose": "message", "statusSize": 2, "statusMessage": messages]))
        #expect(multiBit.statusSize == 2)
        #expect(multiBit.messages?.count == 4)
        #expect(try StatusListEntry(json: multiBit.json) == multiBit)
    }

    /// The data model MUSTs of the W3C Bitstring Status List suite (tests/10-data_model.js).
    @Test func malformedEntriesAreRejected() {
        let twoMessages: JSONValue = [["status": "0x0", "message": "a"], ["status": "0x1", "message": "b"]]
        let cases: [(String, [String: JSONValue?], String)] = [
            ("wrong type", ["type": "StatusList2021Entry"], "status_entry_invalid"),
            ("purpose not a string", ["statusPurpose": ["revocation"]], "status_entry_invalid"),
            ("index a number", ["statusListIndex": 94567], "status_entry_invalid"),
            ("index negative", ["statusListIndex": "-1"], "status_entry_invalid"),
            ("index hex", ["statusListIndex": "0x10"], "status_entry_invalid"),
            ("index empty", ["statusListIndex": ""], "status_entry_invalid"),
            ("index huge", ["statusListIndex": "99999999999999999999999"], "range_error"),
            ("list not a URL", ["statusListCredential": "status list 3"], "status_entry_invalid"),
            ("list missing", ["statusListCredential": nil], "status_entry_invalid"),
            ("id is the list URL", ["id": "https://example.com/credentials/status/3"], "status_entry_invalid"),
            ("size zero", ["statusSize": 0], "status_entry_invalid"),
            ("size fraction", ["statusSize": 1.5], "status_entry_invalid"),
            ("size 2 without messages", ["statusSize": 2], "status_entry_invalid"),
            ("too few messages", ["statusSize": 2, "statusMessage": twoMessages], "status_entry_invalid"),
            ("message not an object", ["statusMessage": ["0x0", "0x1"]], "status_entry_invalid"),
            ("message without text", ["statusMessage": [["status": "0x0"], ["status": "0x1"]]], "status_entry_invalid"),
        ]
        for (name, changes, code) in cases {
            let error = #expect(throws: StatusListError.self, "\(name)") { try StatusListEntry(json: Self.entry(changes)) }
            #expect(error?.code == code, "\(name)")
        }
        // statusMessage MAY be present with statusSize 1.
        #expect(throws: Never.self) { try StatusListEntry(json: Self.entry(["statusMessage": twoMessages])) }
    }

    @Test func entriesAreFoundWithTheirPaths() throws {
        let other: JSONValue = ["type": "CredentialStatusList2017", "id": "https://example.com/x"]
        let document: JSONObject = ["credentialStatus": [other, .object(Self.entry([:]))]]
        let entries = try StatusListEntry.entries(in: document)
        #expect(entries.map(\.path) == ["/credentialStatus/1"])
        let broken: JSONObject = ["credentialStatus": .object(Self.entry(["statusListIndex": "x"]))]
        let error = #expect(throws: StatusListError.self) { try StatusListEntry.entries(in: broken) }
        #expect(error?.message.hasPrefix("/credentialStatus:") == true)
    }

    @Test func checksPurposeLengthAndRange() throws {
        var bitstring = StatusListBitstring()
        try bitstring.setStatus(1, at: 131_071)
        let list = StatusListCredential(id: "https://example.com/sl/1", issuer: "did:example:1", purposes: [.revocation], bitstring: bitstring)
        #expect(try StatusListEntry(purpose: .revocation, index: 131_071, listCredential: list.id).status(in: list) == 1)
        #expect(try StatusListEntry(purpose: .revocation, index: 0, listCredential: list.id).status(in: list) == 0)
        let wrongPurpose = #expect(throws: StatusListError.self) {
            try StatusListEntry(purpose: .suspension, index: 0, listCredential: list.id).status(in: list)
        }
        #expect(wrongPurpose?.code == "status_list_invalid")
        let outOfRange = #expect(throws: StatusListError.self) {
            try StatusListEntry(purpose: .revocation, index: 131_072, listCredential: list.id).status(in: list)
        }
        #expect(outOfRange?.code == "range_error")
        // Two bits per entry halve the entries: below the minimum.
        let messages = (0..<4).map { StatusListEntry.Message(status: "0x\($0)", message: "m\($0)") }
        let tooShort = #expect(throws: StatusListError.self) {
            try StatusListEntry(purpose: .revocation, index: 0, listCredential: list.id, statusSize: 2, messages: messages).status(in: list)
        }
        #expect(tooShort?.code == "status_list_length_error")
        var small = list
        small.bitstring = StatusListBitstring(entryCount: 100_000)
        let short = #expect(throws: StatusListError.self) {
            try StatusListEntry(purpose: .revocation, index: 5, listCredential: list.id).status(in: small)
        }
        #expect(short?.code == "status_list_length_error")
    }

    @Test func listCredentialsRoundTrip() throws {
        var bitstring = StatusListBitstring()
        try bitstring.setStatus(1, at: 42)
        let list = StatusListCredential(
            id: "https://example.com/sl/7", issuer: "did:example:1", purposes: [.suspension], bitstring: bitstring,
            validFrom: XSDDateTime.parse("2026-01-02T03:04:05Z"), timeToLive: 300_000)
        let document = try list.document
        #expect(document["credentialSubject"]?["type"] == "BitstringStatusList")
        #expect(document["credentialSubject"]?["statusPurpose"] == "suspension")
        #expect(document["credentialSubject"]?["ttl"] == 300_000)
        #expect(document["validFrom"] == "2026-01-02T03:04:05Z")
        #expect(try StatusListCredential(document: document) == list)

        var both = list
        both.purposes = [.revocation, .suspension]
        #expect(try both.document["credentialSubject"]?["statusPurpose"] == ["revocation", "suspension"])
        let read = try StatusListCredential(document: both.document)
        #expect(read.purposes == [.revocation, .suspension])
        #expect(try StatusListEntry(purpose: .suspension, index: 42, listCredential: list.id).status(in: read) == 1)
    }

    @Test func malformedListCredentialsAreInvalid() throws {
        let good = try StatusListCredential(
            id: "https://example.com/sl/1", issuer: "did:example:1", purposes: [.revocation], bitstring: StatusListBitstring()
        ).document
        func changed(_ edit: (inout JSONObject) -> Void) -> JSONObject {
            var copy = good
            edit(&copy)
            return copy
        }
        func subject(_ key: String, _ value: JSONValue?) -> JSONObject {
            changed { document in
                var subject = document["credentialSubject"]!.objectValue!
                subject[key] = value
                document["credentialSubject"] = .object(subject)
            }
        }
        let cases: [(String, JSONObject)] = [
            ("type", changed { $0["type"] = ["VerifiableCredential"] }),
            ("no id", changed { $0["id"] = nil }),
            ("no issuer", changed { $0["issuer"] = nil }),
            ("subject array", changed { $0["credentialSubject"] = [$0["credentialSubject"]!, $0["credentialSubject"]!] }),
            ("subject type", subject("type", "StatusList2021")),
            ("purpose number", subject("statusPurpose", 1)),
            ("purpose empty", subject("statusPurpose", [])),
            ("no encodedList", subject("encodedList", nil)),
            ("encodedList bad", subject("encodedList", "uAAAA")),
            ("ttl negative", subject("ttl", -1)),
            ("ttl string", subject("ttl", "300")),
            ("validFrom", changed { $0["validFrom"] = "yesterday" }),
        ]
        for (name, document) in cases {
            let error = #expect(throws: StatusListError.self, "\(name)") { try StatusListCredential(document: document) }
            #expect(error?.code == "status_list_invalid", "\(name)")
        }
    }
}

extension JSONObject {
    /// The value at a JSON Pointer such as `/credentialStatus/1` (no escapes), for tests.
    fileprivate subscript(jsonPointer pointer: String) -> JSONObject? {
        var value = JSONValue.object(self)
        for token in pointer.split(separator: "/") {
            if let index = Int(token) { value = value[index] ?? .null } else { value = value[String(token)] ?? .null }
        }
        return value.objectValue
    }
}
