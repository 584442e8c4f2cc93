import CIPVSShim
import CNetlink

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The kernel's IPVS table through its generic-netlink family, on one socket that
/// lives as long as the client; the family is resolved once, in `init`.
public final class IPVSClient: IPVSControl {
    private let socket: OpaquePointer
    private let callbacks: OpaquePointer
    private let family: Int32
    private let replyLog: UnsafeMutablePointer<cipvs_reply_log>
    /// Requests per sendmsg in `perform(batch:)`: enough to amortise the system call,
    /// few enough that the error replies of a whole chunk fit the receive buffer.
    private let batchChunkSize = 256
    public var preferredBatchSize: Int { batchChunkSize }
    private let errorRecords: UnsafeMutablePointer<cipvs_error_record>

    /// Opens the socket and resolves the IPVS family.
    /// Throws `.initialize` with ENOPROTOOPT (or the socket layer's errno, as the
    /// reference's fallback would see it) when the kernel has no IPVS.
    public init() throws(IPVSError) {
        guard let socket = nl_socket_alloc() else { throw IPVSError(.initialize, code: ENOMEM) }
        guard let callbacks = nl_cb_alloc(NL_CB_DEFAULT) else {
            nl_socket_free(socket)
            throw IPVSError(.initialize, code: ENOMEM)
        }
        self.socket = socket
        self.callbacks = callbacks
        replyLog = .allocate(capacity: 1)
        replyLog.initialize(to: cipvs_reply_log())
        errorRecords = .allocate(capacity: batchChunkSize)
        var resolved: Int32 = -1
        if genl_connect(socket) >= 0 {
            resolved = genl_ctrl_resolve(socket, "IPVS")
        }
        family = resolved
        guard resolved >= 0 else { throw IPVSError(.initialize, code: Self.errnoWithoutNetlinkFamily()) }
        // Acks are asked for per message (NLM_F_ACK), so batches can skip them.
        nl_socket_disable_auto_ack(socket)
        try check(cipvs_install_reply_handlers(callbacks, replyLog), .initialize)
        Self.prepareForBatches(nl_socket_get_fd(socket))
    }

