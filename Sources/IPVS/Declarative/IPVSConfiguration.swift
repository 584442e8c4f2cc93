/// The IPVS table a program wants: virtual services with their real servers, and
/// optionally timeouts and sync daemons. What `IPVSPlan` compares the kernel's table
/// with, and what `apply` makes it equal to. It has no counters: those are the kernel's.
public struct IPVSConfiguration: Sendable, Hashable {
    /// A wanted real server.
    public struct Destination: Sendable, Hashable {
        /// Its address and port.
        public var key: DestinationKey
        /// How it is used.
        public var configuration: DestinationConfiguration
        /// Where it was written (a file line or a JSON path), for messages; nil if nowhere.
        public var origin: String?

        /// A wanted real server.
        public init(key: DestinationKey, configuration: DestinationConfiguration, origin: String? = nil) {
            self.key = key
            self.configuration = configuration
            self.origin = origin
        }
    }

    /// A wanted virtual service with all of its real servers.
    public struct Service: Sendable, Hashable {
        /// What identifies it.
        public var key: ServiceKey
        /// How it schedules.
        public var configuration: ServiceConfiguration
        /// Every real server it should have, and only those.
        public var destinations: [Destination]
        /// Where it was written (a file line or a JSON path), for messages; nil if nowhere.
        public var origin: String?

        /// A wanted virtual service.
        public init(
            key: ServiceKey, configuration: ServiceConfiguration, destinations: [Destination] = [],
            origin: String? = nil
        ) {
            self.key = key
            self.configuration = configuration
            self.destinations = destinations
            self.origin = origin
        }
    }

    /// Every virtual service the table should have, and only those.
    public var services: [Service]
    /// The timeouts to set, or nil to leave the kernel's as they are. A zero leaves that one value as it is.
    public var timeouts: Timeouts?
    /// The sync daemons that should run, or nil to leave the kernel's as they are.
    public var daemons: [SyncDaemon]?

    /// A configuration of the given parts.
    public init(services: [Service] = [], timeouts: Timeouts? = nil, daemons: [SyncDaemon]? = nil) {
        self.services = services
        self.timeouts = timeouts
        self.daemons = daemons
    }

    /// The configuration a snapshot shows: its services, real servers, timeouts and daemons.
    public init(_ snapshot: IPVSSnapshot) {
        services = snapshot.services.map { entry in
            Service(
                key: entry.service.key, configuration: entry.service.configuration,
                destinations: entry.destinations.map { Destination(key: $0.key, configuration: $0.configuration) })
        }
        timeouts = snapshot.timeouts
        daemons = snapshot.daemons
    }

    /// Why a configuration cannot be a table.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// The same virtual service twice: where it was first and where again.
        case duplicateService(ServiceKey, first: String?, again: String?)
        /// The same real server twice in one service.
        case duplicateDestination(DestinationKey, service: ServiceKey, first: String?, again: String?)
        /// Two daemons of the same role.
        case duplicateDaemon(SyncDaemonRole)

        public var description: String {
            switch self {
            case .duplicateService(_, let first, let again):
                return "the same virtual service twice" + Self.places(first, again)
            case .duplicateDestination(_, _, let first, let again):
                return "the same real server twice in one virtual service" + Self.places(first, again)
            case .duplicateDaemon(let role):
                return "two \(role == .master ? "master" : "backup") sync daemons"
            }
        }

        private static func places(_ first: String?, _ again: String?) -> String {
            guard let first, let again else { return "" }
            return " (\(first) and \(again))"
        }
    }

    /// Checks what the kernel cannot hold: a service or a real server twice, two daemons of a role.
    public func validate() throws(Problem) {
        // Services by hash rather than in a dictionary: a table of 100,000 is checked in
        // a few megabytes. What is reported is what a walk in order meets first.
        let repeated = KeyIndex(services.lazy.map(\.key)).firstRepeat { services[$0].key }
        for (position, service) in services.enumerated() {
            if let repeated, repeated.again == position {
                throw .duplicateService(service.key, first: services[repeated.first].origin, again: service.origin)
            }
            if let repeated = service.destinations.firstRepeat(by: \.key) {
                let first = service.destinations[repeated.first], again = service.destinations[repeated.again]
                throw .duplicateDestination(again.key, service: service.key, first: first.origin, again: again.origin)
            }
        }
        var roles: Set<SyncDaemonRole> = []
        for daemon in daemons ?? [] where !roles.insert(daemon.role).inserted {
            throw .duplicateDaemon(daemon.role)
        }
    }
}

// MARK: Requests on the model

