import Encoding
import Foundation
import Identity
import Ledger
import Trie

/// An operator batch decided but not yet carried through: the leaves to write and the settlements
/// to record, with the trie root the leaves were read from.
struct IncorporationPlan: Sendable, Hashable {
    let operatorID: String
    let rootBefore: Hash32
    let mutations: [TrieMutation]
    let settlements: [Settlement]
}

/// Where an operator batch's plan is kept until it is carried through: one row per operator in the
/// database the instances share, so any of them finishes a batch another was cut off in.
public protocol IncorporationPlanRepository: Sendable {
    /// The operator's unfinished plan, as ``IncorporationJournal`` encoded it.
    func incorporationPlan(operator operatorID: String) async throws -> [UInt8]?
    /// Stores the operator's plan, replacing any.
    func saveIncorporationPlan(_ plan: [UInt8], operator operatorID: String) async throws
    /// Removes the operator's plan, if there is one.
    func removeIncorporationPlan(operator operatorID: String) async throws
}

/// Where an operator batch writes its plan before it changes the trie or the ledger, so a batch cut
/// off at any point is finished by the next one (on any instance) instead of being decided again: a
/// reading is never lost and never paid twice. CBOR:
///
///     plan = [operator: tstr, rootBefore: bstr, [* [key: bstr, value: bstr]], [* [reading: bstr, 0, reward] / [reading, 1, reason]]]
struct IncorporationJournal: Sendable {
    let plans: any IncorporationPlanRepository

    func plan(of operatorID: String) async throws -> IncorporationPlan? {
        guard let bytes = try await plans.incorporationPlan(operator: operatorID) else { return nil }
        func corrupt() -> LedgerError { LedgerError(code: "journal_corrupt", message: "the incorporation plan of \(operatorID) is damaged") }
        guard let items = try? CBOR.decode(bytes).arrayValue, items.count == 4, items[0].textValue == operatorID,
            let root = items[1].bytesValue.flatMap({ Hash32(bytes: $0) }), let leaves = items[2].arrayValue,
            let outcomes = items[3].arrayValue
        else { throw corrupt() }
        var mutations: [TrieMutation] = []
        for leaf in leaves {
            guard let pair = leaf.arrayValue, pair.count == 2, let key = pair[0].bytesValue, let value = pair[1].bytesValue else { throw corrupt() }
            mutations.append(.update(key: key, value: value))
        }
        var settlements: [Settlement] = []
        for outcome in outcomes {
            guard let parts = outcome.arrayValue, parts.count == 3, let id = parts[0].bytesValue.flatMap({ Hash32(bytes: $0) }) else {
                throw corrupt()
            }
            switch (parts[1].intValue, parts[2]) {
            case (0, let reward):
                guard let amount = reward.intValue, amount >= 0 else { throw corrupt() }
                settlements.append(Settlement(reading: id, outcome: .incorporated(reward: UInt64(amount))))
            case (1, let reason):
                guard let text = reason.textValue else { throw corrupt() }
                settlements.append(Settlement(reading: id, outcome: .rejected(reason: text)))
            default:
                throw corrupt()
            }
        }
        return IncorporationPlan(operatorID: operatorID, rootBefore: root, mutations: mutations, settlements: settlements)
    }

    func write(_ plan: IncorporationPlan) async throws {
        let leaves: [CBOR] = plan.mutations.compactMap {
            guard case .update(let key, let value) = $0 else { return nil }
            return .array([.bytes(key), .bytes(value)])
        }
        let outcomes: [CBOR] = plan.settlements.map { settlement in
            switch settlement.outcome {
            case .incorporated(let reward): .array([.bytes(settlement.reading.bytes), CBOR(Int(0)), CBOR(reward)])
            case .rejected(let reason): .array([.bytes(settlement.reading.bytes), CBOR(Int(1)), .text(reason)])
            }
        }
        let bytes = try CBOR.array([.text(plan.operatorID), .bytes(plan.rootBefore.bytes), .array(leaves), .array(outcomes)]).encode()
        try await plans.saveIncorporationPlan(bytes, operator: plan.operatorID)
    }

    func remove(_ operatorID: String) async throws {
        try await plans.removeIncorporationPlan(operator: operatorID)
    }
}
