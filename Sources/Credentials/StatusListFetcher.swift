import Encoding

/// Gets the status list credential published at a URL. The HTTP implementation is
/// `HTTPStatusListFetcher`; `StatusListCache` verifies, decodes and caches what a fetcher returns.
public protocol StatusListFetcher: Sendable {
    /// The document at `url`, parsed but not verified. Not getting it (network failure, timeout,
    /// HTTP error, too large) is `status_unreachable`; a body that is not a JSON object is
    /// `status_list_invalid`.
    func fetch(_ url: String) async throws(StatusListError) -> JSONObject
}
