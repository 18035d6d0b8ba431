import Foundation
import Identity
import Ledger

extension PassportService {
    /// Anchors the operator's current trie root on the ledger (unless it is anchored already), then
    /// has the operator sign its checkpoint and stores it (unless stored already). Returns the
    /// checkpoint. The ledger and the database are two stores: an anchor cut off before its
    /// checkpoint is stored gets it from the next call, or from ``anchorAll()``.
    @discardableResult
    public func anchor(operator operatorID: String) async throws -> AnchorCheckpoint {
        let root = try await tries.latest(operator: operatorID).root
        var current = try await ledger.currentAnchor(operator: operatorID)
        if current?.root != root {
            do {
                try await ledger.anchor(operator: operatorID, root: root)
            } catch let error as LedgerError where error.code == "anchor_unchanged" {
                // Another instance anchored this root first: it is anchored once, which is all that is asked.
            }
            current = try await ledger.currentAnchor(operator: operatorID)
            try await faults.reach(.anchorLedgered)
        }
        guard let current else {
            throw PassportError("anchor_failed", "the ledger did not record the anchor of \(operatorID)")
        }
        return try await checkpoint(current)
    }

    /// Anchors every operator whose trie moved since its last anchor, and signs the checkpoint of any
    /// anchor that was cut off before it had one; returns how many were anchored.
    public func anchorAll() async throws -> Int {
        var count = 0
        for record in try await store.operators() {
            guard let latest = try? await tries.latest(operator: record.id) else { continue }
            let current = try await ledger.currentAnchor(operator: record.id)
            if current?.root != latest.root {
                try await anchor(operator: record.id)
                count += 1
            } else if let current, try await store.latestCheckpoint(operator: record.id)?.root != current.root {
                try await checkpoint(current)
            }
        }
        return count
    }

    /// The operator's checkpoint of `anchor`: the newest stored one when it names that root already,
    /// otherwise the next one, signed with the operator's current key and stored. A number another
    /// writer (an instance sharing the database) stored first is read, and the next one taken.
    @discardableResult
    func checkpoint(_ anchor: AnchorRecord) async throws -> AnchorCheckpoint {
        let member = try await operators.member(anchor.operatorID)
        for _ in 0..<Self.checkpointAttempts {
            let latest = try await store.latestCheckpoint(operator: anchor.operatorID)
            if let latest, latest.root == anchor.root { return latest }
            let (methodID, signer) = try await member.keys.currentSigner()
            let checkpoint = try await AnchorCheckpoint.sign(
                anchor, sequence: (latest?.sequence ?? 0) + 1, at: now(), verificationMethod: methodID, signer: signer)
            do {
                try await store.appendCheckpoint(checkpoint)
                return checkpoint
            } catch let error as PassportError where error.code == "checkpoint_conflict" {
                continue
            }
        }
        throw PassportError(
            "checkpoint_conflict", "the checkpoints of \(anchor.operatorID) kept moving over \(Self.checkpointAttempts) attempts; anchor again")
    }

    /// How many times a checkpoint is numbered again when other writers keep taking the number.
    private static let checkpointAttempts = 8
}
