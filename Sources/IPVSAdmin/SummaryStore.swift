import IPVS

/// The real servers of the kernel's text listing, held until the services are sorted.
/// A listing of 100,000 services is held in about 23 bytes a real server (a quarter of
/// its text, half of a `DestinationSummary`), in one buffer that grows by remapping:
/// `-L -n` of any table then stays within a few tens of megabytes.
struct SummaryStore: ~Copyable {
    /// Each service's key, in the order the listing gave them.
    private var keys: [ServiceKey] = []
    /// Where each service's records start in `records`; one more at the end.
    private var starts: [Int] = [0]
    private var records = ByteText(capacity: 1 << 16)

    /// Keeps one service's real servers.
    mutating func append(_ service: ServiceKey, _ destinations: [DestinationSummary]) {
        keys.append(service)
        for destination in destinations { Self.pack(destination, into: &records) }
        starts.append(records.count)
    }

    /// For each of `services` (in the listing's order of services, as the netlink dump
    /// has them too), the position of its real servers here, or nil when the listing left
    /// it out. Walks both in step; a service found elsewhere (the listing skipped or
    /// repeated some while the table changed) is looked up and the walk resumes after it.
    func positions(of services: [Service]) -> [Int?] {
        var byKey: [ServiceKey: Int]?
        var next = 0
        return services.map { service -> Int? in
            if next < keys.count, keys[next] == service.key {
                next += 1
                return next - 1
            }
            if byKey == nil {
                var table = [ServiceKey: Int](minimumCapacity: keys.count)
                for (position, key) in keys.enumerated() where table[key] == nil { table[key] = position }
                byKey = table
            }
            guard let position = byKey?[service.key] else { return nil }
            next = position + 1
            return position
        }
    }

    /// The real servers kept at `position`.
    func destinations(at position: Int) -> [Destination] {
        var destinations: [Destination] = []
        records.withBytes { bytes in
            var offset = starts[position]
            while offset < starts[position + 1] {
                destinations.append(Destination(Self.unpack(bytes, at: &offset)))
            }
        }
        return destinations
    }

    // One record: family (4 or 6), the address (4 or 16 bytes), then port, forwarding,
    // weight, active and inactive connections, unaligned in native byte order.

    private static func pack(_ destination: DestinationSummary, into out: inout ByteText) {
        switch destination.key.address {
        case .v4(let value):
            out.append(byte: 4)
            append(value, to: &out)
        case .v6(let high, let low):
            out.append(byte: 6)
            append(high, to: &out)
            append(low, to: &out)
        }
        append(destination.key.port, to: &out)
        append(destination.forwarding.rawValue, to: &out)
        append(destination.weight, to: &out)
        append(destination.activeConnections, to: &out)
        append(destination.inactiveConnections, to: &out)
    }

    private static func append<Value: FixedWidthInteger>(_ value: Value, to out: inout ByteText) {
        withUnsafeBytes(of: value) { out.append(buffer: $0.bindMemory(to: UInt8.self)) }
    }

    private static func unpack(_ bytes: UnsafeBufferPointer<UInt8>, at offset: inout Int) -> DestinationSummary {
        let raw = UnsafeRawBufferPointer(bytes)
        func next<Value: FixedWidthInteger>(_: Value.Type) -> Value {
            defer { offset += MemoryLayout<Value>.size }
            return raw.loadUnaligned(fromByteOffset: offset, as: Value.self)
        }
        let address: IPAddress = next(UInt8.self) == 4
            ? .v4(next(UInt32.self)) : .v6(high: next(UInt64.self), low: next(UInt64.self))
        let port = next(UInt16.self)
        return DestinationSummary(
            key: DestinationKey(address: address, port: port), forwarding: ForwardingMethod(rawValue: next(UInt32.self)),
            weight: next(Int32.self), activeConnections: next(UInt32.self), inactiveConnections: next(UInt32.self))
    }
}
