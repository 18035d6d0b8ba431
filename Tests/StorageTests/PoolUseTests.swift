import Foundation
import PostgresNIO
import Synchronization
import Testing

@testable import Storage

/// The use of its connection pool a store reports (for `GET /metrics`): operations holding a
/// connection, and operations waiting for one.
@Suite("Database pool use")
struct PoolUseTests {
    @Test("SQLite: a read holds a reader; a write waits while another holds the writer")
    func sqlite() async throws {
        try await SQLiteTestDatabase.withFresh { database async throws in
            let store = try await SQLiteStore(path: database.path)
            let idle = DatabasePoolUse(backend: "sqlite", maximumConnections: 6, connectionsInUse: 0, waiting: 0)
            #expect(store.poolUse == idle, "5 readers and the writer")
            #expect(try await store.read { _ in store.poolUse }.connectionsInUse == 1)

            let release = DispatchSemaphore(value: 0)
            async let holder: Void = store.write { _ in release.wait() }
            do {
                try await eventually { store.poolUse.connectionsInUse == 1 }
                async let waiter: Void = store.write { _ in }
                try await eventually { store.poolUse.waiting == 1 }
                #expect(store.poolUse.connectionsInUse == 1)
                release.signal()
                try await waiter
            } catch {
                release.signal()
                throw error
            }
            try await holder
            #expect(store.poolUse == idle)
        }
    }

    @Test(
        "PostgreSQL: operations hold pooled connections; over the pool's maximum they wait",
        .enabled(if: PostgresTestDatabase.isEnabled, Comment(rawValue: PostgresTestDatabase.skipMessage)))
    func postgres() async throws {
        try await PostgresTestDatabase.withFresh { database in
            try await database.withStore { store in
                let store = try #require(store as? PostgresStore)
                let idle = DatabasePoolUse(backend: "postgresql", maximumConnections: PostgresURL.poolSize, connectionsInUse: 0, waiting: 0)
                #expect(store.poolUse == idle, "PostgresNIO's default pool")
                #expect(try await store.withTransaction { _ in store.poolUse }.connectionsInUse == 1)

                let released = Flag()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0...idle.maximumConnections {
                        group.addTask {
                            try await store.pool.withConnection { _ in
                                while !released.isSet { try await Task.sleep(for: .milliseconds(5)) }
                            }
                        }
                    }
                    do {
                        try await eventually { store.poolUse.connectionsInUse == idle.maximumConnections }
                        try await eventually { store.poolUse.waiting == 1 }
                    } catch {
                        released.set()
                        throw error
                    }
                    released.set()
                    try await group.waitForAll()
                }
                #expect(store.poolUse == idle)
            }
        }
    }
}

/// A flag one task sets and others poll.
private final class Flag: Sendable {
    private let value = Mutex(false)

    var isSet: Bool { value.withLock { $0 } }

    func set() { value.withLock { $0 = true } }
}

/// Waits (up to 10 s) until `condition` holds.
private func eventually(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    for _ in 0..<1000 where !condition() {
        try await Task.sleep(for: .milliseconds(10))
    }
    try #require(condition(), "never came true", sourceLocation: sourceLocation)
}
