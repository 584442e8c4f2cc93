import Glibc
import IPVS
import Testing

@testable import IPVSAdmin

/// Runs one invocation against a table; what it wrote and its exit status.
struct Invocation {
    let output: String
    let errors: String
    let status: Int32
}

func invoke(
    _ control: IPVSControl, _ arguments: [String], program: String = "ipvsadm",
    info: IPVSInfo = IPVSInfo(version: 0x01_02_01, connectionTableSize: 4096), stdin: String = "",
    connections: String? = nil
) -> Invocation {
    let output = TextOutput()
    let errors = TextOutput()
    let session = AdminSession(
        control: control, info: info, program: program, output: output, errors: errors,
        restoreInput: .bytes(Array(stdin.utf8)), readConnections: connectionReader(connections.map { Array($0.utf8) }))
    let status = session.run(arguments)
    return Invocation(output: output.text, errors: errors.text, status: status)
}

/// A table whose services list fine but whose real servers vanish from the nth request
/// on (a service deleted by someone else between ipvsadm's two requests).
final class VanishingDestinations: IPVSControl {
    let table: FakeIPVS
    var failFrom: Int
    private var calls = 0

    init(_ table: FakeIPVS, failFrom: Int) {
        self.table = table
        self.failFrom = failFrom
    }

    func info() throws(IPVSError) -> IPVSInfo { try table.info() }
    func services() throws(IPVSError) -> [Service] { try table.services() }
    func service(_ key: ServiceKey) throws(IPVSError) -> Service { try table.service(key) }
    func destinations(of service: ServiceKey) throws(IPVSError) -> [Destination] {
        calls += 1
        if calls >= failFrom { throw IPVSError(.listDestinations, code: ESRCH) }
        return try table.destinations(of: service)
    }
    func timeouts() throws(IPVSError) -> Timeouts { try table.timeouts() }
    func daemons() throws(IPVSError) -> [SyncDaemon] { try table.daemons() }
    func perform(_ request: IPVSRequest) throws(IPVSError) { try table.perform(request) }
}

@Suite("AdminSession")
struct AdminSessionTests {
    static let title = "Prot LocalAddress:Port Scheduler Flags\n"
        + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
    static let version = "IP Virtual Server version 1.2.1 (size=4096)\n"

