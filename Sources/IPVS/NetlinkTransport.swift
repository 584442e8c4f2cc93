import CIPVSShim
import CNetlink

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One generic-netlink socket talking to one family: sends requests written into a
/// `MessageBuffer`, one at a time or a chunk to a datagram, and reads the answers,
/// data messages to the caller, acks and kernel errors (raw errnos) to its reply log.
final class NetlinkTransport {
    /// Requests per sendmsg in a batch: enough to amortise the system call, few enough
    /// that the error replies of a whole chunk fit the receive buffer.
    static let chunkSize = 256

    private let socket: OpaquePointer
    private let callbacks: OpaquePointer
    /// The family's number, resolved by name.
    let family: UInt16
    private let replyLog: UnsafeMutablePointer<cipvs_reply_log>
    /// Room for the kernel's error replies to one chunk.
    private let errorRecords: UnsafeMutablePointer<cipvs_error_record>

    /// Opens and connects the socket and resolves the family `name`. Throws
    /// `.initialize` with the errno of the step that failed; ENOENT when the kernel has
    /// no such family.
    init(family name: String) throws(IPVSError) {
        guard let socket = nl_socket_alloc() else { throw IPVSError(.initialize, code: ENOMEM) }
        guard let callbacks = nl_cb_alloc(NL_CB_DEFAULT) else {
            nl_socket_free(socket)
            throw IPVSError(.initialize, code: ENOMEM)
        }
        // From here on a throw runs deinit, which frees all of it.
        self.socket = socket
        self.callbacks = callbacks
        replyLog = .allocate(capacity: 1)
        replyLog.initialize(to: cipvs_reply_log())
        errorRecords = .allocate(capacity: Self.chunkSize)
        errno = 0
        let connected = genl_connect(socket)
        // libnl folds many errnos into one of its codes (EMFILE into "failure"): the
        // socket layer's own errno, where it set one, says more.
        let connectErrno = errno
        let resolved = connected < 0 ? connected : genl_ctrl_resolve(socket, name)
        family = UInt16(truncatingIfNeeded: max(resolved, 0))
        if connected < 0 {
            throw connectErrno != 0
                ? IPVSError(.initialize, code: connectErrno) : Self.error(fromLibnl: connected, .initialize)
        }
        try Self.check(resolved, .initialize)
        // Acks are asked for per message (NLM_F_ACK), so batches can skip them.
        nl_socket_disable_auto_ack(socket)
        try Self.check(cipvs_install_reply_handlers(callbacks, replyLog), .initialize)
        try Self.prepareForBatches(nl_socket_get_fd(socket))
    }

    /// A batch whose requests all fail gets one error reply per request, all queued while
    /// the kernel works through the datagram: keep those replies small (just the header
    /// of the failed request) and give them room, so none is dropped. A receive timeout
    /// turns a lost reply into an error instead of a hang, so it must be in place too.
    private static func prepareForBatches(_ descriptor: Int32) throws(IPVSError) {
        func set<Value: BitwiseCopyable>(_ level: Int32, _ option: Int32, _ value: Value) -> Bool {
            var value = value
            return setsockopt(descriptor, level, option, &value, socklen_t(MemoryLayout<Value>.size)) == 0
        }
        guard set(SOL_NETLINK, NETLINK_CAP_ACK, Int32(1)) else { throw IPVSError(.initialize, code: errno) }
        // SO_RCVBUFFORCE passes the system's limit but needs CAP_NET_ADMIN; SO_RCVBUF
        // gets what the limit allows.
        let size = Int32(8 << 20)
        guard set(SOL_SOCKET, SO_RCVBUFFORCE, size) || set(SOL_SOCKET, SO_RCVBUF, size) else {
            throw IPVSError(.initialize, code: errno)
        }
        guard set(SOL_SOCKET, SO_RCVTIMEO, timeval(tv_sec: 60, tv_usec: 0)) else {
            throw IPVSError(.initialize, code: errno)
        }
    }

    deinit {
        nl_socket_free(socket)
        nl_cb_put(callbacks)
        replyLog.deallocate()
        errorRecords.deallocate()
    }

    // MARK: One request

