#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The kernel request an error answers. ipvsadm words some errnos differently per request.
public enum IPVSOperation: Sendable, Hashable {
    case initialize
    case getInfo
    case addService, editService, deleteService, zero
    case addDestination, editDestination, deleteDestination
    case startDaemon, stopDaemon
    case listServices, listDestinations, getService
    case setTimeouts, getTimeouts, getDaemons
    case flush
}

/// A failed IPVS request: the raw errno the kernel (or the socket layer) returned.
public struct IPVSError: Error, Sendable, Hashable, CustomStringConvertible {
    public var operation: IPVSOperation
    /// Positive errno value, as in `errno.h`.
    public var code: Int32

    public init(_ operation: IPVSOperation, code: Int32) {
        self.operation = operation
        self.code = code
    }

    /// The words ipvsadm prints for this error: request-specific first, then
    /// the generic IPVS meanings, then the C library's strerror.
    public var description: String {
        if let specific = Self.specificMessages[operation]?[code] { return specific }
        if let generic = Self.genericMessages[code] { return generic }
        return String(cString: strerror(code))
    }

    private static let specificMessages: [IPVSOperation: [Int32: String]] = [
        .addService: [EEXIST: "Service already exists", ENOENT: "Scheduler or persistence engine not found"],
        .editService: [ESRCH: "No such service", ENOENT: "Scheduler or persistence engine not found"],
        .deleteService: [ESRCH: "No such service"],
        .zero: [ESRCH: "No such service"],
        .addDestination: [ESRCH: "Service not defined", EEXIST: "Destination already exists"],
        .editDestination: [ESRCH: "Service not defined", ENOENT: "No such destination"],
        .deleteDestination: [ESRCH: "Service not defined", ENOENT: "No such destination"],
        .startDaemon: [EEXIST: "Daemon has already run"],
        .stopDaemon: [ESRCH: "No daemon is running"],
        .listDestinations: [ESRCH: "No such service"],
        .getService: [ESRCH: "No such service"],
    ]

    private static let genericMessages: [Int32: String] = [
        EPERM: "Permission denied (you must be root)",
        EINVAL: "Invalid operation.  Possibly wrong module version, address not unicast, ...",
        ENOPROTOOPT: "Protocol not available",
        ENOMEM: "Memory allocation problem",
        EOPNOTSUPP: "Operation not supported with IPv6",
        EAFNOSUPPORT: "Operation not supported with specified address family",
        EMSGSIZE: "Module is wrong version",
    ]
}
