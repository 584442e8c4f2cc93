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
        let services: [Service]
        do {
            services = try self.services()
        } catch {
            reader.stop()
            throw error
        }
        while let entries = reader.next() {
            for entry in entries { each(entry.service, entry.destinations) }
        }
        return services
    }

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
        var replies = DecodedReplies<Element>()
        try transport.request(command: command, operation: operation, dump: dump, encode: encode) { header in
            replies.add(decode(header))
        }
        return replies
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