extension IPVSConfiguration {
    /// What a table equal to this configuration becomes after `requests`, worked out on
    /// the model alone. With a plan's undo requests, last step first, it gives the table
    /// as it was before the plan from the table after it, without having held the kernel's
    /// table (what an apply needs to tell what a failed rollback left). A request the
    /// model cannot take (a real server of a missing service, say) changes nothing, as the
    /// kernel would refuse it.
    public func applying(_ requests: some Sequence<IPVSRequest>) -> IPVSConfiguration {
        var services: [Service?] = self.services
        var index: [ServiceKey: Int] = [:]
        index.reserveCapacity(services.count)
        for (position, service) in self.services.enumerated() where index[service.key] == nil {
            index[service.key] = position
        }
        var timeouts = self.timeouts
        var daemons = self.daemons
        func changeDestinations(of key: ServiceKey, _ change: (inout [Destination]) -> Void) {
            guard let position = index[key], services[position] != nil else { return }
            change(&services[position]!.destinations)
        }
        for request in requests {
            switch request {
            case .addService(let key, let configuration):
                guard index[key] == nil else { continue }
                index[key] = services.count
                services.append(Service(key: key, configuration: configuration))
            case .editService(let key, let configuration):
                if let position = index[key] { services[position]?.configuration = configuration }
            case .deleteService(let key):
                if let position = index.removeValue(forKey: key) { services[position] = nil }
            case .addDestination(let key, let configuration, let service):
                changeDestinations(of: service) { destinations in
                    if !destinations.contains(where: { $0.key == key }) {
                        destinations.append(Destination(key: key, configuration: configuration))
                    }
                }
            case .editDestination(let key, let configuration, let service):
                changeDestinations(of: service) { destinations in
                    if let position = destinations.firstIndex(where: { $0.key == key }) {
                        destinations[position].configuration = configuration
                    }
                }
            case .deleteDestination(let key, let service):
                changeDestinations(of: service) { $0.removeAll { $0.key == key } }
            case .zero:
                continue
            case .flush:
                services.removeAll()
                index.removeAll()
            case .setTimeouts(let wanted):
                let current = timeouts ?? Timeouts(tcp: 0, tcpFin: 0, udp: 0)
                timeouts = Timeouts(
                    tcp: wanted.tcp == 0 ? current.tcp : wanted.tcp,
                    tcpFin: wanted.tcpFin == 0 ? current.tcpFin : wanted.tcpFin,
                    udp: wanted.udp == 0 ? current.udp : wanted.udp)
            case .startDaemon(let daemon):
                if !(daemons ?? []).contains(where: { $0.role == daemon.role }) { daemons = (daemons ?? []) + [daemon] }
            case .stopDaemon(let daemon):
                daemons?.removeAll { $0.role == daemon.role }
            }
        }
        return IPVSConfiguration(services: services.compactMap { $0 }, timeouts: timeouts, daemons: daemons)
    }
}

// MARK: Comparing with the kernel

extension ServiceConfiguration {
    /// What the kernel's copy is compared by: flags the kernel sets itself (hashed) are
    /// left out, and persistence settings count only on a persistent service.
    var comparable: ServiceConfiguration {
        var copy = self
        copy.flags.remove(.hashed)
        if !copy.flags.contains(.persistent) {
            copy.timeout = 0
            copy.netmask = .exact(for: netmask.family)
        }
        if copy.persistenceEngine?.isEmpty == true { copy.persistenceEngine = nil }
        return copy
    }
}

extension PersistenceNetmask {
    fileprivate var family: AddressFamily {
        if case .v6 = self { return .inet6 }
        return .inet
    }
}

extension DestinationConfiguration {
    /// What the kernel's copy is compared by: the forwarding method without the kernel's
    /// own connection flags, and tunnel settings only on a tunnel.
    var comparable: DestinationConfiguration {
        var copy = self
        copy.forwarding = ForwardingMethod(rawValue: forwarding.rawValue & ForwardingMethod.mask)
        if copy.forwarding != .tunneling { copy.tunnel = TunnelSettings() }
        return copy
    }
}

extension SyncDaemon {
    /// Whether a running daemon (`self`, as the kernel reports it, every field filled)
    /// is what `wanted` asks for; a field `wanted` leaves out takes any value.
    func satisfies(_ wanted: SyncDaemon) -> Bool {
        role == wanted.role && interface == wanted.interface && syncID == wanted.syncID
            && (wanted.maximumLength == nil || maximumLength == nil || wanted.maximumLength == maximumLength)
            && (wanted.group == nil || group == nil || wanted.group == group)
            && (wanted.port == nil || port == nil || wanted.port == port)
            && (wanted.ttl == nil || ttl == nil || wanted.ttl == ttl)
    }
}

extension Timeouts {
    /// Whether the kernel's timeouts (`self`) are what `wanted` asks for; a zero in
    /// `wanted` takes any value.
    func satisfies(_ wanted: Timeouts) -> Bool {
        (wanted.tcp == 0 || wanted.tcp == tcp) && (wanted.tcpFin == 0 || wanted.tcpFin == tcpFin)
            && (wanted.udp == 0 || wanted.udp == udp)
    }
}