    /// A batch whose requests all fail gets one error reply per request, all queued while
    /// the kernel works through the datagram: keep those replies small (just the header
    /// of the failed request) and give them room, so none is dropped. A receive timeout
    /// turns a lost reply into an error instead of a hang.
    private static func prepareForBatches(_ descriptor: Int32) {
        let solNetlink: Int32 = 270, netlinkCapAck: Int32 = 10
        var on: Int32 = 1
        setsockopt(descriptor, solNetlink, netlinkCapAck, &on, socklen_t(MemoryLayout<Int32>.size))
        var size: Int32 = 8 << 20
        if setsockopt(descriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Throws away replies still queued after a failed exchange, so that they cannot be
    /// taken for the answers to the next request.
    private func discardPendingReplies() {
        let descriptor = nl_socket_get_fd(socket)
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        while scratch.withUnsafeMutableBytes({ recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }) >= 0 {}
    }

    deinit {
        nl_socket_free(socket)
        nl_cb_put(callbacks)
        replyLog.deallocate()
        errorRecords.deallocate()
    }

    /// With no IPVS family, ipvsadm falls back to the old socket-option interface and
    /// reports what that says: EPERM without CAP_NET_RAW, else ENOPROTOOPT. Mirror it.
    private static func errnoWithoutNetlinkFamily() -> Int32 {
        let raw = Glibc.socket(AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_RAW))
        guard raw >= 0 else { return errno }
        defer { close(raw) }
        var info = [UInt8](repeating: 0, count: 12)
        var length = socklen_t(info.count)
        let getInfo: Int32 = 64 + 1024 + 64 + 1  // IP_VS_SO_GET_INFO
        if getsockopt(raw, Int32(IPPROTO_IP), getInfo, &info, &length) == 0 { return ENOPROTOOPT }
        return errno
    }

    // MARK: Reading

    public func info() throws(IPVSError) -> IPVSInfo {
        var result: IPVSInfo?
        try request(command: IPVS_CMD_GET_INFO, operation: .getInfo, dump: false, encode: { _ in }) { header in
            withAttributeTable(count: CIPVS_INFO_ATTR_COUNT) { table in
                guard cipvs_parse_info_reply(header, table) == 0,
                    let version = table[Int(IPVS_INFO_ATTR_VERSION)],
                    let size = table[Int(IPVS_INFO_ATTR_CONN_TAB_SIZE)]
                else { return }
                result = IPVSInfo(version: nla_get_u32(version), connectionTableSize: nla_get_u32(size))
            }
        }
        guard let result else { throw IPVSError(.getInfo, code: EINVAL) }
        return result
    }

    public func services() throws(IPVSError) -> [Service] {
        var services: [Service] = []
        var malformed = false
        try request(command: IPVS_CMD_GET_SERVICE, operation: .listServices, dump: true, encode: { _ in }) { header in
            if let service = Self.decodeService(header) { services.append(service) } else { malformed = true }
        }
        if malformed { throw IPVSError(.listServices, code: EINVAL) }
        return services
    }

    public func service(_ key: ServiceKey) throws(IPVSError) -> Service {
        var found: Service?
        try request(
            command: IPVS_CMD_GET_SERVICE, operation: .getService, dump: false,
            encode: { Self.putService(&$0, key, nil) }
        ) { header in
            found = Self.decodeService(header)
        }
        guard let found else { throw IPVSError(.getService, code: EINVAL) }
        return found
    }

    public func destinations(of service: ServiceKey) throws(IPVSError) -> [Destination] {
        var destinations: [Destination] = []
        var malformed = false
        try request(
            command: IPVS_CMD_GET_DEST, operation: .listDestinations, dump: true,
            encode: { Self.putService(&$0, service, nil) }
        ) { header in
            if let destination = Self.decodeDestination(header, serviceFamily: service.family) {
                destinations.append(destination)
            } else {
                malformed = true
            }
        }
        if malformed { throw IPVSError(.listDestinations, code: EINVAL) }
        return destinations
    }

    /// From /proc/net/ip_vs, which lists the table of this process's network namespace,
    /// the same one as the netlink socket's.
    public func destinationSummaries() -> [ServiceKey: [DestinationSummary]]? {
        TableListing.read()
    }

    /// The text listing is read and parsed on a second thread while this one does the
    /// netlink service dump and then hands over what has been read: on a large table both
    /// reads are mostly the kernel's work, and the two run on different CPUs (the listing
    /// takes no lock that the dump holds).
    public func services(summarizingDestinations each: (TableListing.Entry) -> Void) throws(IPVSError) -> [Service] {
        guard let reader = TableListing.Reader.start() else { return try services() }
        let services: [Service]
        do {
            services = try self.services()
        } catch {
            reader.stop()
            throw error
        }
        while let entries = reader.next() {
            for entry in entries { each(entry) }
        }
        return services
    }

    public func timeouts() throws(IPVSError) -> Timeouts {
        var timeouts = Timeouts(tcp: 0, tcpFin: 0, udp: 0)
        try request(command: IPVS_CMD_GET_CONFIG, operation: .getTimeouts, dump: false, encode: { _ in }) { header in
            withAttributeTable(count: CIPVS_CMD_ATTR_COUNT) { table in
                guard cipvs_parse_command_reply(header, table) == 0 else { return }
                if let tcp = table[Int(IPVS_CMD_ATTR_TIMEOUT_TCP)] { timeouts.tcp = nla_get_u32(tcp) }
                if let fin = table[Int(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN)] { timeouts.tcpFin = nla_get_u32(fin) }
                if let udp = table[Int(IPVS_CMD_ATTR_TIMEOUT_UDP)] { timeouts.udp = nla_get_u32(udp) }
            }
        }
        return timeouts
    }

    public func daemons() throws(IPVSError) -> [SyncDaemon] {
        var daemons: [SyncDaemon] = []
        try request(command: IPVS_CMD_GET_DAEMON, operation: .getDaemons, dump: true, encode: { _ in }) { header in
            if let daemon = Self.decodeDaemon(header) { daemons.append(daemon) }
        }
        return daemons
    }

    // MARK: Changing

    public func perform(_ request: IPVSRequest) throws(IPVSError) {
        try self.request(
            command: Self.command(for: request), operation: request.operation, dump: false,
            encode: { Self.encode(request, into: &$0) }, reply: { _ in })
    }

    /// Sends the requests many to a sendmsg, asking the kernel to acknowledge only the
    /// last of each chunk: the kernel answers every failed request anyway, with its
    /// sequence number, so one ack tells that the whole chunk has been processed.
    public func perform(batch requests: [IPVSRequest]) -> [IPVSError?] {
        var results = [IPVSError?](repeating: nil, count: requests.count)
        var start = 0
        while start < requests.count {
            let end = min(start + batchChunkSize, requests.count)
            sendChunk(requests, start..<end, into: &results)
            start = end
        }
        return results
    }

    private func sendChunk(_ requests: [IPVSRequest], _ range: Range<Int>, into results: inout [IPVSError?]) {
        var buffer = MessageBuffer(capacity: range.count * 160)
        var firstSequence: UInt32 = 0
        var lastSequence: UInt32 = 0
        var encoded: [Int] = []  // indices of requests that made it into the buffer
        encoded.reserveCapacity(range.count)
        for index in range {
            let request = requests[index]
            let isLast = index == range.upperBound - 1
            beginMessage(&buffer, Self.command(for: request), flags: isLast ? NLM_F_ACK : 0)
            Self.encode(request, into: &buffer)
            if buffer.overflowed {
                buffer.discardMessage()
                results[index] = IPVSError(request.operation, code: ENOMEM)
                continue
            }
            endMessage(&buffer)
            if encoded.isEmpty { firstSequence = buffer.lastSequence }
            lastSequence = buffer.lastSequence
            encoded.append(index)
        }
        guard !encoded.isEmpty else { return }
        // The kernel handles a datagram's messages in order, so an error for the last one ends the chunk as an ack would.
        let mustAck = encoded.last == range.upperBound - 1
        resetLog(keepGoing: true, recordErrors: true)
        let sent = buffer.withBytes {
            nl_sendto(socket, UnsafeMutableRawPointer(mutating: $0.baseAddress), $0.count)
        }
        var failure: IPVSError?
        if sent < 0 {
            failure = Self.error(fromLibnl: sent, requests[encoded[0]].operation)
        } else {
            while replyLog.pointee.acks == 0 && !lastErrorAnswers(lastSequence) {
                let received = nl_recvmsgs(socket, callbacks)
                if received < 0 {
                    failure = Self.error(fromLibnl: received, requests[encoded[0]].operation)
                    break
                }
                if !mustAck && replyLog.pointee.acks == 0 { break }
            }
        }
        let recorded = UnsafeBufferPointer(start: errorRecords, count: replyLog.pointee.error_count)
        for record in recorded {
            let offset = Int(record.sequence &- firstSequence)
            guard offset >= 0, offset < encoded.count else { continue }
            let index = encoded[offset]
            results[index] = IPVSError(requests[index].operation, code: -record.error)
        }
        if let failure {
            discardPendingReplies()
            for index in encoded where results[index] == nil { results[index] = failure }
        }
    }

    private func lastErrorAnswers(_ sequence: UInt32) -> Bool {
        let count = replyLog.pointee.error_count
        return count > 0 && errorRecords[count - 1].sequence == sequence
    }

    // MARK: Messages

    private func resetLog(keepGoing: Bool, recordErrors: Bool) {
        replyLog.pointee = cipvs_reply_log(
            errors: recordErrors ? errorRecords : nil, error_capacity: recordErrors ? batchChunkSize : 0,
            error_count: 0, errors_dropped: 0, acks: 0, last_error: 0, keep_going: keepGoing ? 1 : 0)
    }

    /// Starts a request of the IPVS family in `buffer`.
    private func beginMessage(_ buffer: inout MessageBuffer, _ command: Int, flags: Int32) {
        buffer.beginMessage(family: UInt16(family), flags: flags, port: nl_socket_get_local_port(socket), command: command)
    }

    /// Ends the request begun last, numbered by the socket as libnl numbers what it sends.
    private func endMessage(_ buffer: inout MessageBuffer) {
        buffer.endMessage(sequence: nl_socket_use_seq(socket))
    }

    /// Sends one request and reads its replies, handing each data message to `reply`.
    /// A dump ends with NLMSG_DONE; anything else with the kernel's ack or error.
    private func request(
        command: Int, operation: IPVSOperation, dump: Bool,
        encode: (inout MessageBuffer) -> Void,
        reply: (UnsafeMutablePointer<nlmsghdr>) -> Void
    ) throws(IPVSError) {
        var message = MessageBuffer()
        beginMessage(&message, command, flags: dump ? NLM_F_DUMP : NLM_F_ACK)
        encode(&message)
        if message.overflowed { throw IPVSError(operation, code: ENOMEM) }
        endMessage(&message)
        resetLog(keepGoing: false, recordErrors: false)
        try check(message.withBytes { nl_sendto(socket, UnsafeMutableRawPointer(mutating: $0.baseAddress), $0.count) },
                  operation)
        try withoutActuallyEscaping(reply) { (reply) throws(IPVSError) in
            let collector = ReplyCollector(reply)
            let context = Unmanaged.passUnretained(collector).toOpaque()
            try check(nl_cb_set(callbacks, NL_CB_VALID, NL_CB_CUSTOM, deliverReply, context), operation)
            defer { nl_cb_set(callbacks, NL_CB_VALID, NL_CB_DEFAULT, nil, nil) }
            repeat {
                let received = nl_recvmsgs(socket, callbacks)
                if replyLog.pointee.last_error != 0 {
                    throw IPVSError(operation, code: -replyLog.pointee.last_error)
                }
                if received < 0 {
                    discardPendingReplies()
                    try check(received, operation)
                }
            } while !dump && replyLog.pointee.acks == 0
        }
    }

    /// The one place libnl's return codes become errors.
    private func check(_ result: Int32, _ operation: IPVSOperation) throws(IPVSError) {
        if result < 0 { throw Self.error(fromLibnl: result, operation) }
    }

    private static func error(fromLibnl result: Int32, _ operation: IPVSOperation) -> IPVSError {
        let code: Int32
        switch -result {
        case NLE_NOMEM: code = ENOMEM
        case NLE_PERM, NLE_NOACCESS: code = EPERM
        case NLE_AGAIN: code = EAGAIN
        case NLE_INTR: code = EINTR
        case NLE_MSGSIZE: code = EMSGSIZE
        case NLE_OPNOTSUPP: code = EOPNOTSUPP
        case NLE_AF_NOSUPPORT: code = EAFNOSUPPORT
        case NLE_OBJ_NOTFOUND: code = ENOENT
        case NLE_EXIST: code = EEXIST
        case NLE_BAD_SOCK: code = EBADF
        case NLE_PROTO_MISMATCH: code = EPROTONOSUPPORT
        default: code = EINVAL
        }
        return IPVSError(operation, code: code)
    }

    private static func command(for request: IPVSRequest) -> Int {
        switch request {
        case .addService: return IPVS_CMD_NEW_SERVICE
        case .editService: return IPVS_CMD_SET_SERVICE
        case .deleteService: return IPVS_CMD_DEL_SERVICE
        case .addDestination: return IPVS_CMD_NEW_DEST
        case .editDestination: return IPVS_CMD_SET_DEST
        case .deleteDestination: return IPVS_CMD_DEL_DEST
        case .zero: return IPVS_CMD_ZERO
        case .flush: return IPVS_CMD_FLUSH
        case .setTimeouts: return IPVS_CMD_SET_CONFIG
        case .startDaemon: return IPVS_CMD_NEW_DAEMON
        case .stopDaemon: return IPVS_CMD_DEL_DAEMON
        }
    }

    private static func encode(_ request: IPVSRequest, into message: inout MessageBuffer) {
        switch request {
        case .addService(let key, let configuration), .editService(let key, let configuration):
            putService(&message, key, configuration)
        case .deleteService(let key):
            putService(&message, key, nil)
        case .addDestination(let destination, let configuration, let service),
            .editDestination(let destination, let configuration, let service):
            putService(&message, service, nil)
            putDestination(&message, destination, configuration)
        case .deleteDestination(let destination, let service):
            putService(&message, service, nil)
            putDestination(&message, destination, DestinationConfiguration())
        case .zero(let key):
            if let key { putService(&message, key, nil) }
        case .flush:
            break
        case .setTimeouts(let timeouts):
            message.put(IPVS_CMD_ATTR_TIMEOUT_TCP, value: timeouts.tcp)
            message.put(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, value: timeouts.tcpFin)
            message.put(IPVS_CMD_ATTR_TIMEOUT_UDP, value: timeouts.udp)
        case .startDaemon(let daemon):
            putDaemon(&message, daemon, full: true)
        case .stopDaemon(let daemon):
            putDaemon(&message, daemon, full: false)
        }
    }

    private static func putService(
        _ message: inout MessageBuffer, _ key: ServiceKey, _ configuration: ServiceConfiguration?
    ) {
        message.nest(IPVS_CMD_ATTR_SERVICE) { message in
            message.put(IPVS_SVC_ATTR_AF, value: key.family.rawValue)
            switch key {
            case .firewallMark(let mark, _):
                message.put(IPVS_SVC_ATTR_FWMARK, value: mark)
            case .address(let proto, let address, let port):
                message.put(IPVS_SVC_ATTR_PROTOCOL, value: proto.rawValue)
                address.withKernelBytes { message.put(IPVS_SVC_ATTR_ADDR, $0) }
                message.put(IPVS_SVC_ATTR_PORT, value: port.bigEndian)
            }
            guard let configuration else { return }
            putString(&message, IPVS_SVC_ATTR_SCHED_NAME, configuration.scheduler.rawValue)
            if let engine = configuration.persistenceEngine, !engine.isEmpty {
                putString(&message, IPVS_SVC_ATTR_PE_NAME, engine)
            }
            message.put(IPVS_SVC_ATTR_FLAGS, value: ip_vs_flags(flags: configuration.flags.rawValue, mask: ~0))
            message.put(IPVS_SVC_ATTR_TIMEOUT, value: configuration.timeout)
            message.put(IPVS_SVC_ATTR_NETMASK, value: configuration.netmask.kernelValue)
        }
    }

    private static func putDestination(
        _ message: inout MessageBuffer, _ key: DestinationKey, _ configuration: DestinationConfiguration
    ) {
        message.nest(IPVS_CMD_ATTR_DEST) { message in
            message.put(IPVS_DEST_ATTR_ADDR_FAMILY, value: key.address.family.rawValue)
            key.address.withKernelBytes { message.put(IPVS_DEST_ATTR_ADDR, $0) }
            message.put(IPVS_DEST_ATTR_PORT, value: key.port.bigEndian)
            message.put(IPVS_DEST_ATTR_FWD_METHOD, value: configuration.forwarding.rawValue & 0x7)
            message.put(IPVS_DEST_ATTR_WEIGHT, value: UInt32(bitPattern: configuration.weight))
            message.put(IPVS_DEST_ATTR_TUN_TYPE, value: configuration.tunnel.type.rawValue)
            message.put(IPVS_DEST_ATTR_TUN_PORT, value: configuration.tunnel.port.bigEndian)
            message.put(IPVS_DEST_ATTR_TUN_FLAGS, value: configuration.tunnel.checksum.rawValue)
            message.put(IPVS_DEST_ATTR_U_THRESH, value: configuration.upperThreshold)
            message.put(IPVS_DEST_ATTR_L_THRESH, value: configuration.lowerThreshold)
        }
    }

    private static func putDaemon(_ message: inout MessageBuffer, _ daemon: SyncDaemon, full: Bool) {
        message.nest(IPVS_CMD_ATTR_DAEMON) { message in
            message.put(IPVS_DAEMON_ATTR_STATE, value: daemon.role.rawValue)
            putString(&message, IPVS_DAEMON_ATTR_MCAST_IFN, daemon.interface)
            message.put(IPVS_DAEMON_ATTR_SYNC_ID, value: daemon.syncID)
            guard full else { return }
            if let length = daemon.maximumLength { message.put(IPVS_DAEMON_ATTR_SYNC_MAXLEN, value: length) }
            if let port = daemon.port { message.put(IPVS_DAEMON_ATTR_MCAST_PORT, value: port) }
            if let ttl = daemon.ttl { message.put(IPVS_DAEMON_ATTR_MCAST_TTL, value: ttl) }
            switch daemon.group {
            case .v4(let group)?: message.put(IPVS_DAEMON_ATTR_MCAST_GROUP, value: group.bigEndian)
            case let group? where group.family == .inet6:
                group.kernelBytes.withUnsafeBytes { message.put(IPVS_DAEMON_ATTR_MCAST_GROUP6, $0) }
            default: break
            }
        }
    }

    /// A C string attribute, its terminating NUL included, as nla_put_string writes it.
    private static func putString(_ message: inout MessageBuffer, _ type: Int, _ value: String) {
        value.withCString { message.put(type, UnsafeRawBufferPointer(start: $0, count: strlen($0) + 1)) }
    }

    // MARK: Decoding

    private static func decodeService(_ header: UnsafeMutablePointer<nlmsghdr>) -> Service? {
        withAttributeTable(count: CIPVS_CMD_ATTR_COUNT) { command -> Service? in
            guard cipvs_parse_command_reply(header, command) == 0, let nested = command[Int(IPVS_CMD_ATTR_SERVICE)]
            else { return nil }
            return withAttributeTable(count: CIPVS_SVC_ATTR_COUNT) { table -> Service? in
                guard cipvs_parse_service(nested, table) == 0,
                    let familyAttribute = table[Int(IPVS_SVC_ATTR_AF)],
                    let family = AddressFamily(rawValue: nla_get_u16(familyAttribute)),
                    let scheduler = table[Int(IPVS_SVC_ATTR_SCHED_NAME)],
                    let flagsAttribute = table[Int(IPVS_SVC_ATTR_FLAGS)],
                    let timeout = table[Int(IPVS_SVC_ATTR_TIMEOUT)],
                    let netmask = table[Int(IPVS_SVC_ATTR_NETMASK)]
                else { return nil }
                let key: ServiceKey
                if let mark = table[Int(IPVS_SVC_ATTR_FWMARK)] {
                    key = .firewallMark(nla_get_u32(mark), family: family)
                } else if let proto = table[Int(IPVS_SVC_ATTR_PROTOCOL)], let addressAttribute = table[Int(IPVS_SVC_ATTR_ADDR)],
                    let port = table[Int(IPVS_SVC_ATTR_PORT)],
                    let address = IPAddress(family: family, bytes: attributeBytes(addressAttribute))
                {
                    key = .address(IPProtocol(rawValue: nla_get_u16(proto)), address, port: UInt16(bigEndian: nla_get_u16(port)))
                } else {
                    return nil
                }
                var flags = ip_vs_flags()
                _ = nla_memcpy(&flags, flagsAttribute, Int32(MemoryLayout<ip_vs_flags>.size))
                let engine = table[Int(IPVS_SVC_ATTR_PE_NAME)].map { String(cString: nla_get_string($0)) }
                let configuration = ServiceConfiguration(
                    scheduler: SchedulerName(rawValue: String(cString: nla_get_string(scheduler))),
                    flags: ServiceFlags(rawValue: flags.flags & flags.mask),
                    timeout: nla_get_u32(timeout),
                    netmask: PersistenceNetmask(kernelValue: nla_get_u32(netmask), family: family),
                    persistenceEngine: engine)
                let statistics = decodeStatistics(table[Int(IPVS_SVC_ATTR_STATS64)] ?? table[Int(IPVS_SVC_ATTR_STATS)])
                return Service(key: key, configuration: configuration, statistics: statistics)
            }
        }
    }

    static func decodeDestination(_ header: UnsafeMutablePointer<nlmsghdr>, serviceFamily: AddressFamily)
        -> Destination?
    {
        withAttributeTable(count: CIPVS_CMD_ATTR_COUNT) { command -> Destination? in
            guard cipvs_parse_command_reply(header, command) == 0, let nested = command[Int(IPVS_CMD_ATTR_DEST)]
            else { return nil }
            return withAttributeTable(count: CIPVS_DEST_ATTR_COUNT) { table -> Destination? in
                guard cipvs_parse_destination(nested, table) == 0,
                    let addressAttribute = table[Int(IPVS_DEST_ATTR_ADDR)],
                    let port = table[Int(IPVS_DEST_ATTR_PORT)],
                    let forwarding = table[Int(IPVS_DEST_ATTR_FWD_METHOD)],
                    let weight = table[Int(IPVS_DEST_ATTR_WEIGHT)],
                    let upper = table[Int(IPVS_DEST_ATTR_U_THRESH)],
                    let lower = table[Int(IPVS_DEST_ATTR_L_THRESH)],
                    let active = table[Int(IPVS_DEST_ATTR_ACTIVE_CONNS)],
                    let inactive = table[Int(IPVS_DEST_ATTR_INACT_CONNS)],
                    let persistent = table[Int(IPVS_DEST_ATTR_PERSIST_CONNS)]
                else { return nil }
                let family = table[Int(IPVS_DEST_ATTR_ADDR_FAMILY)].flatMap { AddressFamily(rawValue: nla_get_u16($0)) }
                    ?? serviceFamily
                guard let address = IPAddress(family: family, bytes: attributeBytes(addressAttribute)) else { return nil }
                let tunnel = TunnelSettings(
                    type: TunnelType(rawValue: table[Int(IPVS_DEST_ATTR_TUN_TYPE)].map { nla_get_u8($0) } ?? 0),
                    port: UInt16(bigEndian: table[Int(IPVS_DEST_ATTR_TUN_PORT)].map { nla_get_u16($0) } ?? 0),
                    checksum: TunnelChecksum(rawValue: table[Int(IPVS_DEST_ATTR_TUN_FLAGS)].map { nla_get_u16($0) } ?? 0))
                let configuration = DestinationConfiguration(
                    forwarding: ForwardingMethod(rawValue: nla_get_u32(forwarding)),
                    weight: Int32(bitPattern: nla_get_u32(weight)),
                    upperThreshold: nla_get_u32(upper), lowerThreshold: nla_get_u32(lower), tunnel: tunnel)
                return Destination(
                    key: DestinationKey(address: address, port: UInt16(bigEndian: nla_get_u16(port))),
                    configuration: configuration,
                    connections: ConnectionCounts(
                        active: nla_get_u32(active), inactive: nla_get_u32(inactive), persistent: nla_get_u32(persistent)),
                    statistics: decodeStatistics(table[Int(IPVS_DEST_ATTR_STATS64)] ?? table[Int(IPVS_DEST_ATTR_STATS)]))
            }
        }
    }

    private static func decodeStatistics(_ nested: UnsafeMutablePointer<nlattr>?) -> Statistics {
        var statistics = Statistics()
        guard let nested else { return statistics }
        withAttributeTable(count: CIPVS_STATS_ATTR_COUNT) { table in
            guard cipvs_parse_stats(nested, table) == 0 else { return }
            func value(_ index: Int) -> UInt64 { table[index].map { cipvs_attribute_unsigned($0) } ?? 0 }
            statistics.connections = value(Int(IPVS_STATS_ATTR_CONNS))
            statistics.incomingPackets = value(Int(IPVS_STATS_ATTR_INPKTS))
            statistics.outgoingPackets = value(Int(IPVS_STATS_ATTR_OUTPKTS))
            statistics.incomingBytes = value(Int(IPVS_STATS_ATTR_INBYTES))
            statistics.outgoingBytes = value(Int(IPVS_STATS_ATTR_OUTBYTES))
            statistics.connectionsPerSecond = value(Int(IPVS_STATS_ATTR_CPS))
            statistics.incomingPacketsPerSecond = value(Int(IPVS_STATS_ATTR_INPPS))
            statistics.outgoingPacketsPerSecond = value(Int(IPVS_STATS_ATTR_OUTPPS))
            statistics.incomingBytesPerSecond = value(Int(IPVS_STATS_ATTR_INBPS))
            statistics.outgoingBytesPerSecond = value(Int(IPVS_STATS_ATTR_OUTBPS))
        }
        return statistics
    }

    private static func decodeDaemon(_ header: UnsafeMutablePointer<nlmsghdr>) -> SyncDaemon? {
        withAttributeTable(count: CIPVS_CMD_ATTR_COUNT) { command -> SyncDaemon? in
            guard cipvs_parse_command_reply(header, command) == 0, let nested = command[Int(IPVS_CMD_ATTR_DAEMON)]
            else { return nil }
            return withAttributeTable(count: CIPVS_DAEMON_ATTR_COUNT) { table -> SyncDaemon? in
                guard cipvs_parse_daemon(nested, table) == 0,
                    let state = table[Int(IPVS_DAEMON_ATTR_STATE)],
                    let role = SyncDaemonRole(rawValue: nla_get_u32(state) & 0x3),
                    let interface = table[Int(IPVS_DAEMON_ATTR_MCAST_IFN)],
                    let syncID = table[Int(IPVS_DAEMON_ATTR_SYNC_ID)]
                else { return nil }
                var daemon = SyncDaemon(
                    role: role, interface: String(cString: nla_get_string(interface)), syncID: nla_get_u32(syncID))
                daemon.maximumLength = table[Int(IPVS_DAEMON_ATTR_SYNC_MAXLEN)].map { nla_get_u16($0) }
                daemon.port = table[Int(IPVS_DAEMON_ATTR_MCAST_PORT)].map { nla_get_u16($0) }
                daemon.ttl = table[Int(IPVS_DAEMON_ATTR_MCAST_TTL)].map { nla_get_u8($0) }
                if let group = table[Int(IPVS_DAEMON_ATTR_MCAST_GROUP)] {
                    daemon.group = .v4(UInt32(bigEndian: nla_get_u32(group)))
                } else if let group = table[Int(IPVS_DAEMON_ATTR_MCAST_GROUP6)] {
                    daemon.group = IPAddress(family: .inet6, bytes: attributeBytes(group))
                }
                return daemon
            }
        }
    }
}

/// Holds the reply handler of the request in flight, for the C callback to reach.
private final class ReplyCollector {
    let handle: (UnsafeMutablePointer<nlmsghdr>) -> Void
    init(_ handle: @escaping (UnsafeMutablePointer<nlmsghdr>) -> Void) { self.handle = handle }
}

private let deliverReply: nl_recvmsg_msg_cb_t = { message, context in
    guard let message, let context, let header = nlmsg_hdr(message) else { return Int32(NL_SKIP.rawValue) }
    Unmanaged<ReplyCollector>.fromOpaque(context).takeUnretainedValue().handle(header)
    return Int32(NL_OK.rawValue)
}

private func withAttributeTable<Count: BinaryInteger, Result>(
    count: Count, _ body: (UnsafeMutablePointer<UnsafeMutablePointer<nlattr>?>) -> Result
) -> Result {
    withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<nlattr>?.self, capacity: Int(count)) { table in
        table.initialize(repeating: nil)
        return body(table.baseAddress!)
    }
}

private func attributeBytes(_ attribute: UnsafeMutablePointer<nlattr>) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: nla_data(attribute), count: Int(nla_len(attribute)))
}
