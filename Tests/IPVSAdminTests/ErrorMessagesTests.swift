import Glibc
import Testing

import IPVS

@testable import IPVSAdmin

/// The words ipvsadm prints for a failed request (libipvs's ipvs_strerror): first the
/// request's own meaning of the errno, then the generic IPVS ones, then strerror.
@Suite("Error messages")
struct ErrorMessagesTests {
    @Test(arguments: [
        (IPVSOperation.addService, EEXIST, "Service already exists"),
        (.addService, ENOENT, "Scheduler or persistence engine not found"),
        (.editService, ESRCH, "No such service"),
        (.editService, ENOENT, "Scheduler or persistence engine not found"),
        (.deleteService, ESRCH, "No such service"),
        (.zero, ESRCH, "No such service"),
        (.addDestination, ESRCH, "Service not defined"),
        (.addDestination, EEXIST, "Destination already exists"),
        (.editDestination, ESRCH, "Service not defined"),
        (.editDestination, ENOENT, "No such destination"),
        (.deleteDestination, ESRCH, "Service not defined"),
        (.deleteDestination, ENOENT, "No such destination"),
        (.startDaemon, EEXIST, "Daemon has already run"),
        (.stopDaemon, ESRCH, "No daemon is running"),
        (.listDestinations, ESRCH, "No such service"),
        (.getService, ESRCH, "No such service"),
    ])
    func requestSpecificMeanings(_ operation: IPVSOperation, _ code: Int32, _ message: String) {
        #expect(ErrorMessages.message(for: IPVSError(operation, code: code)) == message)
    }

    static let allOperations: [IPVSOperation] = [
        .initialize, .getInfo, .addService, .editService, .deleteService, .zero, .addDestination,
        .editDestination, .deleteDestination, .startDaemon, .stopDaemon, .listServices, .listDestinations,
        .getService, .setTimeouts, .getTimeouts, .getDaemons, .flush,
    ]

    @Test(arguments: [
        (EPERM, "Permission denied (you must be root)"),
        (EINVAL, "Invalid operation.  Possibly wrong module version, address not unicast, ..."),
        (ENOPROTOOPT, "Protocol not available"),
        (ENOMEM, "Memory allocation problem"),
        (EOPNOTSUPP, "Operation not supported with IPv6"),
        (EAFNOSUPPORT, "Operation not supported with specified address family"),
        (EMSGSIZE, "Module is wrong version"),
    ])
    func genericMeaningsHoldForEveryRequest(_ code: Int32, _ message: String) {
        for operation in Self.allOperations {
            #expect(ErrorMessages.message(for: IPVSError(operation, code: code)) == message, "\(operation)")
        }
    }

    @Test(arguments: [
        // An errno with a meaning for some other request only: the C library's words.
        (IPVSOperation.addDestination, ENOENT, "No such file or directory"),
        (.addService, ESRCH, "No such process"),
        (.editService, EEXIST, "File exists"),
        (.deleteService, ENOENT, "No such file or directory"),
        (.deleteDestination, EEXIST, "File exists"),
        (.startDaemon, ESRCH, "No such process"),
        (.stopDaemon, EEXIST, "File exists"),
        (.zero, ENOENT, "No such file or directory"),
        (.flush, ESRCH, "No such process"),
        (.setTimeouts, ESRCH, "No such process"),
        // libipvs's netlink path never records the services request: ipvsadm words it generically.
        (.listServices, ESRCH, "No such process"),
        (.initialize, ENOENT, "No such file or directory"),
        (.addDestination, ERANGE, "Numerical result out of range"),
        (.editDestination, ERANGE, "Numerical result out of range"),
        (.addService, EBUSY, "Device or resource busy"),
        (.getInfo, EAGAIN, "Resource temporarily unavailable"),
    ])
    func otherwiseTheCLibrarysWords(_ operation: IPVSOperation, _ code: Int32, _ message: String) {
        #expect(ErrorMessages.message(for: IPVSError(operation, code: code)) == message)
        #expect(String(cString: strerror(code)) == message)
    }

    @Test func errorsCompareByRequestAndErrno() {
        #expect(IPVSError(.addService, code: EEXIST) == IPVSError(.addService, code: EEXIST))
        #expect(IPVSError(.addService, code: EEXIST) != IPVSError(.editService, code: EEXIST))
        #expect(IPVSError(.addService, code: EEXIST) != IPVSError(.addService, code: ENOENT))
        let error = IPVSError(.zero, code: ESRCH)
        #expect(error.operation == .zero)
        #expect(error.code == ESRCH)
        // The library's own description names the operation and the C library's words.
        #expect(error.description == "zero: No such process")
    }
}
