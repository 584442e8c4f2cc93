import IPVS
import Testing

@testable import IPVSAdmin

/// A table that answers as the kernel's resumed dumps can while another network
/// namespace changes its table: services and real servers come more than once.
final class RepeatingTable: IPVSControl, SummarizingControl {
    let table: FakeIPVS

    init(_ table: FakeIPVS) { self.table = table }

    /// Every entry again after the first, and the first once more at the end (a second
    /// copy of a repeated service may differ: counters go on meanwhile).
    private static func repeated<T>(_ elements: [T], changing change: (inout T) -> Void = { _ in }) -> [T] {
        guard let first = elements.first else { return elements }
        var again = elements.dropFirst().map { $0 }
        for index in again.indices { change(&again[index]) }
        var last = first
        change(&last)
        return [first] + elements.dropFirst() + again + [last]
    }

    func info() throws(IPVSError) -> IPVSInfo { try table.info() }
    func services() throws(IPVSError) -> [Service] {
        Self.repeated(try table.services()) { $0.statistics.connections += 1 }
    }
    func service(_ key: ServiceKey) throws(IPVSError) -> Service { try table.service(key) }
    func destinations(of service: ServiceKey) throws(IPVSError) -> [Destination] {
        Self.repeated(try table.destinations(of: service)) { $0.configuration.weight += 100 }
    }
    func timeouts() throws(IPVSError) -> Timeouts { try table.timeouts() }
    func daemons() throws(IPVSError) -> [SyncDaemon] { try table.daemons() }
    func perform(_ request: IPVSRequest) throws(IPVSError) { try table.perform(request) }

    func services(
        summarizingDestinations each: (_ service: ServiceKey, _ destinations: [DestinationSummary]) -> Void
    ) throws(IPVSError) -> [Service] {
        let services = try self.services()
        let summaries = table.destinationSummaries() ?? [:]
        for _ in 0..<2 {
            for (service, destinations) in summaries {
                each(service, Self.repeated(destinations) { $0.weight += 100 })
            }
        }
        return services
    }
}

@Suite("Duplicate listings")
struct DuplicateListingTests {
    static func table(summaries: Bool) -> FakeIPVS {
        let fake = FakeIPVS()
        fake.offersSummaries = summaries
        for line in [
            "-A -t 10.0.0.1:80 -s rr", "-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m", "-a -t 10.0.0.1:80 -r 10.0.1.2:80 -m",
            "-a -t 10.0.0.1:80 -r 10.0.1.3:80 -m", "-A -u 10.0.0.2:53", "-a -u 10.0.0.2:53 -r 10.0.1.4:53",
            "-A -f 7 -s sh", "-A -t 10.0.0.3:80",
        ] {
            #expect(invoke(fake, words(line)).status == 0)
        }
        return fake
    }

    @Test(arguments: [
        "-L -n", "-L -n --stats", "-L -n --rate", "-L -n --thresholds", "-L -n --persistent-conn", "-L -n --nosort",
        "-L -n --exact", "-L -n --tun-info", "-S -n", "-S", "-L", "-L -n -t 10.0.0.1:80", "-L -n -u 10.0.0.2:53",
        "",
    ])
    func eachServiceAndRealServerIsListedOnceAsFirstSeen(_ line: String) {
        for summaries in [false, true] {
            let fake = Self.table(summaries: summaries)
            let expected = invoke(fake, words(line))
            let repeated = invoke(RepeatingTable(fake), words(line))
            #expect(expected.status == 0)
            #expect(repeated.output == expected.output, "summaries: \(summaries)")
            #expect(repeated.errors == expected.errors)
            #expect(repeated.status == expected.status)
        }
    }

    @Test func theTestDoubleDoesRepeat() throws {
        let fake = Self.table(summaries: false)
        let services = try RepeatingTable(fake).services()
        #expect(services.count == 2 * (try fake.services().count))
        #expect(Set(services.map(\.key)).count == (try fake.services().count))
    }
}
