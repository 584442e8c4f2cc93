import IPVS

/// The order in which ipvsadm lists services and real servers. Its comparison
/// subtracts 32-bit unsigned fields and reads the difference as a signed int, so an
/// address more than 2^31 above another can sort before it; glibc's qsort (a stable
/// top-down merge sort for arrays like these) then fixes the order. Both are
/// reproduced here, since scripts compare listings line by line.
enum ReferenceOrder {
    static func sorted(_ services: [Service]) -> [Service] {
        mergeSorted(services, compareServices)
    }

    static func sorted(_ destinations: [Destination]) -> [Destination] {
        mergeSorted(destinations) { compareAddresses($0.key.address, $1.key.address, then: $0.key.port, $1.key.port) }
    }

    /// `a - b` on 32-bit unsigned values, read as a signed int.
    private static func wrappingDifference(_ a: UInt32, _ b: UInt32) -> Int32 {
        Int32(bitPattern: a &- b)
    }

    /// The address as ipvsadm's 16-byte union holds it: an IPv4 address is the first word.
    private static func words(_ address: IPAddress) -> [UInt32] {
        switch address {
        case .v4(let value): return [value, 0, 0, 0]
        case .v6(let high, let low):
            return [UInt32(high >> 32), UInt32(truncatingIfNeeded: high), UInt32(low >> 32), UInt32(truncatingIfNeeded: low)]
        }
    }

    private static func compareAddresses(_ a: IPAddress, _ b: IPAddress, then portA: UInt16, _ portB: UInt16) -> Int32 {
        let left = words(a)
        let right = words(b)
        // How many words count is decided by the first address's family, as in ipvsadm.
        for index in 0..<(a.family == .inet6 ? 4 : 1) {
            let difference = wrappingDifference(left[index], right[index])
            if difference != 0 { return difference }
        }
        return Int32(portA) - Int32(portB)
    }

    private static func compareServices(_ a: Service, _ b: Service) -> Int32 {
        let (markA, familyA, protocolA, addressA, portA) = fields(a.key)
        let (markB, familyB, protocolB, addressB, portB) = fields(b.key)
        var difference = wrappingDifference(markA, markB)
        if difference != 0 { return difference }
        difference = Int32(familyA.rawValue) - Int32(familyB.rawValue)
        if difference != 0 { return difference }
        difference = Int32(protocolA.rawValue) - Int32(protocolB.rawValue)
        if difference != 0 { return difference }
        return compareAddresses(addressA, addressB, then: portA, portB)
    }

    /// A fwmark service compares as protocol 0, address 0, port 0, as its entry does in ipvsadm.
    private static func fields(_ key: ServiceKey) -> (UInt32, AddressFamily, IPProtocol, IPAddress, UInt16) {
        switch key {
        case .firewallMark(let mark, let family):
            return (mark, family, IPProtocol(rawValue: 0), family == .inet ? .v4(0) : .v6(high: 0, low: 0), 0)
        case .address(let proto, let address, let port):
            return (0, address.family, proto, address, port)
        }
    }

    /// glibc's msort: split in halves (the first one smaller when odd), sort each,
    /// merge taking from the left while it compares less or equal.
    private static func mergeSorted<Element>(_ elements: [Element], _ compare: (Element, Element) -> Int32) -> [Element] {
        guard elements.count > 1 else { return elements }
        var items = elements
        var scratch = elements
        func sort(_ start: Int, _ count: Int) {
            guard count > 1 else { return }
            let leftCount = count / 2
            let rightCount = count - leftCount
            sort(start, leftCount)
            sort(start + leftCount, rightCount)
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
        sort(0, items.count)
        return items
    }
}
