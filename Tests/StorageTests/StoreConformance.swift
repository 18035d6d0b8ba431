import Credentials
import Foundation
import Identity
import Storage
import Synchronization
import Testing

/// The behaviour every `VoltpassStore` must have, run against each backend by the suites below.
struct StoreConformance {
    let database: any TestDatabase

    /// One named check, so each shows up as its own test case.
    struct Check: Sendable, CustomTestStringConvertible {
        let name: String
        let run: @Sendable (StoreConformance) async throws -> Void
        var testDescription: String { name }
    }

    static let checks: [Check] = [
        Check(name: "keys: save, get, list oldest first, retire") { try await $0.keysKeepHistory() },
        Check(name: "DID documents: save, get, replace") { try await $0.documentsAreReplaced() },
        Check(name: "tokens: save, look up by hash, list, revoke") { try await $0.tokensAreFoundByHash() },
        Check(name: "tokens: a taken secret hash is refused") { try await $0.duplicateTokenHashIsRefused() },
        Check(name: "tokens: operators and expiry round-trip") { try await $0.tokenScopesRoundTrip() },
        Check(name: "challenges: used once, per purpose, not after expiry, even by racing callers") { try await $0.challengesAreSingleUse() },
        Check(name: "challenges: issuers sweep the expired ones now and then") { try await $0.issuersSweepExpiredChallenges() },
        Check(name: "leases: one holder at a time, renewed by it, taken over when expired or released") { try await $0.leasesHaveOneHolder() },
        Check(name: "credentials: save, get, list newest first") { try await $0.credentialsAreListedNewestFirst() },
        Check(name: "credentials: an existing id is refused") { try await $0.duplicateCredentialIsRefused() },
        Check(name: "credentials: concurrent saves of one id") { try await $0.concurrentDuplicateSavesKeepOne() },
        Check(name: "credentials: negative limit") { try await $0.negativeLimitIsRefused() },
        Check(name: "dates round-trip to the microsecond") { try await $0.datesRoundTrip() },
        Check(name: "dates that cannot be stored") { try await $0.unstorableDatesAreRefused() },
        Check(name: "reopening keeps the data") { try await $0.reopeningKeepsData() },
        Check(name: "migrations run once") { try await $0.migrationsAreIdempotent() },
        Check(name: "concurrent openers migrate once") { try await $0.concurrentOpenersMigrateOnce() },
        Check(name: "a schema newer than the code is refused") { try await $0.newerSchemaIsRefused() },
        Check(name: "an unknown key algorithm is storage_corrupt") { try await $0.unknownAlgorithmIsCorrupt() },
        Check(name: "an unknown token role is storage_corrupt") { try await $0.unknownRoleIsCorrupt() },
    ]

    static let base = Date(timeIntervalSince1970: 1_700_000_000.123456)

    func keysKeepHistory() async throws {
        try await database.withStore { store async throws in
            let controller = "did:web:cells.example.com"
            let first = KeyRecord(
                id: "\(controller)#key-1", controller: controller, algorithm: .ed25519,
                publicKeyMultibase: "z6MkfirstKey", validFrom: Self.base, secretLocation: "keys/key-1.json")
            let second = KeyRecord(
                id: "\(controller)#key-2", controller: controller, algorithm: .p256,
                publicKeyMultibase: "zDnaesecondKey", validFrom: Self.base.addingTimeInterval(3600))
            let other = KeyRecord(
                id: "did:web:other.example#key-1", controller: "did:web:other.example", algorithm: .ed25519,
                publicKeyMultibase: "z6Mkother", validFrom: Self.base.addingTimeInterval(-60))
            // Saved newest first, read oldest first.
            try await store.saveKey(second)
            try await store.saveKey(first)
            try await store.saveKey(other)

            #expect(try await store.key(id: first.id) == first)
            #expect(try await store.key(id: "\(controller)#key-9") == nil)
            #expect(try await store.keys(controller: controller) == [first, second])
            #expect(try await store.keys(controller: "did:web:nobody.example").isEmpty)

            // A rotation retires the first key: saving it again replaces the record.
            var retired = first
            retired.validUntil = second.validFrom
            try await store.saveKey(retired)
            #expect(try await store.key(id: first.id)?.validUntil == second.validFrom)
            #expect(try await store.keys(controller: controller) == [retired, second])
        }
    }

