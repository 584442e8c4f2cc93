/// One state-changing IPVS request, as a batch element.
public enum IPVSRequest: Sendable, Hashable {
    case addService(ServiceKey, ServiceConfiguration)
    case editService(ServiceKey, ServiceConfiguration)
    case deleteService(ServiceKey)
    case addDestination(DestinationKey, DestinationConfiguration, service: ServiceKey)
    case editDestination(DestinationKey, DestinationConfiguration, service: ServiceKey)
    case deleteDestination(DestinationKey, service: ServiceKey)
    /// Zero the counters of one service, or of all with nil.
    case zero(ServiceKey?)
    case flush
    case setTimeouts(Timeouts)
    case startDaemon(SyncDaemon)
    case stopDaemon(SyncDaemon)

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

/// The IPVS table as a program sees it. `IPVSClient` is the kernel's; tests supply their own.
public protocol IPVSControl: AnyObject {
    func info() throws(IPVSError) -> IPVSInfo
    /// All virtual services, in the kernel's order.
    func services() throws(IPVSError) -> [Service]
    func service(_ key: ServiceKey) throws(IPVSError) -> Service
    /// The real servers of one service, in the kernel's order.
    func destinations(of service: ServiceKey) throws(IPVSError) -> [Destination]
    func timeouts() throws(IPVSError) -> Timeouts
    func daemons() throws(IPVSError) -> [SyncDaemon]
    /// Performs one request.
    func perform(_ request: IPVSRequest) throws(IPVSError)
    /// Performs requests in order, each independently of the others' failures,
    /// and returns each one's error (nil for success) in the same order.
    func perform(batch requests: [IPVSRequest]) -> [IPVSError?]
    /// How many requests a batch should hold to be sent as cheaply as possible; callers
    /// that stream requests pass them on in batches of this size.
    var preferredBatchSize: Int { get }
    /// Every service's real servers with just address, port, forwarding method, weight and
    /// connection counts, in one cheap read where the table offers one (see `TableListing`);
    /// nil where it does not. Services missing from the result need `destinations(of:)`.
    func destinationSummaries() -> [ServiceKey: [DestinationSummary]]?
    /// `services()`, and every service's entry of `destinationSummaries()` handed to
    /// `each`, on the calling thread, as it is read: where the table allows, reading the
    /// summaries overlaps the service dump and whatever `each` does with those already
    /// read. Services `each` never hears of need `destinations(of:)`.
    func services(summarizingDestinations each: (TableListing.Entry) -> Void) throws(IPVSError) -> [Service]
}

extension IPVSControl {
    public func destinationSummaries() -> [ServiceKey: [DestinationSummary]]? { nil }

    public func services(summarizingDestinations each: (TableListing.Entry) -> Void) throws(IPVSError) -> [Service] {
        let services = try services()
        for (service, destinations) in destinationSummaries() ?? [:] { each((service, destinations)) }
        return services
    }

    public var preferredBatchSize: Int { 256 }

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
}
