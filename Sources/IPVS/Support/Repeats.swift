extension Array {
    /// Up to this many (a service's real servers, nearly always), keys are compared
    /// pairwise on the stack rather than hashed into a set or dictionary made for each
    /// of a table's services.
    package static var pairwiseLimit: Int { 16 }

    /// The first element, in order, whose key an earlier element has: its position
    /// (`again`) and that of the earlier one (`first`).
    package func firstRepeat<Key: Hashable>(by key: (Element) -> Key) -> (first: Int, again: Int)? {
        guard count > 1 else { return nil }
        guard count > Self.pairwiseLimit else {
            return withUnsafeTemporaryAllocation(of: Key.self, capacity: count) { keys in
                for (index, element) in enumerated() { (keys.baseAddress! + index).initialize(to: key(element)) }
                defer { keys.baseAddress!.deinitialize(count: count) }
                for again in 1..<count {
                    if let first = (0..<again).first(where: { keys[$0] == keys[again] }) { return (first, again) }
                }
                return nil
            }
        }
        var seen: [Key: Int] = [:]
        seen.reserveCapacity(count)
        for (again, element) in enumerated() {
            if let first = seen.updateValue(again, forKey: key(element)) { return (first, again) }
        }
        return nil
    }

    /// Drops every element whose key an earlier element has, keeping the order: what a
    /// dump resumed while the table changes repeats. Above `pairwiseLimit`, hashes are
    /// checked first, so a list without repeats (nearly always) costs a set of integers
    /// rather than one of keys, a quarter of the memory on a table of 100,000 services.
    package mutating func removeRepeats<Key: Hashable>(by key: (Element) -> Key) {
        guard count > 1 else { return }
        if count <= Self.pairwiseLimit {
            guard firstRepeat(by: key) != nil else { return }
        } else {
            var hashes = Set<Int>(minimumCapacity: count)
            guard !allSatisfy({ hashes.insert(key($0).hashValue).inserted }) else { return }
        }
        var seen = Set<Key>(minimumCapacity: count)
        removeAll { !seen.insert(key($0)).inserted }
    }
}
