import Encoding
import Foundation

/// Fetches, verifies, decodes and caches status list credentials for `StatusPolicy`.
///
/// A list is served from the cache while it is younger than the age the caller allows (at most 24 h
/// for high-stakes checks, 7 days otherwise: see `StatusPolicy`), younger than its own `ttl`, and
/// before its `validUntil`. Failures are not cached; concurrent requests for one URL share one fetch.
/// When full, the oldest entries are dropped.
public actor StatusListCache {
    /// Checks a fetched status list credential's proof (and anything else the verifier requires),
    /// throwing `status_list_invalid` when it does not verify.
    public typealias Verification = @Sendable (JSONObject) async throws(StatusListError) -> Void

    private struct Entry {
        let list: StatusListCredential
        let fetchedAt: Date
    }

    private let fetcher: any StatusListFetcher
    private let verify: Verification
    private let maximumEntries: Int
    private let maximumListSize: Int
    private let now: @Sendable () -> Date
    private var entries: [String: Entry] = [:]
    private var inFlight: [String: Task<Entry, any Error>] = [:]
    /// How many times the fetcher was asked, for tests and monitoring.
    public private(set) var fetchCount = 0

    /// - Parameters:
    ///   - fetcher: where lists come from (HTTP in production).
    ///   - verify: checks a list credential's proof; see `StatusPolicy.verification(resolver:)`.
    ///   - maximumEntries: how many lists the cache holds at most.
    ///   - maximumListSize: the largest decompressed list accepted, in bytes.
    ///   - now: the clock; injected so tests can move time.
    public init(
        fetcher: any StatusListFetcher, verify: @escaping Verification, maximumEntries: Int = 1000,
        maximumListSize: Int = StatusListGzip.defaultMaximumSize, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.fetcher = fetcher
        self.verify = verify
        self.maximumEntries = max(1, maximumEntries)
        self.maximumListSize = maximumListSize
        self.now = now
    }

    /// The verified list published at `url`, from the cache when it is younger than `maximumAge` (and its
    /// `ttl`), otherwise fetched again.
    public func list(at url: String, maximumAge: Duration) async throws(StatusListError) -> StatusListCredential {
        let key = String(url.prefix { $0 != "#" })
        if let entry = entries[key], isFresh(entry, maximumAge: maximumAge) { return entry.list }
        let task: Task<Entry, any Error>
        if let running = inFlight[key] {
            task = running
        } else {
            task = Task { [fetcher, verify, maximumListSize, now] in
                let document = try await fetcher.fetch(key)
                try await verify(document)
                return Entry(list: try StatusListCredential(document: document, maximumSize: maximumListSize), fetchedAt: now())
            }
            inFlight[key] = task
            fetchCount += 1
        }
        let entry: Entry
        do {
            entry = try await task.value
        } catch {
            if inFlight[key] == task { inFlight[key] = nil }
            throw error as? StatusListError ?? StatusListError(.statusUnreachable, "fetching \(key) failed: \(error)")
        }
        if inFlight[key] == task {
            inFlight[key] = nil
            store(entry, for: key)
        }
        return entry.list
    }

    /// How many lists are cached, stale ones included.
    public var count: Int { entries.count }

    private func isFresh(_ entry: Entry, maximumAge: Duration) -> Bool {
        let current = now()
        var age = Double(maximumAge.components.seconds) + Double(maximumAge.components.attoseconds) / 1e18
        if let ttl = entry.list.timeToLive { age = min(age, Double(ttl) / 1000) }
        if let validUntil = entry.list.validUntil, current >= validUntil { return false }
        return current >= entry.fetchedAt && current < entry.fetchedAt.addingTimeInterval(age)
    }

    private func store(_ entry: Entry, for key: String) {
        if entries[key] == nil, entries.count >= maximumEntries {
            let oldest = entries.sorted { $0.value.fetchedAt < $1.value.fetchedAt }.prefix(entries.count - maximumEntries + 1)
            for (key, _) in oldest { entries[key] = nil }
        }
        entries[key] = entry
    }
}