    func documentsAreReplaced() async throws {
        try await database.withStore { store async throws in
            let did = "did:web:cells.example.com"
            // Bytes, not text: a NUL and an invalid UTF-8 byte come back unchanged.
            let original = DIDDocumentRecord(did: did, document: Array(#"{"id":"x"}"#.utf8) + [0x00, 0xFF], updatedAt: Self.base)
            try await store.saveDocument(original)
            #expect(try await store.document(did: did) == original)
            #expect(try await store.document(did: "did:web:nobody.example") == nil)

            let updated = DIDDocumentRecord(did: did, document: Array(#"{"id":"y"}"#.utf8), updatedAt: Self.base.addingTimeInterval(1))
            try await store.saveDocument(updated)
            #expect(try await store.document(did: did) == updated)
        }
    }

    func tokensAreFoundByHash() async throws {
        try await database.withStore { store async throws in
            let admin = AccessTokenRecord(
                id: "t-admin", secretHash: String(repeating: "a", count: 64), role: .admin, label: "bootstrap",
                createdAt: Self.base)
            let issuer = AccessTokenRecord(
                id: "t-issuer", secretHash: String(repeating: "b", count: 64), role: .issuer, label: "Linie 3 — Zellen 🔋",
                createdAt: Self.base.addingTimeInterval(10))
            let reader = AccessTokenRecord(
                id: "t-reader", secretHash: String(repeating: "c", count: 64), role: .reader, label: "",
                createdAt: Self.base.addingTimeInterval(5), revokedAt: Self.base.addingTimeInterval(7))
            for token in [issuer, reader, admin] {
                try await store.saveToken(token)
            }

            #expect(try await store.token(secretHash: issuer.secretHash) == issuer)
            #expect(try await store.token(secretHash: reader.secretHash) == reader, "revoked tokens are found too")
            #expect(try await store.token(secretHash: String(repeating: "d", count: 64)) == nil)
            #expect(try await store.tokens() == [admin, reader, issuer])

            var revoked = issuer
            revoked.revokedAt = Self.base.addingTimeInterval(20)
            try await store.saveToken(revoked)
            #expect(try await store.token(secretHash: issuer.secretHash) == revoked)
            #expect(try await store.tokens().count == 3)
        }
    }

    func tokenScopesRoundTrip() async throws {
        try await database.withStore { store async throws in
            let scoped = AccessTokenRecord(
                id: "t-scoped", secretHash: String(repeating: "f", count: 64), role: .issuer, label: "line 4",
                operators: ["did:web:voltpass.example:operators:Zellwerk", "did:web:voltpass.example:operators:akku-nord"],
                createdAt: Self.base, expiresAt: Self.base.addingTimeInterval(86_400))
            try await store.saveToken(scoped)
            #expect(try await store.token(secretHash: scoped.secretHash) == scoped)
            var spaced = scoped
            spaced.id = "t-spaced"
            spaced.secretHash = String(repeating: "9", count: 64)
            spaced.operators = ["did:example:a b"]
            await #expect(throws: (any Error).self) { try await store.saveToken(spaced) }
        }
    }

    func challengesAreSingleUse() async throws {
        try await database.withStore { store async throws in
            let later = Self.base.addingTimeInterval(300)
            try await store.saveChallenge("c-1", purpose: "presentation", expiresAt: later)
            try await store.saveChallenge("c-1", purpose: "diagnostics", expiresAt: later)
            #expect(try await store.consumeChallenge("c-1", purpose: "presentation", at: Self.base))
            #expect(try await !store.consumeChallenge("c-1", purpose: "presentation", at: Self.base), "used once")
            #expect(try await store.consumeChallenge("c-1", purpose: "diagnostics", at: Self.base), "another purpose, another challenge")
            #expect(try await !store.consumeChallenge("never", purpose: "presentation", at: Self.base))
            try await store.saveChallenge("c-2", purpose: "presentation", expiresAt: later)
            #expect(try await !store.consumeChallenge("c-2", purpose: "presentation", at: later), "expired")
            try await store.saveChallenge("c-3", purpose: "presentation", expiresAt: later)
            try await store.deleteChallenges(expiredBefore: later)
            #expect(try await !store.consumeChallenge("c-3", purpose: "presentation", at: Self.base), "swept")
            try await store.saveChallenge("c-4", purpose: "presentation", expiresAt: later)
            let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 { group.addTask { try await store.consumeChallenge("c-4", purpose: "presentation", at: Self.base) } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(accepted == 1)
        }
    }

    func leasesHaveOneHolder() async throws {
        try await database.withStore { store async throws in
            let (soon, later) = (Self.base.addingTimeInterval(15), Self.base.addingTimeInterval(30))
            #expect(try await store.acquireLease("anchoring", holder: "a", expiresAt: soon, now: Self.base))
            #expect(try await !store.acquireLease("anchoring", holder: "b", expiresAt: soon, now: Self.base), "held by a")
            #expect(try await store.acquireLease("other", holder: "b", expiresAt: soon, now: Self.base), "another lease")
            #expect(try await store.acquireLease("anchoring", holder: "a", expiresAt: later, now: soon), "renewed")
            #expect(try await !store.acquireLease("anchoring", holder: "b", expiresAt: later, now: soon), "renewal moved the expiry")
            #expect(try await store.acquireLease("anchoring", holder: "b", expiresAt: later.addingTimeInterval(15), now: later), "expired")
            #expect(try await !store.acquireLease("anchoring", holder: "a", expiresAt: later, now: later), "b holds it now")
            try await store.releaseLease("anchoring", holder: "a")
            #expect(try await !store.acquireLease("anchoring", holder: "c", expiresAt: later, now: later), "only the holder releases")
            try await store.releaseLease("anchoring", holder: "b")
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                for holder in 0..<8 { group.addTask { try await store.acquireLease("anchoring", holder: "h\(holder)", expiresAt: later.addingTimeInterval(60), now: later) } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(winners == 1)
        }
    }

    func issuersSweepExpiredChallenges() async throws {
        try await database.withStore { store async throws in
            let sweeps = SweepCounter(store: store)
            let challenges = StoredChallenges(repository: sweeps, purpose: "presentation", now: { Self.base })
            // One issue in 64 sweeps: 1,000 issues without one would happen once in about 10^7 runs.
            for _ in 0..<1_000 { _ = try await challenges.issue() }
            #expect(sweeps.count > 0)
        }
    }

    func duplicateTokenHashIsRefused() async throws {
        try await database.withStore { store async throws in
            let hash = String(repeating: "e", count: 64)
            let first = AccessTokenRecord(id: "t-1", secretHash: hash, role: .reader, label: "first", createdAt: Self.base)
            try await store.saveToken(first)
            await expectStorageError("token_exists") {
                try await store.saveToken(AccessTokenRecord(id: "t-2", secretHash: hash, role: .admin, label: "second", createdAt: Self.base))
            }
            #expect(try await store.tokens() == [first])
        }
    }

    func credentialsAreListedNewestFirst() async throws {
        try await database.withStore { store async throws in
            let issuer = "did:web:cells.example.com"
            let credentials = (0..<5).map { index in
                StoredCredential(
                    id: "urn:uuid:00000000-0000-4000-8000-00000000000\(index)", issuer: issuer,
                    types: ["VerifiableCredential", "BatteryPassportCredential", "Type\(index)"],
                    subject: index == 4 ? nil : "did:key:z6Mkcell\(index % 2)",
                    issuedAt: Self.base.addingTimeInterval(Double(index) * 60),
                    document: Array(#"{"n":\#(index)}"#.utf8))
            }
            // Two credentials issued at the same instant are ordered by id, descending.
            let sameInstant = StoredCredential(
                id: "urn:uuid:00000000-0000-4000-8000-000000000009", issuer: issuer, types: ["VerifiableCredential"],
                subject: "did:key:z6Mkcell0", issuedAt: credentials[2].issuedAt, document: Array("{}".utf8))
            let foreign = StoredCredential(
                id: "urn:uuid:11111111-0000-4000-8000-000000000000", issuer: "did:web:other.example", types: [],
                subject: "did:key:z6Mkcell0", issuedAt: Self.base.addingTimeInterval(-60), document: Array("{}".utf8))
            for credential in credentials.shuffled() + [sameInstant, foreign] {
                try await store.saveCredential(credential)
            }

            #expect(try await store.credential(id: credentials[1].id) == credentials[1])
            #expect(try await store.credential(id: credentials[4].id)?.subject == nil)
            #expect(try await store.credential(id: "urn:uuid:ffffffff-0000-4000-8000-000000000000") == nil)

            let byIssuer = try await store.credentials(issuer: issuer, limit: 10)
            #expect(byIssuer == [credentials[4], credentials[3], sameInstant, credentials[2], credentials[1], credentials[0]])
            #expect(try await store.credentials(issuer: issuer, limit: 2) == [credentials[4], credentials[3]])
            #expect(try await store.credentials(issuer: issuer, limit: 0).isEmpty)
            #expect(try await store.credentials(issuer: "did:web:nobody.example", limit: 10).isEmpty)

            let bySubject = try await store.credentials(subject: "did:key:z6Mkcell0", limit: 10)
            #expect(bySubject == [sameInstant, credentials[2], credentials[0], foreign])
            #expect(try await store.credentials(subject: "did:key:z6Mkcell1", limit: 1) == [credentials[3]])

            // The newest of a type, whatever was stored about the subject since, by issuer when asked.
            #expect(try await store.newestCredential(subject: "did:key:z6Mkcell0", type: "BatteryPassportCredential", issuer: nil) == credentials[2])
            #expect(try await store.newestCredential(subject: "did:key:z6Mkcell0", type: "Type0", issuer: issuer) == credentials[0])
            #expect(try await store.newestCredential(subject: "did:key:z6Mkcell0", type: "Type0", issuer: "did:web:other.example") == nil)
            #expect(try await store.newestCredential(subject: "did:key:z6Mkcell0", type: "Batter", issuer: nil) == nil, "a whole type, not a part")
            #expect(try await store.newestCredential(subject: "did:key:z6Mkcell1", type: "Type0", issuer: nil) == nil)
        }
    }

    func duplicateCredentialIsRefused() async throws {
        try await database.withStore { store async throws in
            let original = StoredCredential(
                id: "urn:uuid:22222222-0000-4000-8000-000000000000", issuer: "did:web:cells.example.com",
                types: ["VerifiableCredential"], subject: "did:key:z6Mkcell", issuedAt: Self.base, document: Array("{\"v\":1}".utf8))
            try await store.saveCredential(original)
            var changed = original
            changed.document = Array("{\"v\":2}".utf8)
            changed.issuer = "did:web:forger.example"
            await expectStorageError("credential_exists") { try await store.saveCredential(changed) }
            #expect(try await store.credential(id: original.id) == original, "the stored credential is unchanged")
        }
    }

    func concurrentDuplicateSavesKeepOne() async throws {
        try await database.withStore { store async throws in
            let id = "urn:uuid:33333333-0000-4000-8000-000000000000"
            let outcomes = await withTaskGroup(of: String.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        let credential = StoredCredential(
                            id: id, issuer: "did:web:issuer\(index).example", types: ["VerifiableCredential"],
                            subject: nil, issuedAt: Self.base, document: Array("{}".utf8))
                        do {
                            try await store.saveCredential(credential)
                            return "saved"
                        } catch let error as StorageError {
                            return error.code
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(outcomes.sorted() == Array(repeating: "credential_exists", count: 7) + ["saved"])
        }
    }

    func negativeLimitIsRefused() async throws {
        try await database.withStore { store async throws in
            await expectStorageError("invalid_value") { try await store.credentials(issuer: "did:web:x.example", limit: -1) }
            await expectStorageError("invalid_value") { try await store.credentials(subject: "did:key:z6Mk", limit: -5) }
        }
    }

    func datesRoundTrip() async throws {
        try await database.withStore { store async throws in
            let dates = [
                Self.base,
                Date(timeIntervalSince1970: 0),
                Date(timeIntervalSince1970: -1.5),  // before 1970
                Date(timeIntervalSince1970: 4_102_444_800.000001),  // 2100, one microsecond past
            ]
            for (index, date) in dates.enumerated() {
                let key = KeyRecord(
                    id: "did:example:dates#\(index)", controller: "did:example:dates", algorithm: .ed25519,
                    publicKeyMultibase: "z6Mk", validFrom: date, validUntil: date)
                try await store.saveKey(key)
                #expect(try await store.key(id: key.id) == key)
            }
            // Finer than a microsecond is rounded to the nearest microsecond.
            let fine = KeyRecord(
                id: "did:example:dates#fine", controller: "did:example:dates", algorithm: .ed25519,
                publicKeyMultibase: "z6Mk", validFrom: Date(timeIntervalSince1970: 1_700_000_000.1234567))
            try await store.saveKey(fine)
            #expect(try await store.key(id: fine.id)?.validFrom == Date(timeIntervalSince1970: 1_700_000_000.123457))
        }
    }

    func unstorableDatesAreRefused() async throws {
        try await database.withStore { store async throws in
            let token = AccessTokenRecord(
                id: "t-inf", secretHash: String(repeating: "f", count: 64), role: .admin, label: "",
                createdAt: Date(timeIntervalSince1970: .infinity))
            await expectStorageError("invalid_value") { try await store.saveToken(token) }
            let credential = StoredCredential(
                id: "urn:uuid:44444444-0000-4000-8000-000000000000", issuer: "did:web:x.example", types: [], subject: nil,
                issuedAt: Date(timeIntervalSince1970: .nan), document: [])
            await expectStorageError("invalid_value") { try await store.saveCredential(credential) }
            #expect(try await store.tokens().isEmpty)
        }
    }

    func reopeningKeepsData() async throws {
        let key = KeyRecord(
            id: "did:web:a.example#key-1", controller: "did:web:a.example", algorithm: .p256, publicKeyMultibase: "zDna",
            validFrom: Self.base)
        let credential = StoredCredential(
            id: "urn:uuid:55555555-0000-4000-8000-000000000000", issuer: "did:web:a.example",
            types: ["VerifiableCredential"], subject: "did:key:z6Mkcell", issuedAt: Self.base, document: Array("{}".utf8))
        try await database.withStore { store async throws in
            try await store.saveKey(key)
            try await store.saveCredential(credential)
        }
        try await database.withStore { store async throws in
            #expect(try await store.key(id: key.id) == key)
            #expect(try await store.credentials(subject: "did:key:z6Mkcell", limit: 5) == [credential])
            await expectStorageError("credential_exists") { try await store.saveCredential(credential) }
        }
    }

    func migrationsAreIdempotent() async throws {
        let first = try await database.withStore { try await $0.schemaVersion() }
        let second = try await database.withStore { try await $0.schemaVersion() }
        #expect(first >= 1)
        #expect(second == first)
        #expect(try await database.appliedMigrations() == database.knownMigrations)
        #expect(database.knownMigrations.last == first)
    }

    func concurrentOpenersMigrateOnce() async throws {
        let database = self.database
        let versions = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask { try await database.withStore { try await $0.schemaVersion() } }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let latest = try #require(versions.first)
        #expect(versions == Array(repeating: latest, count: 4))
        #expect(try await database.appliedMigrations() == database.knownMigrations)
        #expect(database.knownMigrations.last == latest)
    }

    func newerSchemaIsRefused() async throws {
        let latest = try await database.withStore { try await $0.schemaVersion() }
        try await database.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(latest + 1), 'from the future', 0)")
        await expectStorageError("schema_too_new") { try await database.withStore { _ in } }
    }

    func unknownAlgorithmIsCorrupt() async throws {
        try await database.withStore { store async throws in
            try await store.saveKey(
                KeyRecord(
                    id: "did:web:a.example#good", controller: "did:web:a.example", algorithm: .ed25519,
                    publicKeyMultibase: "z6Mk", validFrom: Self.base))
        }
        try await database.execute(
            """
            INSERT INTO keys (id, controller, algorithm, public_key_multibase, valid_from, valid_until, secret_location)
            VALUES ('did:web:a.example#bad', 'did:web:a.example', 'RSA-1024', 'zBad', 0, NULL, NULL)
            """)
        try await database.withStore { store async throws in
            await expectStorageError("storage_corrupt") { try await store.key(id: "did:web:a.example#bad") }
            await expectStorageError("storage_corrupt") { try await store.keys(controller: "did:web:a.example") }
            #expect(try await store.key(id: "did:web:a.example#good")?.algorithm == .ed25519, "other rows stay readable")
        }
    }

    func unknownRoleIsCorrupt() async throws {
        try await database.withStore { _ in }
        try await database.execute(
            """
            INSERT INTO access_tokens (id, secret_hash, role, label, created_at, revoked_at)
            VALUES ('t-bad', 'abc', 'superuser', 'planted', 0, NULL)
            """)
        try await database.withStore { store async throws in
            await expectStorageError("storage_corrupt") { try await store.token(secretHash: "abc") }
            await expectStorageError("storage_corrupt") { try await store.tokens() }
        }
    }
}

@Suite("SQLite store conformance")
struct SQLiteStoreConformanceTests {
    @Test(arguments: StoreConformance.checks)
    func conforms(_ check: StoreConformance.Check) async throws {
        try await SQLiteTestDatabase.withFresh { try await check.run(StoreConformance(database: $0)) }
    }
}

@Suite("PostgreSQL store conformance", .enabled(if: PostgresTestDatabase.isEnabled, Comment(rawValue: PostgresTestDatabase.skipMessage)))
struct PostgresStoreConformanceTests {
    @Test(arguments: StoreConformance.checks)
    func conforms(_ check: StoreConformance.Check) async throws {
        try await PostgresTestDatabase.withFresh { try await check.run(StoreConformance(database: $0)) }
    }
}

/// The store's challenges, counting how often expired ones are swept.
final class SweepCounter: ChallengeRepository, Sendable {
    let store: any VoltpassStore
    private let sweeps = Mutex(0)

    init(store: any VoltpassStore) { self.store = store }

    var count: Int { sweeps.withLock { $0 } }

    func saveChallenge(_ challenge: String, purpose: String, expiresAt: Date) async throws {
        try await store.saveChallenge(challenge, purpose: purpose, expiresAt: expiresAt)
    }

    func consumeChallenge(_ challenge: String, purpose: String, at date: Date) async throws -> Bool {
        try await store.consumeChallenge(challenge, purpose: purpose, at: date)
    }

    func deleteChallenges(expiredBefore date: Date) async throws {
        sweeps.withLock { $0 += 1 }
        try await store.deleteChallenges(expiredBefore: date)
    }
}
