import Glibc
import IPVS

@testable import IPVSAdmin

/// An in-memory IPVS table that answers as the kernel does: services and real servers
/// in the order they were added, and the kernel's errno for each kind of refusal.
final class FakeIPVS: IPVSControl, SummarizingControl {
    struct Entry {
        var service: Service
        var destinations: [Destination] = []
    }

    private(set) var entries: [Entry] = []
    /// Where each service is in `entries`.
    private var positions: [ServiceKey: Int] = [:]
    private(set) var currentTimeouts = Timeouts(tcp: 900, tcpFin: 120, udp: 300)
    private(set) var running: [SyncDaemon] = []
    /// Every request performed, in order (failed ones included).
    private(set) var requests: [IPVSRequest] = []
    /// The network interfaces a sync daemon may use, with their MTUs: those of the
    /// namespace in which Scripts/regenerate-goldens runs the reference.
    var interfaces: [String: UInt32] = ["lo": 65536, "eth0": 1500, "eth1": 1500]
    /// When set, every request fails with this errno (e.g. EPERM for a non-root user).
    var failEverythingWith: Int32?
    /// When set, a request it answers with an errno fails with it (a kernel refusing one request).
    var refuse: ((IPVSRequest) -> Int32?)?
    /// When set, `destinationSummaries()` answers as the kernel's text listing
    /// (/proc/net/ip_vs) would: only address, port, forwarding method, weight and
    /// connection counts; fwmark services without their family; ambiguous ones left out.
    var offersSummaries = false

    var tableInfo: IPVSInfo

    init(info: IPVSInfo = IPVSInfo(version: 0x01_02_01, connectionTableSize: 4096)) {
        self.tableInfo = info
    }

    static let knownSchedulers: Set<String> = [
        "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos",
    ]

    // MARK: Test set-up beyond what commands can do

    func setStatistics(_ statistics: Statistics, of key: ServiceKey) {
        guard let index = index(of: key) else { fatalError("no service \(key)") }
        entries[index].service.statistics = statistics
    }

    func setStatistics(_ statistics: Statistics, of destination: DestinationKey, in key: ServiceKey) {
        guard let index = index(of: key), let d = destinationIndex(destination, in: index) else {
            fatalError("no destination \(destination)")
        }
        entries[index].destinations[d].statistics = statistics
    }

    func setConnections(_ counts: ConnectionCounts, of destination: DestinationKey, in key: ServiceKey) {
        guard let index = index(of: key), let d = destinationIndex(destination, in: index) else {
            fatalError("no destination \(destination)")
        }
        entries[index].destinations[d].connections = counts
    }

    // MARK: IPVSControl

    func info() throws(IPVSError) -> IPVSInfo { tableInfo }

    func services() throws(IPVSError) -> [Service] {
        if let code = failEverythingWith { throw IPVSError(.listServices, code: code) }
        return entries.map(\.service)
    }

    func service(_ key: ServiceKey) throws(IPVSError) -> Service {
        if let code = failEverythingWith { throw IPVSError(.getService, code: code) }
        guard let index = index(of: key) else { throw IPVSError(.getService, code: ESRCH) }
        return entries[index].service
    }

    func destinations(of service: ServiceKey) throws(IPVSError) -> [Destination] {
        if let code = failEverythingWith { throw IPVSError(.listDestinations, code: code) }
        guard let index = index(of: service) else { throw IPVSError(.listDestinations, code: ESRCH) }
        return entries[index].destinations
    }

    func timeouts() throws(IPVSError) -> Timeouts {
        if let code = failEverythingWith { throw IPVSError(.getTimeouts, code: code) }
        return currentTimeouts
    }

    func daemons() throws(IPVSError) -> [SyncDaemon] {
        if let code = failEverythingWith { throw IPVSError(.getDaemons, code: code) }
        return running
    }

    /// As the kernel's client does: the summaries of the services the text listing
    /// (as `destinationSummaries()` makes it) covers.
    func services(
        summarizingDestinations each: (_ service: ServiceKey, _ destinations: [DestinationSummary]) -> Void
    ) throws(IPVSError) -> [Service] {
        let services = try services()
        for (service, destinations) in destinationSummaries() ?? [:] { each(service, destinations) }
        return services
    }

    func destinationSummaries() -> [ServiceKey: [DestinationSummary]]? {
        guard offersSummaries, failEverythingWith == nil else { return nil }
        var table: [ServiceKey: [DestinationSummary]] = [:]
        var ambiguous: Set<ServiceKey> = []
        for entry in entries {
            var key = entry.service.key
            if case .firewallMark(let mark, _) = key { key = .firewallMark(mark, family: .inet) }
            if table[key] != nil { ambiguous.insert(key) }
            table[key] = entry.destinations.map { destination in
                DestinationSummary(
                    key: destination.key, forwarding: destination.configuration.forwarding,
                    weight: destination.configuration.weight, activeConnections: destination.connections.active,
                    inactiveConnections: destination.connections.inactive)
            }
        }
        for key in ambiguous { table[key] = nil }
        return table
    }

