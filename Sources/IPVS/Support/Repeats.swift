extension Array {
    /// Drops every element whose key an earlier element has, keeping the order: what a
    /// dump resumed while the table changes repeats. Hashes are checked first, so a list
    /// without repeats (nearly always) costs a set of integers rather than one of keys,
    /// a quarter of the memory on a table of 100,000 services.
    package mutating func removeRepeats<Key: Hashable>(by key: (Element) -> Key) {
        guard count > 1 else { return }
        if count <= Self.pairwiseLimit {
            removeRepeatsPairwise(by: key)
            return
        }
        var hashes = Set<Int>(minimumCapacity: count)
        guard !allSatisfy({ hashes.insert(key($0).hashValue).inserted }) else { return }
        hashes = []
        var seen = Set<Key>(minimumCapacity: count)
        removeAll { !seen.insert(key($0)).inserted }
    }

    /// Up to this many (a service's real servers, nearly always), keys are compared
    /// pairwise on the stack: no set is made for each of a listing's services.
    static var pairwiseLimit: Int { 16 }

    private mutating func removeRepeatsPairwise<Key: Hashable>(by key: (Element) -> Key) {
        let repeated = withUnsafeTemporaryAllocation(of: Key.self, capacity: count) { keys -> [Bool]? in
            for (index, element) in enumerated() { (keys.baseAddress! + index).initialize(to: key(element)) }
            defer { keys.baseAddress!.deinitialize(count: count) }
            guard (1..<count).contains(where: { later in (0..<later).contains { keys[$0] == keys[later] } }) else {
                return nil
            }
            return (0..<count).map { later in (0..<later).contains { keys[$0] == keys[later] } }
        }
        guard let repeated else { return }
        self = zip(self, repeated).filter { !$0.1 }.map(\.0)
    }
}
