import Foundation

/// One capture job of the EPCIS 2.0 REST binding (`POST /capture`): who asked, how errors were to be
/// handled, when it ran, which events it stored and why others were refused. A capture job is kept
/// in the store (with the events it captured, in the same transaction) so that it answers after the
/// work ends and on every instance.
public struct CaptureJob: Sendable, Hashable, Codable {
    /// The binding's `GS1-Capture-Error-Behaviour`: `rollback` stores every event or none,
    /// `proceed` stores the valid events and reports the others.
    public enum ErrorBehaviour: String, Sendable, Hashable, Codable, CaseIterable {
        case rollback, proceed
    }

    /// Why one event, or the whole document, was not captured.
    public struct Failure: Sendable, Hashable, Codable {
        public var code: String
        public var message: String
        /// The JSON pointer of the offending member, when one is known.
        public var pointer: String?
        /// The index of the offending event in the document's event list, when one is known.
        public var eventIndex: Int?

        public init(code: String, message: String, pointer: String? = nil, eventIndex: Int? = nil) {
            self.code = code
            self.message = message
            self.pointer = pointer
            self.eventIndex = eventIndex
        }
    }

    public var id: String
    /// The DID of the operator the job captured for (only its tokens see the job).
    public var operatorDID: String
    public var errorBehaviour: ErrorBehaviour
    public var createdAt: Date
    /// When the job ended; nil while it runs.
    public var finishedAt: Date?
    /// The ids of the events it stored, in document order.
    public var eventIDs: [String]
    public var failures: [Failure]

    public init(
        id: String, operatorDID: String, errorBehaviour: ErrorBehaviour, createdAt: Date, finishedAt: Date? = nil, eventIDs: [String] = [],
        failures: [Failure] = []
    ) {
        self.id = id
        self.operatorDID = operatorDID
        self.errorBehaviour = errorBehaviour
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.eventIDs = eventIDs
        self.failures = failures
    }

    /// Whether the job still works.
    public var running: Bool { finishedAt == nil }
    /// Whether no error occurred (the binding's `success`).
    public var success: Bool { failures.isEmpty }
}

/// Where capture jobs are kept; a job's first save happens with the events it captured (see
/// `ChangeSet.captureJobs`), or on its own when it captured none.
public protocol CaptureJobRepository: Sendable {
    /// Stores `job`, replacing a job with its id.
    func saveCaptureJob(_ job: CaptureJob) async throws
    /// The job `id` of the operator `operatorDID`; nil when there is none (or it is another operator's).
    func captureJob(id: String, operator operatorDID: String) async throws -> CaptureJob?
    /// The operator's jobs, newest first, after `position` (a job's `createdAt` and id), at most `limit`.
    func captureJobs(operator operatorDID: String, after position: CaptureJobPosition?, limit: Int) async throws -> [CaptureJob]
}

/// Where a listing of capture jobs goes on: after the job created at `createdAt` (microseconds since
/// the Unix epoch) with id `id`, newest first.
public struct CaptureJobPosition: Sendable, Hashable, Codable {
    public var createdAt: Int64
    public var id: String

    public init(createdAt: Int64, id: String) {
        self.createdAt = createdAt
        self.id = id
    }
}
