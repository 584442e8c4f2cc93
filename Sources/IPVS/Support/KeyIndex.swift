/// Where the keys of a list are, found by their hash values: a sorted array of (hash,
/// position) pairs, 16 bytes a key where a `Dictionary` of 100,000 service keys takes
/// about 100. What a plan for a large table looks its services up in.
package struct KeyIndex {
    private var entries: [(hash: Int, position: Int)]

    /// The index of `keys`, by their positions in it.
    package init<Key: Hashable>(_ keys: some Sequence<Key>) {
        entries = keys.enumerated().map { (hash: $0.element.hashValue, position: $0.offset) }
        entries.sort { ($0.hash, $0.position) < ($1.hash, $1.position) }
    }

    /// The first position that holds `key`; `keyAt` gives the key at a position.
    package func firstPosition<Key: Hashable>(of key: Key, keyAt: (Int) -> Key) -> Int? {
        let hash = key.hashValue
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].hash < hash { low = middle + 1 } else { high = middle }
        }
        while low < entries.count && entries[low].hash == hash {
            if keyAt(entries[low].position) == key { return entries[low].position }
            low += 1
        }
        return nil
    }

    /// The first position whose key an earlier position holds too, with the first of
    /// those earlier positions; nil when every key is there once.
    package func firstRepeat<Key: Hashable>(keyAt: (Int) -> Key) -> (first: Int, again: Int)? {
        var found: (first: Int, again: Int)?
        var start = 0
        while start < entries.count {
            var end = start + 1
            while end < entries.count && entries[end].hash == entries[start].hash { end += 1 }
            // Within a run of one hash, positions ascend: the first equal key is the earliest.
            for later in (start + 1)..<max(end, start + 1) {
                let key = keyAt(entries[later].position)
                guard let first = (start..<later).first(where: { keyAt(entries[$0].position) == key }) else { continue }
                if found == nil || entries[later].position < found!.again {
                    found = (entries[first].position, entries[later].position)
                }
                break
            }
            start = end
        }
        return found
    }
}
