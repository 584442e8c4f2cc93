/// One state-changing IPVS request, as a batch element.
public enum IPVSRequest: Sendable, Hashable, Codable {
    /// Adds a virtual service.
    case addService(ServiceKey, ServiceConfiguration)
    /// Changes the configuration of an existing virtual service.
    case editService(ServiceKey, ServiceConfiguration)
    /// Removes a virtual service with its real servers.
    case deleteService(ServiceKey)
    /// Adds a real server to a service.
    case addDestination(DestinationKey, DestinationConfiguration, service: ServiceKey)
    /// Changes the configuration of a real server.
    case editDestination(DestinationKey, DestinationConfiguration, service: ServiceKey)
    /// Removes a real server from a service.
    case deleteDestination(DestinationKey, service: ServiceKey)
    /// Zeroes the counters of one service, or of all with nil.
    case zero(ServiceKey?)
    /// Removes every virtual service.
    case flush
    /// Sets the connection timeouts; a zero leaves that value unchanged.
    case setTimeouts(Timeouts)
    /// Starts a connection-sync daemon.
    case startDaemon(SyncDaemon)
    /// Stops the connection-sync daemon of the given role.
    case stopDaemon(SyncDaemon)

    /// The operation an error of this request names.
    public var operation: IPVSOperation {
        switch self {
        case .addService: return .addService
        case .editService: return .editService
        case .deleteService: return .deleteService
        case .addDestination: return .addDestination
        case .editDestination: return .editDestination
        case .deleteDestination: return .deleteDestination
        case .zero: return .zero
        case .flush: return .flush
        case .setTimeouts: return .setTimeouts
        case .startDaemon: return .startDaemon
        case .stopDaemon: return .stopDaemon
        }
    }
}

/// The IPVS table's operations: what the kernel's IPVS family offers, one call each.
/// `IPVSClient` is the kernel's; tests and other programs may supply their own.
public protocol IPVSControl: AnyObject {
    /// The IPVS version and connection table size.
    func info() throws(IPVSError) -> IPVSInfo
    /// All virtual services, in the kernel's order.
    func services() throws(IPVSError) -> [Service]
    /// Every virtual service, handed to `each` as it is decoded, in the kernel's order: the
    /// list is never held. `each` must not use this control meanwhile (its socket is busy
    /// with the dump). A failure thrown after some services were handed over means the
    /// list was not whole.
    func services(_ each: (Service) -> Void) throws(IPVSError)
    /// One virtual service; throws ESRCH (operation `.getService`) when there is none.
    func service(_ key: ServiceKey) throws(IPVSError) -> Service
    /// The real servers of one service, in the kernel's order.
    func destinations(of service: ServiceKey) throws(IPVSError) -> [Destination]
    /// The real servers of each of `services`, handed to `each` in the order of `services`;
    /// the first failure is thrown after the services before it have been handed over.
    /// `IPVSClient` reads several at once.
    func destinations(
        ofEach services: [ServiceKey], _ each: (ServiceKey, [Destination]) throws(IPVSError) -> Void
    ) throws(IPVSError)
    /// The connection timeouts.
    func timeouts() throws(IPVSError) -> Timeouts
    /// The running connection-sync daemons.
    func daemons() throws(IPVSError) -> [SyncDaemon]
    /// Performs one request.
    func perform(_ request: IPVSRequest) throws(IPVSError)
    /// Performs requests in order, each independently of the others' failures,
    /// and returns each one's error (nil for success) in the same order.
    func perform(batch requests: [IPVSRequest]) -> [IPVSError?]
}

extension IPVSControl {
    /// `services()`, handed over one at a time.
    public func services(_ each: (Service) -> Void) throws(IPVSError) {
        for service in try services() { each(service) }
    }

    /// One service at a time.
    public func destinations(
        ofEach services: [ServiceKey], _ each: (ServiceKey, [Destination]) throws(IPVSError) -> Void
    ) throws(IPVSError) {
        for service in services { try each(service, try destinations(of: service)) }
    }

    /// One request at a time; `IPVSClient` sends many to a system call instead.
    public func perform(batch requests: [IPVSRequest]) -> [IPVSError?] {
        requests.map { (request) -> IPVSError? in
            do throws(IPVSError) {
                try perform(request)
                return nil
            } catch {
                return error
            }
        }
    }

    /// Every virtual service with all its real servers (each once), handed to `each` one
    /// service at a time as its real servers arrive, in the kernel's order of services.
    /// Only the service list and the entry at hand are held, so a program that writes or
    /// compares as it goes reads a table of any size in little memory. The kernel has no
    /// atomic read of the table: one changed by someone else meanwhile may be read half
    /// before, half after.
    public func readTable(_ each: (IPVSSnapshot.Entry) throws(IPVSError) -> Void) throws(IPVSError) {
        // A dump resumed while another namespace changes its table can repeat entries:
        // each service, and each real server of a service, is taken once, as first seen.
        var services = try self.services()
        services.removeRepeats(by: \.key)
        var index = 0
        try destinations(ofEach: services.map(\.key)) { (_, destinations) throws(IPVSError) in
            var destinations = destinations
            destinations.removeRepeats(by: \.key)
            index += 1
            try each(IPVSSnapshot.Entry(service: services[index - 1], destinations: destinations))
        }
    }

    /// The whole table as one value: every service with all its real servers (each once),
    /// the timeouts and the daemons (see `readTable(_:)`, which holds less).
    public func snapshot() throws(IPVSError) -> IPVSSnapshot {
        var entries: [IPVSSnapshot.Entry] = []
        try readTable { entries.append($0) }
        return IPVSSnapshot(services: entries, timeouts: try timeouts(), daemons: try daemons())
    }
}

/// The whole IPVS table of a network namespace, as `IPVSControl.snapshot()` reads it.
public struct IPVSSnapshot: Sendable, Hashable, Codable {
    /// One virtual service with its real servers, in the kernel's order.
    public struct Entry: Sendable, Hashable, Codable {
        /// The service: key, configuration, counters.
        public var service: Service
        /// Its real servers.
        public var destinations: [Destination]

        /// An entry of a snapshot.
        public init(service: Service, destinations: [Destination]) {
            self.service = service
            self.destinations = destinations
        }
    }

    /// Every virtual service, in the kernel's order.
    public var services: [Entry]
    /// The connection timeouts.
    public var timeouts: Timeouts
    /// The running connection-sync daemons.
    public var daemons: [SyncDaemon]

    /// A snapshot of the given parts.
    public init(services: [Entry], timeouts: Timeouts, daemons: [SyncDaemon]) {
        self.services = services
        self.timeouts = timeouts
        self.daemons = daemons
    }
}
