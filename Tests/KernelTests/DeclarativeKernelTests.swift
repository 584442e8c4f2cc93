import Foundation
import IPVS
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `--json`, `--apply`, `--diff`, `--netns` and the apply lock against the kernel, judged
/// by the reference ipvsadm's own views of the same namespace.
@Suite(.serialized, .enabled(if: kernelAvailable, "needs a kernel with IPVS (run by Scripts/test in the VM)"))
struct DeclarativeKernelTests {
    static let rich = """
        -A -t 10.0.0.1:80 -s wrr -p 600 -M 255.255.255.0
        -a -t 10.0.0.1:80 -r 10.0.1.1:8080 -m -w 5
        -a -t 10.0.0.1:80 -r 10.0.1.2:8080 -m -w 0 -x 100 -y 10
        -A -u [2001:db8::1]:53 -s sh -b sh-fallback,sh-port
        -a -u [2001:db8::1]:53 -r [2001:db8::10]:53 -m -w 1
        -A -f 42 -s rr -o
        -a -f 42 -r 10.0.2.1:0 -i -w 3 --tun-type gue --tun-port 6080 --tun-csum
        -a -f 42 -r 10.0.2.2:0 -g -w 2
        -A --sctp-service 10.0.0.3:3868 -s mh -b mh-port
        -a --sctp-service 10.0.0.3:3868 -r 10.0.3.1:3868 -g -w 1
        -A -t 10.0.0.4:443 -s lc -p 300 --pe sip

        """

    @Test func jsonSavedAndAppliedIntoAnEmptyNamespaceIsTheSameTable() throws {
        try inFreshNetworkNamespace {
            try #expect(reference(["-R"], input: Self.rich).status == 0)
            try #expect(ipvsadm(["--set", "901", "121", "301"]).status == 0)
            let json = try ipvsadm(["-S", "--json"])
            #expect(json.status == 0, "\(json)")
            let original = try reference(["-S", "-n"])
            let originalTimeouts = try reference(["-L", "--timeout"])
            try inFreshNetworkNamespace {
                let applied = try ipvsadm(["--apply", "-"], input: json.output)
                #expect(applied == CommandResult(status: 0, output: "", errors: ""))
                try #expect(reference(["-S", "-n"]) == original)
                try #expect(reference(["-L", "--timeout"]) == originalTimeouts)
                // Applied again, nothing is left to do.
                try #expect(ipvsadm(["--diff", "-"], input: json.output) == CommandResult(status: 0, output: "", errors: ""))
            }
        }
    }

    @Test func applyOfRulesLeavesWhatTheReferenceRestoreLeaves() throws {
        let expected = try inFreshNetworkNamespace {
            try #expect(reference(["-R"], input: Self.rich).status == 0)
            return try reference(["-S", "-n"])
        }
        try inFreshNetworkNamespace {
            try #expect(reference(["-A", "-t", "10.9.9.9:80"]).status == 0)  // goes away
            try #expect(ipvsadm(["--apply", "-"], input: Self.rich).status == 0)
            try #expect(reference(["-S", "-n"]) == expected)
        }
    }

    /// The plan from one table to another, replayed by the reference's `-R`, gives the other.
    @Test func diffReplayedThroughTheReferenceGivesTheWantedTable() throws {
        let wanted = Self.rich
            .replacingOccurrences(of: "-r 10.0.1.1:8080 -m -w 5", with: "-r 10.0.1.1:8080 -m -w 7")
            .replacingOccurrences(of: "-a -f 42 -r 10.0.2.2:0 -g -w 2\n", with: "-a -f 42 -r 10.0.2.9:0 -g -w 2\n")
            .replacingOccurrences(of: "-A -t 10.0.0.4:443 -s lc -p 300 --pe sip\n", with: "-A -t 10.0.0.5:443 -s rr\n")
            .replacingOccurrences(of: "-s wrr -p 600 -M 255.255.255.0", with: "-s wlc -p 900 -M 255.255.0.0")
        let expected = try inFreshNetworkNamespace {
            try #expect(reference(["-R"], input: wanted).status == 0)
            return try reference(["-S", "-n"])
        }
        try inFreshNetworkNamespace {
            try #expect(reference(["-R"], input: Self.rich).status == 0)
            let plan = try ipvsadm(["--diff", "-"], input: wanted)
            #expect(plan.status == 1)
            #expect(plan.output.split(separator: "\n").count == 6, "\(plan.output)")
            try #expect(reference(["-R"], input: plan.output).status == 0)
            try #expect(reference(["-S", "-n"]) == expected)
            try #expect(ipvsadm(["--diff", "-"], input: wanted) == CommandResult(status: 0, output: "", errors: ""))
        }
    }

