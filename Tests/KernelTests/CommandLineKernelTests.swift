import Foundation
import Testing

/// The built ipvsadm binary against the real kernel, each test in its own network namespace.
@Suite(.serialized, .enabled(if: kernelAvailable, "needs a kernel with IPVS (run by Scripts/test in the VM)"))
struct CommandLineKernelTests {
    @Test func directRoutingClusterFromTheLVSGuides() throws {
        try inFreshNetworkNamespace {
            for arguments in [
                ["-A", "-t", "192.168.126.100:80", "-s", "rr"],
                ["-a", "-t", "192.168.126.100:80", "-r", "192.168.126.60", "-g"],
                ["-a", "-t", "192.168.126.100:80", "-r", "192.168.126.70", "-g"],
                ["-A", "-f", "6666", "-p", "3000"],
                ["-a", "-f", "6666", "-r", "192.168.126.60", "-g"],
                ["-a", "-f", "6666", "-r", "192.168.126.70", "-g"],
            ] {
                try #expect(ipvsadm(arguments) == CommandResult(status: 0, output: "", errors: ""))
            }
            let listing = try ipvsadm(["-L", "-n"])
            #expect(listing.status == 0)
            #expect(listing.output == """
                IP Virtual Server version 1.2.1 (size=4096)
                Prot LocalAddress:Port Scheduler Flags
                  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
                TCP  192.168.126.100:80 rr
                  -> 192.168.126.60:80            Route   1      0          0         
                  -> 192.168.126.70:80            Route   1      0          0         
                FWM  6666 wlc persistent 3000
                  -> 192.168.126.60:0             Route   1      0          0         
                  -> 192.168.126.70:0             Route   1      0          0         

                """)
        }
    }

    @Test func saveClearRestoreGivesTheSameTable() throws {
        try inFreshNetworkNamespace {
            let rules = """
                -A -t 10.0.0.1:80 -s wrr -p 600 -M 255.255.255.0
                -a -t 10.0.0.1:80 -r 10.0.1.1:8080 -m -w 5
                -a -t 10.0.0.1:80 -r 10.0.1.2:8080 -m -w 0
                -A -u [2001:db8::1]:53 -s sh -b sh-port
                -a -u [2001:db8::1]:53 -r [2001:db8::10]:53 -m -w 1
                -A -f 42 -s rr

                """
            try #expect(ipvsadm(["-R"], input: rules).status == 0)
            let saved = try ipvsadm(["-S", "-n"])
            #expect(saved.status == 0)
            #expect(Set(saved.output.split(separator: "\n")) == Set(rules.split(separator: "\n")))
            try #expect(ipvsadm(["-C"]).status == 0)
            try #expect(ipvsadm(["-L", "-n"]).output.split(separator: "\n").count == 3)
            try #expect(ipvsadm(["-R"], input: saved.output).status == 0)
            try #expect(ipvsadm(["-S", "-n"]) == saved)
        }
    }

    @Test func restoreReportsKernelErrorsAndGoesOn() throws {
        try inFreshNetworkNamespace {
            let input = """
                -A -t 10.0.0.1:80
                -A -t 10.0.0.1:80
                -a -t 10.0.0.9:80 -r 10.0.0.2
                -A -t 10.0.0.2:80

                """
            let result = try ipvsadm(["-R"], input: input)
            #expect(result == CommandResult(status: 0, output: "", errors: "Service already exists\nService not defined\n"))
            try #expect(ipvsadm(["-S", "-n"]).output == "-A -t 10.0.0.1:80 -s wlc\n-A -t 10.0.0.2:80 -s wlc\n")
        }
    }

    @Test func restoreStopsAtAUsageErrorKeepingEarlierLines() throws {
        try inFreshNetworkNamespace {
            let result = try ipvsadm(["-R"], input: "-A -t 10.0.0.1:80\n-A -t 10.0.0.2:0\n-A -t 10.0.0.3:80\n")
            #expect(result == CommandResult(status: 2, output: "", errors: "Zero port specified for non-persistent service\n"))
            try #expect(ipvsadm(["-S", "-n"]).output == "-A -t 10.0.0.1:80 -s wlc\n")
        }
    }

    @Test func kernelErrorsExitWith255AndLeaveTheTable() throws {
        try inFreshNetworkNamespace {
            try #expect(ipvsadm(["-A", "-t", "10.0.0.1:80", "-s", "rr"]).status == 0)
            try #expect(ipvsadm(["-A", "-t", "10.0.0.1:80"]) == CommandResult(status: 255, output: "", errors: "Service already exists\n"))
            try #expect(ipvsadm(["-A", "-t", "10.0.0.2:80", "-s", "nosuch"]) ==
                CommandResult(status: 255, output: "", errors: "Scheduler or persistence engine not found\n"))
            try #expect(ipvsadm(["-d", "-t", "10.0.0.1:80", "-r", "10.0.0.5"]) ==
                CommandResult(status: 255, output: "", errors: "No such destination\n"))
            try #expect(ipvsadm(["-S", "-n"]).output == "-A -t 10.0.0.1:80 -s rr\n")
        }
    }

    @Test func usageErrorsExitWith2AndLeaveTheTable() throws {
        try inFreshNetworkNamespace {
            try #expect(ipvsadm(["-A", "-t", "10.0.0.1:80", "-s", "rr", "-w", "3"]) ==
                CommandResult(status: 2, output: "", errors: "Illegal 'weight' option with the 'add-service' command\n"))
            try #expect(ipvsadm(["-A", "-t", "10.0.0.256:80"]) ==
                CommandResult(status: 2, output: "", errors: "illegal virtual server address[:port] specified\n"))
            try #expect(ipvsadm(["-L", "--bogus"]) == CommandResult(status: 255, output: "", errors: "--bogus: unknown option\n"))
            try #expect(ipvsadm(["-S", "-n"]).output == "")
        }
    }

    @Test func withoutRootTheKernelSaysPermissionDenied() throws {
        try inFreshNetworkNamespace {
            let result = try ipvsadm(["-L", "-n"], asUser: "65534")
            #expect(result == CommandResult(
                status: 2, output: "",
                errors: "Can't initialize ipvs: Permission denied (you must be root)\n"
                    + "Are you sure that IP Virtual Server is built in the kernel or as module?\n"))
        }
    }

    @Test func listingOneServiceAndTheTimeouts() throws {
        try inFreshNetworkNamespace {
            try #expect(ipvsadm(["-A", "-u", "10.0.0.1:53", "-s", "rr", "-o"]).status == 0)
            try #expect(ipvsadm(["-L", "-n", "-u", "10.0.0.1:53"]).output == """
                Prot LocalAddress:Port Scheduler Flags
                  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
                UDP  10.0.0.1:53 rr ops

                """)
            try #expect(ipvsadm(["-L", "-n", "-t", "10.0.0.1:53"]) == CommandResult(status: 1, output: "", errors: "No such service\n"))
            try #expect(ipvsadm(["--set", "100", "20", "30"]).status == 0)
            try #expect(ipvsadm(["-L", "--timeout"]).output == "Timeout (tcp tcpfin udp): 100 20 30\n")
        }
    }

    /// ipvsadm compares addresses by a signed 32-bit difference: 10.0.0.1 < 127.0.0.1 <
    /// 192.168.7.1 < 10.0.0.1. With such a cycle its sort follows the order the kernel
    /// lists in (its hash order, which differs per namespace), and so must ours: in
    /// several namespaces, each view is what the reference prints in the same one.
    @Test func listingsFollowTheReferenceThroughAddressCycles() throws {
        let rules = """
            -A -t 10.0.0.1:80 -s nq -p 360
            -A -t 127.0.0.1:65535 -s mh
            -A -t 192.168.7.1:443 -s wlc
            -a -t 192.168.7.1:443 -r 127.0.0.1:443 -g -w 2
            -A -u 10.0.0.1:53 -s rr
            -A -u 200.1.1.1:53 -s rr
            -A -u 100.1.1.1:53 -s rr
            -A -f 1 -s sh

            """
        for _ in 0..<4 {
            try inFreshNetworkNamespace {
                try #expect(reference(["-R"], input: rules).status == 0)
                for view in [["-L", "-n"], ["-S", "-n"], ["-L", "-n", "--thresholds"]] {
                    try #expect(ipvsadm(view) == reference(view), "\(view)")
                }
            }
        }
    }
}

/// On a kernel without IPVS (the build machine itself), ipvsadm must fail cleanly, as
/// the reference does: it has `/sbin/modprobe -- ip_vs` try to load the module (whose
/// own message comes first), then says it cannot initialize IPVS, even for `-h`.
@Suite(.enabled(if: !kernelAvailable && !FileManager.default.fileExists(atPath: "/proc/net/ip_vs")
    && FileManager.default.isExecutableFile(atPath: ipvsadmBinary), "needs a kernel without IPVS and a built binary"))
struct NoIPVSKernelTests {
    static let argumentLists = [["-L", "-n"], ["-h"], ["-A", "-t", "10.0.0.1:80"], []]

    @Test func triesModprobeThenSaysTheProtocolIsNotAvailable() throws {
        let expected = getuid() == 0 ? "Protocol not available" : "Permission denied (you must be root)"
        // What modprobe itself says about ip_vs here (nothing, where there is no modprobe).
        var modprobe = ""
        if FileManager.default.isExecutableFile(atPath: "/sbin/modprobe") {
            let result = try run("/sbin/modprobe", ["--", "ip_vs"])
            try #require(result.status != 0, "ip_vs loads here: this is not a host without IPVS")
            modprobe = result.output + result.errors
        }
        for arguments in Self.argumentLists {
            try #expect(ipvsadm(arguments) == CommandResult(
                status: 2, output: "",
                errors: modprobe + "Can't initialize ipvs: \(expected)\n"
                    + "Are you sure that IP Virtual Server is built in the kernel or as module?\n"))
        }
    }

    /// Byte for byte what the reference prints on this host, where it is installed.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/ipvsadm"), "no reference ipvsadm"))
    func failsAsTheReferenceDoes() throws {
        for arguments in Self.argumentLists {
            #expect(try run(ipvsadmBinary, arguments) == run("/usr/sbin/ipvsadm", arguments))
        }
    }
}

/// Scripts/ipvsadm-save and Scripts/ipvsadm-restore, as distributions ship them.
@Suite(.serialized, .enabled(if: kernelAvailable, "needs a kernel with IPVS (run by Scripts/test in the VM)"))
struct SaveRestoreScriptTests {
    let scripts = FileManager.default.currentDirectoryPath + "/Scripts"

    private func script(_ name: String, _ arguments: [String] = [], input: String = "") throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(scripts)/\(name)")
        process.arguments = arguments
        process.environment = ["IPVSADM": ipvsadmBinary, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        let stdout = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self), errors: "")
    }

    @Test func restoreClearsFirstAndSkipsComments() throws {
        try inFreshNetworkNamespace {
            try #expect(ipvsadm(["-A", "-t", "10.9.9.9:80"]).status == 0)
            let rules = "# saved by ipvsadm-save\n-A -u 10.0.0.1:53 -s rr\n# a comment\n-a -u 10.0.0.1:53 -r 10.0.0.2:53 -m -w 2\n"
            try #expect(script("ipvsadm-restore", input: rules).status == 0)
            let saved = try script("ipvsadm-save", ["-n"])
            #expect(saved == CommandResult(status: 0, output: "-A -u 10.0.0.1:53 -s rr\n-a -u 10.0.0.1:53 -r 10.0.0.2:53 -m -w 2\n", errors: ""))
            try #expect(script("ipvsadm-save", ["-x"]).status == 1)
        }
    }
}

/// The README's deliberate deviations from ipvsadm 1.31, on the real kernel.
@Suite(.serialized, .enabled(if: kernelAvailable, "needs a kernel with IPVS (run by Scripts/test in the VM)"))
struct DeliberateDeviationTests {
    @Test func aFailedWriteToStandardOutputIsReported() throws {
        try inFreshNetworkNamespace {
            try #expect(ipvsadm(["-A", "-t", "10.0.0.1:80"]).status == 0)
            for arguments in [["-S", "-n"], ["-L", "-n"], ["-h"]] {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: ipvsadmBinary)
                process.arguments = arguments
                process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
                let stderr = Pipe()
                process.standardError = stderr
                try process.run()
                let errors = stderr.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                #expect(process.terminationStatus == 1)
                #expect(String(decoding: errors, as: UTF8.self) == "\(ipvsadmBinary): write error: No space left on device\n")
            }
        }
    }

    @Test func largeFirewallMarksPrintUnsignedAndSurviveSaveRestore() throws {
        try inFreshNetworkNamespace {
            try #expect(ipvsadm(["-A", "-f", "3000000000", "-s", "rr"]).status == 0)
            try #expect(ipvsadm(["-L", "-n"]).output.contains("\nFWM  3000000000 rr\n"))
            let saved = try ipvsadm(["-S", "-n"])
            #expect(saved.output == "-A -f 3000000000 -s rr\n")
            try #expect(ipvsadm(["-C"]).status == 0)
            try #expect(ipvsadm(["-R"], input: saved.output).status == 0)
            try #expect(ipvsadm(["-S", "-n"]) == saved)
        }
    }

    @Test func saveKeepsThresholds() throws {
        try inFreshNetworkNamespace {
            try #expect(ipvsadm(["-A", "-t", "10.0.0.1:80"]).status == 0)
            try #expect(ipvsadm(["-a", "-t", "10.0.0.1:80", "-r", "10.0.0.2", "-m", "-x", "50", "-y", "5"]).status == 0)
            try #expect(ipvsadm(["-a", "-t", "10.0.0.1:80", "-r", "10.0.0.3", "-m"]).status == 0)
            let saved = try ipvsadm(["-S", "-n"])
            #expect(saved.output == """
                -A -t 10.0.0.1:80 -s wlc
                -a -t 10.0.0.1:80 -r 10.0.0.2:80 -m -w 1 -x 50 -y 5
                -a -t 10.0.0.1:80 -r 10.0.0.3:80 -m -w 1

                """)
            try #expect(ipvsadm(["-C"]).status == 0)
            try #expect(ipvsadm(["-R"], input: saved.output).status == 0)
            try #expect(ipvsadm(["-L", "-n", "--thresholds"]).output.contains("  -> 10.0.0.2:80                  50         5          0          0         \n"))
        }
    }

    @Test func optionOrderDoesNotChangeMeaning() throws {
        try inFreshNetworkNamespace {
            try #expect(ipvsadm(["-A", "-M", "64", "-t", "[2001:db8::1]:80", "-p"]).status == 0)
            try #expect(ipvsadm(["-A", "-t", "[2001:db8::2]:80", "-p", "-M", "64"]).status == 0)
            try #expect(ipvsadm(["-A", "-t", "10.0.0.1:80"]).status == 0)
            try #expect(ipvsadm(["-a", "-r", "10.0.0.2:http", "-t", "10.0.0.1:80", "-m"]).status == 0)
            try #expect(ipvsadm(["-S", "-n"]).output == """
                -A -t 10.0.0.1:80 -s wlc
                -a -t 10.0.0.1:80 -r 10.0.0.2:80 -m -w 1
                -A -t [2001:db8::1]:80 -s wlc -p 360 -M 64
                -A -t [2001:db8::2]:80 -s wlc -p 360 -M 64

                """)
        }
    }
}