    func perform(_ request: IPVSRequest) throws(IPVSError) {
        requests.append(request)
        let operation = request.operation
        if let code = failEverythingWith ?? refuse?(request) { throw IPVSError(operation, code: code) }
        func fail(_ code: Int32) -> IPVSError { IPVSError(operation, code: code) }

        switch request {
        case .addService(let key, let configuration):
            guard index(of: key) == nil else { throw fail(EEXIST) }
            try check(configuration, operation)
            positions[key] = entries.count
            entries.append(Entry(service: Service(key: key, configuration: stored(configuration))))
        case .editService(let key, let configuration):
            guard let index = index(of: key) else { throw fail(ESRCH) }
            try check(configuration, operation)
            entries[index].service.configuration = stored(configuration)
        case .deleteService(let key):
            guard let index = index(of: key) else { throw fail(ESRCH) }
            entries.remove(at: index)
            reindex()
        case .zero(let key):
            if let key {
                guard let index = index(of: key) else { throw fail(ESRCH) }
                zeroStatistics(at: index)
            } else {
                for index in entries.indices { zeroStatistics(at: index) }
            }
        case .flush:
            entries.removeAll()
            reindex()
        case .addDestination(let destination, let configuration, let service):
            guard let index = index(of: service) else { throw fail(ESRCH) }
            guard destinationIndex(destination, in: index) == nil else { throw fail(EEXIST) }
            try check(destination, configuration, operation)
            entries[index].destinations.append(Destination(key: destination, configuration: configuration))
        case .editDestination(let destination, let configuration, let service):
            guard let index = index(of: service) else { throw fail(ESRCH) }
            guard let d = destinationIndex(destination, in: index) else { throw fail(ENOENT) }
            try check(destination, configuration, operation)
            entries[index].destinations[d].configuration = configuration
        case .deleteDestination(let destination, let service):
            guard let index = index(of: service) else { throw fail(ESRCH) }
            guard let d = destinationIndex(destination, in: index) else { throw fail(ENOENT) }
            entries[index].destinations.remove(at: d)
        case .setTimeouts(let timeouts):
            if timeouts.tcp != 0 { currentTimeouts.tcp = timeouts.tcp }
            if timeouts.tcpFin != 0 { currentTimeouts.tcpFin = timeouts.tcpFin }
            if timeouts.udp != 0 { currentTimeouts.udp = timeouts.udp }
        case .startDaemon(var daemon):
            guard let mtu = interfaces[daemon.interface] else { throw fail(ENODEV) }
            guard !running.contains(where: { $0.role == daemon.role }) else { throw fail(EEXIST) }
            // What the kernel reports back for settings left to it.
            // The kernel's sync message length: the IP and UDP headers' room taken from the
            // MTU (a master's counts as 1500; a backup's between 1500 and 65535), and a
            // length given kept between 1 (a backup's: 1024) and what fits in 64 KiB.
            let headers: UInt32 = daemon.group?.family == .inet6 ? 48 : 28
            let backup = daemon.role == .backup
            let usableMTU = backup ? min(max(mtu, 1500), 65535) : 1500
            daemon.maximumLength = UInt16(
                daemon.maximumLength.map { min(max(UInt32($0), backup ? 1024 : 1), 65535 - headers) }
                    ?? usableMTU - headers)
            daemon.group = daemon.group ?? .v4(0xE000_0051)
            daemon.port = daemon.port ?? 8848
            daemon.ttl = daemon.ttl ?? 1
            running.append(daemon)
            running.sort { $0.role.rawValue < $1.role.rawValue }
        case .stopDaemon(let daemon):
            guard let index = running.firstIndex(where: { $0.role == daemon.role }) else { throw fail(ESRCH) }
            running.remove(at: index)
        }
    }

    // MARK: Helpers

    private func index(of key: ServiceKey) -> Int? {
        positions[key]
    }

    private func reindex() {
        positions = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.service.key, $0) })
    }

    private func destinationIndex(_ key: DestinationKey, in index: Int) -> Int? {
        entries[index].destinations.firstIndex { $0.key == key }
    }

    private func zeroStatistics(at index: Int) {
        entries[index].service.statistics = Statistics()
        for d in entries[index].destinations.indices { entries[index].destinations[d].statistics = Statistics() }
    }

    private func check(_ configuration: ServiceConfiguration, _ operation: IPVSOperation) throws(IPVSError) {
        guard Self.knownSchedulers.contains(configuration.scheduler.rawValue) else {
            throw IPVSError(operation, code: ENOENT)
        }
        if let engine = configuration.persistenceEngine, !engine.isEmpty, engine != "sip" {
            throw IPVSError(operation, code: ENOENT)
        }
    }

    private func check(
        _ destination: DestinationKey, _ configuration: DestinationConfiguration, _ operation: IPVSOperation
    ) throws(IPVSError) {
        // The kernel takes only unicast IPv6 real servers, and no link-local one (it has no
        // interface to send to); it does not look at IPv4 ones as closely.
        if case .v6(let high, _) = destination.address, high >> 56 == 0xff || high >> 54 == 0xfe80 >> 6 {
            throw IPVSError(operation, code: EINVAL)
        }
        if configuration.weight < 0 || configuration.lowerThreshold > configuration.upperThreshold {
            throw IPVSError(operation, code: ERANGE)
        }
    }

    /// The kernel marks every service it holds as hashed.
    private func stored(_ configuration: ServiceConfiguration) -> ServiceConfiguration {
        var configuration = configuration
        configuration.flags.insert(.hashed)
        return configuration
    }
}