    @Test func oneChangedWeightIsOneLineAndOneRequest() throws {
        try inFreshNetworkNamespace {
            try #expect(reference(["-R"], input: Self.rich).status == 0)
            let wanted = Self.rich.replacingOccurrences(of: "-r 10.0.2.2:0 -g -w 2", with: "-r 10.0.2.2:0 -g -w 4")
            try #expect(ipvsadm(["--diff", "-"], input: wanted)
                == CommandResult(status: 1, output: "-e -f 42 -r 10.0.2.2:0 -g -w 4\n", errors: ""))
            try #expect(ipvsadm(["--apply", "-"], input: wanted).status == 0)
            try #expect(reference(["-S", "-n"]).output.contains("-a -f 42 -r 10.0.2.2:0 -g -w 4\n"))
        }
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        let name: String
        let addition: String
        let message: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        Refusal(name: "an unknown scheduler", addition: "-A -t 10.0.0.8:80 -s nosuch\n",
                message: "line 13: -A -t 10.0.0.8:80 -s nosuch: Scheduler or persistence engine not found\n"),
        Refusal(name: "a real server the kernel rejects",
                addition: "-A -u [2001:db8::2]:53 -s rr\n-a -u [2001:db8::2]:53 -r [fe80::1]:53 -m -w 1\n",
                message: "line 14: -a -u [2001:db8::2]:53 -r [fe80::1]:53 -m -w 1: "
                    + "Invalid operation.  Possibly wrong module version, address not unicast, ...\n"),
    ])
    func aRefusedPlanIsUndoneCompletely(_ refusal: Refusal) throws {
        try inFreshNetworkNamespace {
            try #expect(reference(["-R"], input: Self.rich).status == 0)
            let before = try reference(["-S", "-n"])
            // Changes that come before the refusal in the plan: an edit, a new service, removals.
            let wanted = Self.rich
                .replacingOccurrences(of: "-r 10.0.1.1:8080 -m -w 5", with: "-r 10.0.1.1:8080 -m -w 6")
                .replacingOccurrences(of: "-A -t 10.0.0.4:443 -s lc -p 300 --pe sip\n", with: "")
                + "-A -t 10.0.0.7:80 -s rr\n-a -t 10.0.0.7:80 -r 10.0.7.1:80 -m -w 1\n" + refusal.addition
            let applied = try ipvsadm(["--apply", "-"], input: wanted)
            #expect(applied.status == 1)
            #expect(applied.errors == refusal.message + "every change was undone: the table is as it was\n")
            try #expect(reference(["-S", "-n"]) == before)
        }
    }

    @Test func badInputLeavesTheTable() throws {
        try inFreshNetworkNamespace {
            try #expect(reference(["-R"], input: Self.rich).status == 0)
            let before = try reference(["-S", "-n"])
            let applied = try ipvsadm(["--apply", "-"], input: "{\"services\": [{\"fwmark\": 0}]}")
            #expect(applied == CommandResult(
                status: 2, output: "",
                errors: "standard input: services[0].fwmark: an integer from 1 to 4294967295 expected, not 0\n"))
            try #expect(reference(["-S", "-n"]) == before)
        }
    }

    @Test func jsonViewsAgreeWithTheReferenceTextViews() throws {
        try inFreshNetworkNamespace {
            try #expect(reference(["-R"], input: Self.rich).status == 0)
            try #expect(reference(["--start-daemon", "master", "--mcast-interface", "lo", "--syncid", "7"]).status == 0)
            defer { _ = try? reference(["--stop-daemon", "master"]) }
            let daemons = try ipvsadm(["-L", "--daemon", "--json"])
            #expect(daemons.status == 0)
            #expect(daemons.output.contains("\"state\": \"master\",\n      \"interface\": \"lo\",\n      \"syncid\": 7"))
            let one = try ipvsadm(["-L", "--json", "-f", "42"])
            #expect(one.output.contains("\"fwmark\": 42"))
            #expect(one.output.contains("\"forward\": \"tunnel\""))
            #expect(one.output.contains("\"tunnel\": {\n"))
            #expect(!one.output.contains("10.0.0.1"))
            // The saved JSON names every service and real server the reference's save does.
            let json = try ipvsadm(["-S", "--json"]).output
            let saved = try reference(["-S", "-n"]).output
            #expect(saved.split(separator: "\n").count == 11)
            for address in ["10.0.1.1", "10.0.1.2", "2001:db8::10", "10.0.2.1", "10.0.2.2", "10.0.3.1"] {
                #expect(json.contains("\"address\": \"\(address)\""))
            }
            #expect(json.contains("\"scheduler_flags\": [\n        \"sh-fallback\",\n        \"sh-port\"\n      ]"))
            #expect(json.contains("\"pe\": \"sip\""))
            #expect(json.contains("\"one_packet\": true"))
        }
    }

    /// `--netns NAME` acts in a namespace made by `ip netns add`: every view is what
    /// `ip netns exec NAME` shows, and the caller's own table is untouched.
    @Test func netnsActsInTheNamedNamespace() throws {
        let name = "ipvs-decl-test"
        _ = try run("/usr/sbin/ip", ["netns", "delete", name])
        try #expect(run("/usr/sbin/ip", ["netns", "add", name]).status == 0)
        defer { _ = try? run("/usr/sbin/ip", ["netns", "delete", name]) }
        try #expect(run("/usr/sbin/ip", ["-n", name, "link", "set", "lo", "up"]).status == 0)
        try inFreshNetworkNamespace {
            // Without thresholds, which our -S keeps and the reference's drops (a deviation).
            let rules = Self.rich.replacingOccurrences(of: " -x 100 -y 10", with: "")
            try #expect(ipvsadm(["--netns", name, "--apply", "-"], input: rules).status == 0)
            try #expect(ipvsadm(["-S", "-n"]).output == "")  // this namespace stays empty
            for view in [["-L", "-n"], ["-S", "-n"], ["-L", "-n", "--stats", "--exact"], ["-L", "--timeout"], ["-L", "-n", "-c"]] {
                let theirs = try run("/usr/sbin/ip", ["netns", "exec", name, "/usr/sbin/ipvsadm"] + view)
                let named = try ipvsadm(["--netns", name] + view)
                let byPath = try ipvsadm(view + ["--netns=/run/netns/" + name])
                #expect(named == theirs, "\(view): ours \(named) reference \(theirs)")
                #expect(byPath == theirs, "\(view): ours \(byPath) reference \(theirs)")
            }
            try #expect(ipvsadm(["--netns", "no-such-namespace", "-L", "-n"]) == CommandResult(
                status: 2, output: "",
                errors: "cannot enter network namespace no-such-namespace: No such file or directory\n"))
        }
    }

    /// A second `--apply` waits while another holds the namespace's lock.
    @Test func applyWaitsForTheLock() throws {
        try inFreshNetworkNamespace {
            let lock = try IPVSTableLock()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ipvsadmBinary)
            process.arguments = ["--apply", "-"]
            let input = Pipe()
            process.standardInput = input
            try process.run()
            input.fileHandleForWriting.write(Data("-A -t 10.0.0.1:80 -s rr\n".utf8))
            try input.fileHandleForWriting.close()
            usleep(1_500_000)
            #expect(process.isRunning)
            try #expect(reference(["-S", "-n"]).output == "")
            _ = consume lock  // released
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            try #expect(reference(["-S", "-n"]).output == "-A -t 10.0.0.1:80 -s rr\n")
        }
    }
}
