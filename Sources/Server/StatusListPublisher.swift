import Credentials
import Foundation
import Logging
import Passport
import ServiceLifecycle

/// Signs the status lists whose latest change has no signed copy yet: a writer that stopped between
/// its commit and signing the list (a crash, a key briefly unavailable) leaves one behind, and until it
/// is signed its public copy answers `status_unreachable`. Runs once at start and then on a cadence.
struct StatusListPublisher: Service {
    let repository: any StatusListRepository
    let instanceLists: OperatorStatusLists
    let operators: OperatorDirectory
    let interval: Duration
    let logger: Logger

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

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: interval)
                    do {
                        let count = try await Self.publishPending(in: repository, instanceLists: instanceLists, operators: operators)
                        if count > 0 { logger.notice("signed status lists left unpublished", metadata: ["lists": "\(count)"]) }
                    } catch {
                        logger.error("publishing status lists failed", metadata: ["error": "\(error)"])
                    }
                }
            }
        } catch is CancellationError {
            // Shutting down.
        }
    }
}