    /// Sends one request and reads its replies, handing each data message to `reply`.
    /// A dump ends with NLMSG_DONE; anything else with the kernel's ack or error.
    func request(
        command: Int, operation: IPVSOperation, dump: Bool,
        encode: (inout MessageBuffer) -> Void,
        reply: (UnsafeMutablePointer<nlmsghdr>) -> Void
    ) throws(IPVSError) {
        var message = MessageBuffer()
        message.beginMessage(family: family, flags: dump ? NLM_F_DUMP : NLM_F_ACK, port: localPort, command: command)
        encode(&message)
        if message.overflowed { throw IPVSError(operation, code: ENOMEM) }
        message.endMessage(sequence: nextSequence())
        resetLog(keepGoing: false, recordErrors: false)
        try Self.check(
            message.withBytes { nl_sendto(socket, UnsafeMutableRawPointer(mutating: $0.baseAddress), $0.count) },
            operation)
        try withoutActuallyEscaping(reply) { (reply) throws(IPVSError) in
            let collector = ReplyCollector(reply)
            let context = Unmanaged.passUnretained(collector).toOpaque()
            try Self.check(nl_cb_set(callbacks, NL_CB_VALID, NL_CB_CUSTOM, deliverReply, context), operation)
            // Cannot fail: the same type and kind were just accepted.
            defer { nl_cb_set(callbacks, NL_CB_VALID, NL_CB_DEFAULT, nil, nil) }
            repeat {
                let received = nl_recvmsgs(socket, callbacks)
                let receiveErrno = errno
                if replyLog.pointee.last_error != 0 {
                    throw IPVSError(operation, code: -replyLog.pointee.last_error)
                }
                if received < 0 {
                    discardPendingReplies()
                    throw Self.error(fromLibnl: received, operation, systemErrno: receiveErrno)
                }
            } while !dump && replyLog.pointee.acks == 0
        }
    }

    // MARK: Batches

    /// Sends `requests[range]` in one datagram and records each one's outcome in
    /// `results` (left nil for success). The kernel answers each failed request with
    /// its sequence number, and the last one encoded asks for an ack: its ack or error
    /// tells that the whole chunk has been processed.
    func sendChunk(_ requests: [IPVSRequest], _ range: Range<Int>, into results: inout [IPVSError?]) {
        var buffer = MessageBuffer(capacity: range.count * 160)
        let chunk = RequestEncoding.encodeChunk(
            requests, range, family: family, port: localPort, into: &buffer, results: &results,
            nextSequence: nextSequence)
        guard let firstIndex = chunk.indices.first else { return }
        resetLog(keepGoing: true, recordErrors: true)
        let sent = buffer.withBytes {
            nl_sendto(socket, UnsafeMutableRawPointer(mutating: $0.baseAddress), $0.count)
        }
        var failure: IPVSError?
        if sent < 0 {
            failure = Self.error(fromLibnl: sent, requests[firstIndex].operation)
        } else {
            // The kernel handles a datagram's messages in order, so an error for the last
            // one ends the chunk as its ack would.
            while replyLog.pointee.acks == 0 && !lastErrorAnswers(chunk.lastSequence) {
                let received = nl_recvmsgs(socket, callbacks)
                if received < 0 {
                    failure = Self.error(fromLibnl: received, requests[firstIndex].operation, systemErrno: errno)
                    break
                }
            }
        }
        let recorded = UnsafeBufferPointer(start: errorRecords, count: replyLog.pointee.error_count)
        for record in recorded {
            let offset = Int(record.sequence &- chunk.firstSequence)
            guard offset >= 0, offset < chunk.indices.count else { continue }
            let index = chunk.indices[offset]
            results[index] = IPVSError(requests[index].operation, code: -record.error)
        }
        if let failure {
            discardPendingReplies()
            for index in chunk.indices where results[index] == nil { results[index] = failure }
        }
    }

    private func lastErrorAnswers(_ sequence: UInt32) -> Bool {
        let count = replyLog.pointee.error_count
        return count > 0 && errorRecords[count - 1].sequence == sequence
    }

    // MARK: Replies

    private func resetLog(keepGoing: Bool, recordErrors: Bool) {
        replyLog.pointee = cipvs_reply_log(
            errors: recordErrors ? errorRecords : nil, error_capacity: recordErrors ? Self.chunkSize : 0,
            error_count: 0, errors_dropped: 0, acks: 0, last_error: 0, keep_going: keepGoing ? 1 : 0)
    }

    /// Throws away replies still queued after a failed exchange, so that they cannot be
    /// taken for the answers to the next request.
    private func discardPendingReplies() {
        let descriptor = nl_socket_get_fd(socket)
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        while scratch.withUnsafeMutableBytes({ recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }) >= 0 {}
    }

    /// The port requests come from, for their headers.
    private var localPort: UInt32 { nl_socket_get_local_port(socket) }

    /// The next sequence number, as libnl numbers what it sends itself.
    private func nextSequence() -> UInt32 { nl_socket_use_seq(socket) }

    // MARK: Errors

    /// The one place libnl's return codes become errors.
    private static func check(_ result: Int32, _ operation: IPVSOperation) throws(IPVSError) {
        if result < 0 { throw error(fromLibnl: result, operation) }
    }

    /// `systemErrno`, the errno right after the failed libnl call, tells apart what
    /// libnl folds into one code: ENOBUFS (the socket's receive buffer overran, so
    /// replies were lost) becomes NLE_NOMEM, as a failed allocation does.
    static func error(fromLibnl result: Int32, _ operation: IPVSOperation, systemErrno: Int32 = 0) -> IPVSError {
        let code: Int32
        switch -result {
        case NLE_NOMEM: code = systemErrno == ENOBUFS ? ENOBUFS : ENOMEM
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
