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
    private let transport: NetlinkTransport

    /// Opens the socket and resolves the IPVS family.
    /// Throws `.initialize` with the errno of what failed: the socket layer's when the
    /// socket cannot be opened or set up, ENOENT when the kernel has no IPVS family.
    public init() throws(IPVSError) {
        transport = try NetlinkTransport(family: IPVS_GENL_NAME)
    }

    // MARK: Reading

    /// IPVS's version and connection table size.
    public func info() throws(IPVSError) -> IPVSInfo {
        try readOne(IPVS_CMD_GET_INFO, .getInfo, decode: ReplyDecoding.info)
    }

    public func services() throws(IPVSError) -> [Service] {
        try read(IPVS_CMD_GET_SERVICE, .listServices, dump: true, decode: ReplyDecoding.service)
    }

    /// The service dump decoded message by message. Unlike `services()` it is not read
    /// again when the receive buffer overruns (what was handed over cannot be taken back):
    /// the ENOBUFS is thrown.
    public func services(_ each: (Service) -> Void) throws(IPVSError) {
        var malformed = false
        try transport.request(command: IPVS_CMD_GET_SERVICE, operation: .listServices, dump: true, encode: { _ in }) {
            if let service = ReplyDecoding.service($0) { each(service) } else { malformed = true }
        }
        if malformed { throw IPVSError(.listServices, code: EBADMSG) }
    }

    public func service(_ key: ServiceKey) throws(IPVSError) -> Service {
        try readOne(
            IPVS_CMD_GET_SERVICE, .getService, encode: { RequestEncoding.putService(&$0, key, nil) },
            decode: ReplyDecoding.service)
    }

    public func destinations(of service: ServiceKey) throws(IPVSError) -> [Destination] {
        try read(
            IPVS_CMD_GET_DEST, .listDestinations, dump: true, encode: { RequestEncoding.putService(&$0, service, nil) },
            decode: { ReplyDecoding.destination($0, serviceFamily: service.family) })
    }

    /// Reads every other service's real servers on a second socket, on a thread of its
    /// own: the decoding of one dump then overlaps the kernel's work on the next (the
    /// kernel serialises the dumps themselves). Falls back to one at a time where no
    /// thread or second socket can be had.
    public func destinations(
        ofEach services: [ServiceKey], _ each: (ServiceKey, [Destination]) throws(IPVSError) -> Void
    ) throws(IPVSError) {
        guard services.count >= Self.parallelThreshold, let helper = DestinationPrefetch(services) else {
            for service in services { try each(service, try destinations(of: service)) }
            return
        }
        var pending: [Result<[Destination], IPVSError>] = []
        var pendingStart = 0
        var helperDone = false
        for (index, service) in services.enumerated() {
            if index % 2 == 0 {
                try each(service, try destinations(of: service))
                continue
            }
            // The helper's answers come in order: one per odd index.
            while pendingStart == pending.count && !helperDone {
                pending.removeAll(keepingCapacity: true)
                pendingStart = 0
                if let batches = helper.receiver.take() {
                    for batch in batches { pending += batch }
                } else {
                    helperDone = true
                }
            }
            if pendingStart < pending.count {
                let result = pending[pendingStart]
                pendingStart += 1
                try each(service, try result.get())
            } else {
                try each(service, try destinations(of: service))  // the helper stopped early
            }
        }
    }

    /// Below this many services a second socket is not worth its set-up.
    static let parallelThreshold = 16

    /// `services()`, with the real servers of as many services as the kernel's one-pass
    /// text listing (/proc/thread-self/net/ip_vs: the namespace of the calling thread,
    /// which must be the one that created the client) covers, handed to `each` as they are read, on the calling thread. The listing
    /// has of each real server only its address, port, forwarding method, weight and
    /// connection counts, and leaves services out (see below); a service `each` never
    /// hears of needs `destinations(of:)`. On a large table this costs one read instead of
    /// one netlink dump per service, and the read runs on a second thread, overlapping
    /// the service dump and whatever `each` does.
    ///
    /// Left out: fwmark services whose mark two families share (the listing does not
    /// tell the family), services with a line the reader cannot take whole, and services
    /// the kernel's listing skips when other network namespaces change their tables.
    public func services(
        summarizingDestinations each: (_ service: ServiceKey, _ destinations: [DestinationSummary]) -> Void
    ) throws(IPVSError) -> [Service] {
        guard let reader = TableListing.Reader.start() else { return try services() }
        // What the listing has read so far is taken between the service dump's messages:
        // it never piles up while the dump runs, and `each` can keep it compact.
        var services: [Service] = []
        var messagesSinceLook = 0
        do {
            try self.services { service in
                services.append(service)
                messagesSinceLook += 1
                guard messagesSinceLook == Self.messagesBetweenLooks else { return }
                messagesSinceLook = 0
                for entry in reader.ready() { each(entry.service, entry.destinations) }
            }
        } catch {
            reader.stop()
            throw error
        }
        while let entries = reader.next() {
            for entry in entries { each(entry.service, entry.destinations) }
        }
        return services
    }

    /// How many service messages are decoded between looks at the listing's progress.
    private static let messagesBetweenLooks = 256

    /// The connection timeouts; one the kernel does not report (a protocol it was built
    /// without) reads 0, as in ipvsadm.
    public func timeouts() throws(IPVSError) -> Timeouts {
        try readOne(IPVS_CMD_GET_CONFIG, .getTimeouts, decode: ReplyDecoding.timeouts)
    }

    /// The running connection-sync daemons, master first when both run.
    public func daemons() throws(IPVSError) -> [SyncDaemon] {
        try read(IPVS_CMD_GET_DAEMON, .getDaemons, dump: true, decode: ReplyDecoding.daemon)
    }

    /// Sends one read request and decodes each data message of the answer; a malformed
    /// one fails the read with EBADMSG (see `DecodedReplies`).
    private func read<Element>(
        _ command: Int, _ operation: IPVSOperation, dump: Bool,
        encode: (inout MessageBuffer) -> Void = { _ in },
        decode: (UnsafeMutablePointer<nlmsghdr>) -> Element?
    ) throws(IPVSError) -> [Element] {
        try replies(command, operation, dump: dump, encode: encode, decode: decode).all(operation)
    }

    /// `read` for a request the kernel answers with exactly one message.
    private func readOne<Element>(
        _ command: Int, _ operation: IPVSOperation,
        encode: (inout MessageBuffer) -> Void = { _ in },
        decode: (UnsafeMutablePointer<nlmsghdr>) -> Element?
    ) throws(IPVSError) -> Element {
        try replies(command, operation, dump: false, encode: encode, decode: decode).single(operation)
    }

    private func replies<Element>(
        _ command: Int, _ operation: IPVSOperation, dump: Bool, encode: (inout MessageBuffer) -> Void,
        decode: (UnsafeMutablePointer<nlmsghdr>) -> Element?
    ) throws(IPVSError) -> DecodedReplies<Element> {
        try Self.wholeDump(dump) { () throws(IPVSError) in
            var replies = DecodedReplies<Element>()
            try transport.request(command: command, operation: operation, dump: dump, encode: encode) { header in
                replies.add(decode(header))
            }
            return replies
        }
    }

    /// Times a dump is asked for when its answer overruns the socket's receive buffer.
    static let dumpAttempts = 3

    /// Runs `read` (one request and its answer, decoded) again from the start when a dump
    /// fails with ENOBUFS: the kernel dropped part of the answer, so what was decoded is
    /// not the whole table and is thrown away. After `dumpAttempts` the error stands, so
    /// a listing fails rather than shows part of the table as all of it.
    static func wholeDump<Answer>(
        _ dump: Bool, attempts: Int = dumpAttempts, _ read: () throws(IPVSError) -> Answer
    ) throws(IPVSError) -> Answer {
        var attempt = 1
        while true {
            do {
                return try read()
            } catch where dump && error.code == ENOBUFS && attempt < attempts {
                attempt += 1
            }
        }
    }

    // MARK: Changing

    public func perform(_ request: IPVSRequest) throws(IPVSError) {
        try transport.request(
            command: RequestEncoding.command(for: request), operation: request.operation, dump: false,
            encode: { RequestEncoding.encode(request, into: &$0) }, reply: { _ in })
    }

    /// Sends the requests many to a sendmsg, asking the kernel to acknowledge only the
    /// last of each chunk: the kernel answers every failed request anyway, with its
    /// sequence number, so one ack tells that the whole chunk has been processed.
    public func perform(batch requests: [IPVSRequest]) -> [IPVSError?] {
        var results = [IPVSError?](repeating: nil, count: requests.count)
        var start = 0
        while start < requests.count {
            let end = min(start + NetlinkTransport.chunkSize, requests.count)
            transport.sendChunk(requests, start..<end, into: &results)
            start = end
        }
        return results
    }
}

