import Credentials

/// The passport repositories' single writes, each a change set of its own: a store that commits
/// change sets has them all.
extension ChangeSetRepository {
    public func saveDevices(_ batch: DeviceBatch) async throws {
        var changes = ChangeSet()
        changes.credentials = batch.credentials
        changes.devices = batch.devices
        changes.bmsKeys = batch.keys
        changes.ownership = batch.ownership
        changes.feed = batch.feed
        try await commit(changes)
    }

    public func appendBMSKey(_ key: BMSKeyRecord, credential: StoredCredential) async throws {
        var changes = ChangeSet()
        changes.credentials = [credential]
        changes.bmsKeys = [key]
        try await commit(changes)
    }

    public func appendOwnership(_ record: OwnershipRecord, credential: StoredCredential) async throws {
        var changes = ChangeSet()
        changes.credentials = [credential]
        changes.ownership = [record]
        try await commit(changes)
    }

    public func appendStatus(_ entries: [StatusFeedEntry]) async throws {
        var changes = ChangeSet()
        changes.feed = entries
        try await commit(changes)
    }

    public func saveRecall(_ recall: RecallRecord) async throws {
        var changes = ChangeSet()
        changes.recalls = [recall]
        try await commit(changes)
    }
}
