import IPVS

/// The order in which ipvsadm lists services and real servers. Its comparison
/// subtracts 32-bit unsigned fields and reads the difference as a signed int, so an
/// address more than 2^31 above another can sort before it; glibc's qsort (a stable
/// top-down merge sort for arrays like these) then fixes the order. Both are
/// reproduced here, since scripts compare listings line by line.
enum ReferenceOrder {
    static func sorted(_ services: [Service]) -> [Service] {
        permuted(services, by: sortedIndices(services))
    }

    /// The positions of `services` in ipvsadm's order: a listing walks them without a
    /// sorted copy of the services.
    static func sortedIndices(_ services: [Service]) -> [Int] {
        let keys = services.map { SortKey($0.key) }
        return mergeSortedIndices(keys.count) { compare(keys[$0], keys[$1]) }
    }

    static func sorted(_ destinations: [Destination]) -> [Destination] {
        guard destinations.count > 1 else { return destinations }
        let keys = destinations.map { AddressKey($0.key.address, port: $0.key.port) }
        switch presortedOrder(keys) {
        case .ascending?: return destinations
        case .descending?: return destinations.reversed()
        case nil: break
        }
        return permuted(destinations, by: mergeSortedIndices(keys.count) { compare(keys[$0], keys[$1]) })
    }

    /// The merge sort alone, without the shortcut for lists already in order (for tests).
    static func mergeSorted(_ destinations: [Destination]) -> [Destination] {
        let keys = destinations.map { AddressKey($0.key.address, port: $0.key.port) }
        return permuted(destinations, by: mergeSortedIndices(keys.count) { compare(keys[$0], keys[$1]) })
    }

    /// An address as ipvsadm's 16-byte union holds it (an IPv4 address is the first
    /// word), and the port; kept flat so that comparing allocates nothing.
    private struct AddressKey {
        let words: (UInt32, UInt32, UInt32, UInt32)
        /// How many words count is decided by the first address's family, as in ipvsadm.
        let comparedWords: Int
        let port: UInt16

        init(_ address: IPAddress, port: UInt16) {
            switch address {
            case .v4(let value):
                words = (value, 0, 0, 0)
                comparedWords = 1
            case .v6(let high, let low):
                words = (UInt32(high >> 32), UInt32(truncatingIfNeeded: high), UInt32(low >> 32),
                         UInt32(truncatingIfNeeded: low))
                comparedWords = 4
            }
            self.port = port
        }

        func word(_ index: Int) -> UInt32 {
            switch index {
            case 0: return words.0
            case 1: return words.1
            case 2: return words.2
            default: return words.3
            }
        }
    }

    /// A service's fields in the order ipvsadm compares them. A fwmark service compares
    /// as protocol 0, address 0, port 0, as its entry does in ipvsadm.
    private struct SortKey {
        let mark: UInt32
        let family: UInt16
        let proto: UInt16
        let address: AddressKey

        init(_ key: ServiceKey) {
            switch key {
            case .firewallMark(let mark, let family):
                self.mark = mark
                self.family = family.rawValue
                proto = 0
                address = AddressKey(family == .inet ? .v4(0) : .v6(high: 0, low: 0), port: 0)
            case .address(let serviceProtocol, let serviceAddress, let port):
                mark = 0
                family = serviceAddress.family.rawValue
                proto = UInt16(serviceProtocol.rawValue)
                address = AddressKey(serviceAddress, port: port)
            }
        }
    }

    private enum Presorted { case ascending, descending }

    /// Whether the keys are already strictly ascending or descending, found in one pass,
    /// when that decides the sort's result: for IPv4 addresses less than 2^31 apart the
    /// wrapping comparison is an exact order, so a stable sort keeps an ascending list as
    /// it is and reverses a descending one. (The kernel lists a service's real servers
    /// newest first, and they are often added in address order.)
    private static func presortedOrder(_ keys: [AddressKey]) -> Presorted? {
        guard keys.count > 1 else { return .ascending }
        var lowest = keys[0].words.0
        var highest = lowest
        var ascending = true
        var descending = true
        for index in keys.indices {
            let key = keys[index]
            guard key.comparedWords == 1 else { return nil }
            lowest = min(lowest, key.words.0)
            highest = max(highest, key.words.0)
            if index > 0 {
                let difference = compare(keys[index - 1], key)
                ascending = ascending && difference < 0
                descending = descending && difference > 0
                if !ascending && !descending { return nil }
            }
        }
        guard highest - lowest < 1 << 31 else { return nil }
        return ascending ? .ascending : .descending
    }

    /// `a - b` on 32-bit unsigned values, read as a signed int.
    private static func wrappingDifference(_ a: UInt32, _ b: UInt32) -> Int32 {
        Int32(bitPattern: a &- b)
    }

    private static func compare(_ a: AddressKey, _ b: AddressKey) -> Int32 {
        for index in 0..<a.comparedWords {
            let difference = wrappingDifference(a.word(index), b.word(index))
            if difference != 0 { return difference }
        }
        return Int32(a.port) - Int32(b.port)
    }

    private static func compare(_ a: SortKey, _ b: SortKey) -> Int32 {
        var difference = wrappingDifference(a.mark, b.mark)
        if difference != 0 { return difference }
        difference = Int32(a.family) - Int32(b.family)
        if difference != 0 { return difference }
        difference = Int32(a.proto) - Int32(b.proto)
        if difference != 0 { return difference }
        return compare(a.address, b.address)
    }

    private static func permuted<Element>(_ elements: [Element], by order: [Int]) -> [Element] {
        order.map { elements[$0] }
    }

    /// glibc's msort over the indices 0..<count: split in halves (the first one smaller
    /// when odd), sort each, merge taking from the left while it compares less or equal.
    private static func mergeSortedIndices(_ count: Int, _ compare: (Int, Int) -> Int32) -> [Int] {
        var items = Array(0..<count)
        guard count > 1 else { return items }
        var scratch = items
        items.withUnsafeMutableBufferPointer { items in
            scratch.withUnsafeMutableBufferPointer { scratch in
                func sort(_ start: Int, _ count: Int) {
                    guard count > 1 else { return }
                    let leftCount = count / 2
                    sort(start, leftCount)
                    sort(start + leftCount, count - leftCount)
                    var left = start
                    var right = start + leftCount
                    let leftEnd = right
                    let rightEnd = start + count
                    var output = start
                    while left < leftEnd && right < rightEnd {
                        if compare(items[left], items[right]) <= 0 {
                            scratch[output] = items[left]
                            left += 1
                        } else {
                            scratch[output] = items[right]
                            right += 1
                        }
                        output += 1
                    }
                    while left < leftEnd {
                        scratch[output] = items[left]
                        left += 1
                        output += 1
                    }
                    // What remains on the right is already in place.
                    for index in start..<output { items[index] = scratch[index] }
                }
                sort(0, count)
            }
        }
        return items
    }
}