/// The second reader of `IPVSClient.destinations(ofEach:)`: a thread with a client of its
/// own reading the real servers of the services at odd positions, in order, a bounded
/// number ahead. When it goes away the queue is stopped and the thread joined.
private struct DestinationPrefetch: ~Copyable {
    let receiver: HandoffReceiver<Result<[Destination], IPVSError>>
    private let thread: ThreadHandle

    /// Results queued before the thread waits: bounds the memory held.
    private static let capacity = 64

    init?(_ services: [ServiceKey]) {
        let receiver = HandoffReceiver<Result<[Destination], IPVSError>>(capacity: Self.capacity)
        let sender = receiver.sender
        // The thread starts in this thread's network namespace, so its socket does too.
        guard let thread = ThreadHandle.start({
            defer { sender.finish() }
            guard let client = try? IPVSClient() else { return }
            for index in stride(from: 1, to: services.count, by: 2) {
                let result: Result<[Destination], IPVSError>
                do throws(IPVSError) {
                    result = .success(try client.destinations(of: services[index]))
                } catch {
                    result = .failure(error)
                }
                guard sender.put([result]) else { return }
            }
        }) else { return nil }
        self.receiver = receiver
        self.thread = thread
    }

    deinit {
        receiver.stop()  // a thread waiting for room is let go before the join
    }
}
