import Credentials
import Foundation
import Logging
import Passport

/// Signs the status lists whose latest change has no signed copy yet: a writer that stopped between
/// its commit and signing the list (a crash, a key briefly unavailable) leaves one behind, and until it
/// is signed its public copy answers `status_unreachable`. The server runs it at start and every 5 s.
enum StatusListPublisher {
    /// Signs every unpublished list of the instance and of the registered operators; returns how many.
    @discardableResult
    static func publishPending(
        in repository: any StatusListRepository, instanceLists: OperatorStatusLists, operators: OperatorDirectory
    ) async throws -> Int {
        let pending = try await repository.unpublishedStatusLists()
        for list in pending {
            let lists = list.issuer == instanceLists.issuerDID ? instanceLists : try await operators.member(list.issuer).statusLists
            try await lists.service().publish(listID: list.id)
        }
        return pending.count
    }
}
