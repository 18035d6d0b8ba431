/// The trie an ``OperatorTries`` used last, kept open between calls so that its top levels (every
/// batch and proof walks them) stay in memory instead of being read and decoded again each time.
/// One trie at most, so memory stays bounded by one trie's resident levels however many operators
/// there are. It is used only while the store's root is still the one it last committed or read.
actor LastOpenTrie {
    private var last: (operatorID: String, trie: MerkleTrie)?

    /// The open trie of `operatorID` if its root is `storeRoot`, otherwise one opened with `open`.
    func trie(of operatorID: String, storeRoot: Hash32?, open: () async throws -> MerkleTrie) async throws -> MerkleTrie {
        if let last, last.operatorID == operatorID, await last.trie.committedStoreRoot() == storeRoot {
            return last.trie
        }
        let opened = try await open()
        last = (operatorID, opened)
        return opened
    }
}
