import CIPVSShim
import CNetlink

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Which requests of a chunk `RequestEncoding.encodeChunk` wrote, and how they are numbered.
struct EncodedChunk {
    /// Indices into the requests of those written, in order; the others overflowed.
    var indices: [Int] = []
    /// The sequence number of the first written; the others follow it one by one.
    var firstSequence: UInt32 = 0
    /// The sequence number of the last written: the one that asks for the ack.
    var lastSequence: UInt32 = 0
}

/// IPVS requests as the kernel's generic-netlink family reads them: a command and its
/// attributes, written into a `MessageBuffer`.
enum RequestEncoding {
    /// Writes `requests[range]` into `buffer`, one message each, as messages of `family`
    /// from `port` numbered by `nextSequence`. A request whose encoding does not fit
    /// netlink's 16-bit lengths is left out, with ENOMEM in `results`. Only the last
    /// message written asks for an ack: the kernel answers failed requests anyway, and
    /// that one ack (or error) tells that it has been through the whole datagram. The
    /// flag is set once the last request is known to fit, for otherwise no message of
    /// the datagram would ask for one and the reader would wait for a reply never sent.
    static func encodeChunk(
        _ requests: [IPVSRequest], _ range: Range<Int>, family: UInt16, port: UInt32,
        into buffer: inout MessageBuffer, results: inout [IPVSError?], nextSequence: () -> UInt32
    ) -> EncodedChunk {
        var chunk = EncodedChunk()
        chunk.indices.reserveCapacity(range.count)
        for index in range {
            let request = requests[index]
            buffer.beginMessage(family: family, flags: 0, port: port, command: command(for: request))
            encode(request, into: &buffer)
            if buffer.overflowed {
                buffer.discardMessage()
                results[index] = IPVSError(request.operation, code: ENOMEM)
                continue
            }
            // Numbered only once complete, so that a request left out leaves no gap.
            let sequence = nextSequence()
            buffer.endMessage(sequence: sequence)
            if chunk.indices.isEmpty { chunk.firstSequence = sequence }
            chunk.lastSequence = sequence
            chunk.indices.append(index)
        }
        if !chunk.indices.isEmpty { buffer.addFlagsToLastMessage(NLM_F_ACK) }
        return chunk
    }

    static func command(for request: IPVSRequest) -> Int {
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

    /// Writes the attributes of `request` into the message begun last.
    static func encode(_ request: IPVSRequest, into message: inout MessageBuffer) {
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

    /// The service nest: its key, and with a configuration everything -A/-E set.
    static func putService(
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
            message.put(IPVS_DEST_ATTR_FWD_METHOD, value: configuration.forwarding.rawValue & ForwardingMethod.mask)
            message.put(IPVS_DEST_ATTR_WEIGHT, value: UInt32(bitPattern: configuration.weight))
            message.put(IPVS_DEST_ATTR_TUN_TYPE, value: configuration.tunnel.type.rawValue)
            message.put(IPVS_DEST_ATTR_TUN_PORT, value: configuration.tunnel.port.bigEndian)
            message.put(IPVS_DEST_ATTR_TUN_FLAGS, value: configuration.tunnel.checksum.rawValue)
            message.put(IPVS_DEST_ATTR_U_THRESH, value: configuration.upperThreshold)
            message.put(IPVS_DEST_ATTR_L_THRESH, value: configuration.lowerThreshold)
        }
    }

    /// The daemon nest; stopping a daemon names it by state, interface and sync ID only.
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
}
