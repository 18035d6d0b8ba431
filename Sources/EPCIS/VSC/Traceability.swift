import Foundation

/// Everything reached from one identifier in one direction, and the events that mention them.
public struct TraceResult: Sendable, Hashable {
    /// The identifiers reached, the starting one first, in the order found (breadth first).
    public var identifiers: [String]
    /// The events mentioning any of them, oldest first.
    public var events: [EventRecord]
    /// True when `limit` stopped the walk before it was complete.
    public var truncated: Bool
}

/// Traceability queries (UC-05): provenance upstream, recall reach downstream. Follows
/// transformations (inputs ↔ outputs) and aggregations and associations (children ↔ parents),
/// breadth first and without revisiting. Every containment ever recorded counts, including ones
/// later undone by a DELETE event, since a recall must reach whatever was ever assembled from a lot.
public struct Traceability: Sendable {
    public let repository: any EPCISEventRepository

    public init(repository: any EPCISEventRepository) {
        self.repository = repository
    }

    /// Walks from `identifier` in `direction`, visiting at most `limit` identifiers.
    public func trace(_ identifier: String, direction: TraceDirection, limit: Int = 10_000) async throws -> TraceResult {
        var reached = [identifier]
        var seen: Set<String> = [identifier]
        var next = 0
        var truncated = false
        walk: while next < reached.count {
            let current = reached[next]
            next += 1
            for linked in try await repository.linkedIdentifiers(of: current, direction: direction) where !seen.contains(linked) {
                guard reached.count < limit else {
                    truncated = true
                    break walk
                }
                seen.insert(linked)
                reached.append(linked)
            }
        }
        var events: [String: EventRecord] = [:]
        for value in reached {
            for record in try await repository.eventRecords(EventQuery(identifier: value, limit: limit)) {
                events[record.credentialID] = record
            }
        }
        let ordered = events.values.sorted { ($0.eventTime, $0.credentialID) < ($1.eventTime, $1.credentialID) }
        return TraceResult(identifiers: reached, events: ordered, truncated: truncated)
    }
}