    @Test func commandsReachTheTableAsRequests() {
        let fake = FakeIPVS()
        #expect(invoke(fake, words("-A -t 10.0.0.1:80 -s rr")).status == 0)
        #expect(invoke(fake, words("-a -t 10.0.0.1:80 -r 192.168.1.2:8080 -m -w 2")).status == 0)
        #expect(invoke(fake, words("--set 1 2 3")).status == 0)
        #expect(invoke(fake, words("-Z")).status == 0)
        #expect(invoke(fake, words("--start-daemon backup")).status == 0)
        #expect(invoke(fake, words("-L -n")).status == 0)
        #expect(fake.requests == [
            .addService(tcp("10.0.0.1", 80), config("rr")),
            .addDestination(server("192.168.1.2", 8080), dest(.masquerading, weight: 2), service: tcp("10.0.0.1", 80)),
            .setTimeouts(Timeouts(tcp: 1, tcpFin: 2, udp: 3)),
            .zero(nil),
            .startDaemon(SyncDaemon(role: .backup, interface: "eth0")),
        ])
    }

    @Test func usageErrorsChangeNothing() {
        let fake = FakeIPVS()
        let result = invoke(fake, words("-A -t 10.0.0.1:80 -w 2"))
        #expect(result.status == 2)
        #expect(result.errors == "Illegal 'weight' option with the 'add-service' command\n")
        #expect(result.output == "")
        #expect(fake.requests.isEmpty)
        let sixBeforeF = invoke(fake, words("-A -6 -f 1"))
        #expect(sixBeforeF.errors == "-6 used before -f\n\n")
        #expect(sixBeforeF.status == 2)
    }

    @Test func aNonRootUserIsToldSo() {
        let fake = FakeIPVS()
        fake.failEverythingWith = EPERM
        let add = invoke(fake, words("-A -t 10.0.0.1:80"))
        #expect(add.errors == "Permission denied (you must be root)\n")
        #expect(add.output == "")
        #expect(add.status == 255)
        // Listing fails after the version line is out, with status 1.
        let list = invoke(fake, words("-L -n"))
        #expect(list.output == Self.version)
        #expect(list.errors == "Permission denied (you must be root)\n")
        #expect(list.status == 1)
        let bare = invoke(fake, [])
        #expect(bare.output == Self.version)
        #expect(bare.status == 1)
        let save = invoke(fake, words("-S -n"))
        #expect(save.output == "")
        #expect(save.errors == "Permission denied (you must be root)\n")
        #expect(save.status == 1)
        let one = invoke(fake, words("-L -n -t 10.0.0.1:80"))
        #expect(one.output == "")
        #expect(one.errors == "Permission denied (you must be root)\n")
        #expect(one.status == 1)
        // Timeouts and daemons fail silently.
        #expect(invoke(fake, words("-L --timeout")) == Invocation(output: "", errors: "", status: 1))
        #expect(invoke(fake, words("-L --daemon")) == Invocation(output: "", errors: "", status: 1))
        let zero = invoke(fake, words("-Z"))
        #expect(zero.errors == "Permission denied (you must be root)\n")
        #expect(zero.status == 255)
    }

    @Test func theProgramNameIsTheOneInvoked() {
        let fake = FakeIPVS()
        let hint = invoke(fake, ["--bogus"], program: "/usr/sbin/ipvsadm")
        #expect(hint.errors == "Try `/usr/sbin/ipvsadm -h' or '/usr/sbin/ipvsadm --help' for more information.\n")
        #expect(hint.status == 255)
        let help = invoke(fake, ["-h"], program: "/sbin/ipvsadm")
        #expect(help.status == 0)
        #expect(help.errors == "")
        #expect(help.output.hasPrefix("ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\nUsage:\n"
            + "  /sbin/ipvsadm -A|E virtual-service [-s scheduler] [-p [timeout]] [-M netmask] [--pe persistence_engine] [-b sched-flags]\n"
            + "  /sbin/ipvsadm -D virtual-service\n"))
        #expect(help.output.contains("  /sbin/ipvsadm -h\n\nCommands:\n"))
        #expect(help.output.hasSuffix("  --mcast-ttl ttl                     Multicast TTL (default=1)\n"))
    }

    @Test func anOldKernelIsWarnedAboutFirst() {
        let fake = FakeIPVS()
        let old = IPVSInfo(version: 0x01_01_03, connectionTableSize: 512)
        let warning = "Warning: IPVS version mismatch: \n  Kernel compiled with IPVS version 1.1.3\n"
            + "  ipvsadm v1.31  requires minimum IPVS version 1.1.4\n\n"
        let result = invoke(fake, ["--bogus"], info: old)
        #expect(result.errors == warning + "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n")
        let help = invoke(fake, ["-v"], info: old)
        #expect(help.errors == warning)
        #expect(help.output == "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n")
        #expect(invoke(fake, ["-v"], info: IPVSInfo(version: 0x01_01_04, connectionTableSize: 1)).errors == "")
    }

    /// When real servers cannot be read mid-listing, ipvsadm has already printed (and flushes
    /// at exit) the version line, the titles and every service listed before.
    @Test func aListingThatFailsHalfwayKeepsWhatWasPrinted() {
        let fake = FakeIPVS()
        _ = invoke(fake, words("-A -t 10.0.0.1:80"))
        _ = invoke(fake, words("-a -t 10.0.0.1:80 -r 10.0.0.2"))
        _ = invoke(fake, words("-A -t 10.0.0.2:80"))
        let list = invoke(VanishingDestinations(fake, failFrom: 2), words("-L -n"))
        #expect(list.status == 1)
        #expect(list.errors == "No such service\n")
        let one = invoke(VanishingDestinations(fake, failFrom: 1), words("-L -n -t 10.0.0.1:80"))
        #expect(one.status == 1)
        #expect(one.errors == "No such service\n")
        let save = invoke(VanishingDestinations(fake, failFrom: 2), words("-S -n"))
        #expect(save.status == 1)
        #expect(list.output == Self.version + Self.title + "TCP  10.0.0.1:80 wlc\n"
                + "  -> 10.0.0.2:80                  Route   1      0          0         \n")
        #expect(one.output == Self.title)
        #expect(save.output == "-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 1\n")
    }

    /// A restore sends consecutive kernel requests in batches; what it prints and does must
    /// still be what running the lines one by one does.
    @Test func longRestoresKeepTheOrderOfTheLines() {
        let fake = FakeIPVS()
        var lines: [String] = []
        for index in 0..<5000 {
            lines.append("-A -t 10.\(index / 250).\(index % 250).1:80")
            if index % 1000 == 999 { lines.append("-A -t 10.0.0.1:80") }  // already there
            if index == 4100 { lines.append("-L -n --nosort") }
        }
        lines.append("-D -t 10.0.0.1:80")
        let result = invoke(fake, ["-R"], stdin: lines.joined(separator: "\n"))
        #expect(result.status == 0)
        #expect(result.errors == String(repeating: "Service already exists\n", count: 5))
        // The listing in the middle shows the 4101 services added before it.
        let listed = result.output.split(separator: "\n").filter { $0.hasPrefix("TCP ") }
        #expect(listed.count == 4101)
        #expect(listed.last == "TCP  10.16.100.1:80 wlc")
        #expect(fake.entries.count == 4999)
        #expect(fake.requests.count == 5000 + 5 + 1)
    }

    @Test func aRestoreEndsWithItsLastLinesStatus() {
        let fake = FakeIPVS()
        #expect(invoke(fake, ["-R"], stdin: "-A -t 10.0.0.1:80\n-A -t 10.0.0.1:80\n").status == 255)
        #expect(invoke(fake, ["-R"], stdin: "-A -t 10.0.0.1:80\n-A -t 10.0.0.2:80\n").status == 0)
        #expect(invoke(fake, ["-R"], stdin: "-A -t 10.0.0.3:80\n-L -n -t 10.0.0.9:80\n-A -t 10.0.0.4:80\n").status == 1)
        #expect(fake.entries.count == 3)
        #expect(invoke(fake, ["-R"], stdin: "-A -t 10.0.0.5:80 --bogus\n").status == 255)
        #expect(invoke(fake, ["-R"], stdin: "--bogus\n-A -t 10.0.0.5:80\n").status == 255)
        #expect(invoke(fake, ["-R"], stdin: "-A -t 10.0.0.5:80 --bogus\n\n-L --timeout\n").status == 0)
        #expect(invoke(fake, ["-R"], stdin: "").status == 0)
        #expect(invoke(fake, words("-R extra")).errors == "unexpected argument extra\n")
    }

    @Test func noArgumentsListsTheTableWithNames() {
        let fake = FakeIPVS()
        _ = invoke(fake, words("-A -t 127.0.0.1:80"))
        let result = invoke(fake, [])
        #expect(result.output == Self.version + Self.title + "TCP  localhost:http wlc\n")
        #expect(result.status == 0)
    }

    @Test func connectionsNeedTheKernelsTable() {
        let fake = FakeIPVS()
        let missing = invoke(fake, words("-L -c -n"), connections: nil)
        #expect(missing == Invocation(output: "", errors: "cannot open file /proc/net/ip_vs_conn\n", status: 1))
        let empty = invoke(fake, words("-L -c -n"), connections: "")
        #expect(empty == Invocation(output: "", errors: "unexpected input from /proc/net/ip_vs_conn\n", status: 1))
    }
}

extension Invocation: Equatable {}
