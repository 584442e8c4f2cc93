import Testing

@testable import IPVSAdmin

/// The popt emulation on its own: what each argv word yields, and which word
/// ipvsadm would name (popt's poptBadOption: the last argv word consumed).
@Suite("ArgumentScanner (popt)")
struct ArgumentScannerTests {
    /// Every event until the end or the first failure, with the word named after each.
    static func scan(_ argv: [String]) -> (events: [ArgumentScanner.Event], words: [String], operands: [String]) {
        var scanner = ArgumentScanner(argv)
        var events: [ArgumentScanner.Event] = []
        var named: [String] = []
        while true {
            let event = scanner.nextEvent()
            events.append(event)
            named.append(scanner.lastWord)
            if case .option = event { continue }
            break
        }
        return (events, named, scanner.operands)
    }

    @Test func shortOptionsBundleAndTheRestOfTheWordIsAnArgument() {
        let result = Self.scan(["-Ln", "-At10.0.0.1:80", "-srr"])
        #expect(result.events == [
            .option(.named("list"), argument: nil), .option(.named("numeric"), argument: nil),
            .option(.named("add-service"), argument: nil), .option(.named("tcp-service"), argument: "10.0.0.1:80"),
            .option(.named("scheduler"), argument: "rr"), .end,
        ])
        #expect(result.words == ["-Ln", "-Ln", "-At10.0.0.1:80", "-At10.0.0.1:80", "-srr", "-srr"])
    }

    @Test func aShortOptionsArgumentMayBeTheNextWordOrFollowAnEqualsSign() {
        #expect(Self.scan(["-t", "10.0.0.1:80"]).events == [.option(.named("tcp-service"), argument: "10.0.0.1:80"), .end])
        #expect(Self.scan(["-t=10.0.0.1:80"]).events == [.option(.named("tcp-service"), argument: "10.0.0.1:80"), .end])
        #expect(Self.scan(["-At", "x"]).events == [.option(.named("add-service"), argument: nil), .option(.named("tcp-service"), argument: "x"), .end])
        // A required argument is taken even when it looks like an option.
        #expect(Self.scan(["-t", "-s"]).events == [.option(.named("tcp-service"), argument: "-s"), .end])
        #expect(Self.scan(["-w", ""]).events == [.option(.named("weight"), argument: ""), .end])
    }

    @Test func longOptionsTakeTheirArgumentAfterEqualsOrAsTheNextWord() {
        #expect(Self.scan(["--weight=3"]).events == [.option(.named("weight"), argument: "3"), .end])
        #expect(Self.scan(["--weight", "3"]).events == [.option(.named("weight"), argument: "3"), .end])
        #expect(Self.scan(["--weight="]).events == [.option(.named("weight"), argument: ""), .end])
        #expect(Self.scan(["--scheduler=a=b"]).events == [.option(.named("scheduler"), argument: "a=b"), .end])
        #expect(Self.scan(["--start-daemon", "master"]).events == [.option(.named("start-daemon"), argument: "master"), .end])
    }

    @Test func persistentTakesAValueOnlyWhenTheNextWordIsNoOption() {
        #expect(Self.scan(["-p"]).events == [.option(.named("persistent"), argument: nil), .end])
        #expect(Self.scan(["-p", "600"]).events == [.option(.named("persistent"), argument: "600"), .end])
        #expect(Self.scan(["-p600"]).events == [.option(.named("persistent"), argument: "600"), .end])
        #expect(Self.scan(["-p=600"]).events == [.option(.named("persistent"), argument: "600"), .end])
        #expect(Self.scan(["--persistent=600"]).events == [.option(.named("persistent"), argument: "600"), .end])
        #expect(Self.scan(["--persistent", "600"]).events == [.option(.named("persistent"), argument: "600"), .end])
        #expect(Self.scan(["-p", "-s", "rr"]).events == [
            .option(.named("persistent"), argument: nil), .option(.named("scheduler"), argument: "rr"), .end,
        ])
        #expect(Self.scan(["-p", "--"]).events == [.option(.named("persistent"), argument: nil), .end])
        #expect(Self.scan(["-p", "-"]).events == [.option(.named("persistent"), argument: nil), .end])
        #expect(Self.scan(["-p", "-"]).operands == ["-"])
        // An empty word does not start with a dash: it is the value.
        #expect(Self.scan(["-p", ""]).events == [.option(.named("persistent"), argument: ""), .end])
        #expect(Self.scan(["-p", "rr"]).events == [.option(.named("persistent"), argument: "rr"), .end])
    }

    @Test func wordsThatAreNoOptionsAreOperandsWhereverTheyStand() {
        let result = Self.scan(["1", "--set", "2", "-", "3"])
        #expect(result.events == [.option(.named("set"), argument: nil), .end])
        #expect(result.operands == ["1", "2", "-", "3"])
    }

    @Test func everythingAfterDoubleDashIsAnOperand() {
        let result = Self.scan(["--set", "--", "-1", "--bogus", "-L"])
        #expect(result.events == [.option(.named("set"), argument: nil), .end])
        #expect(result.operands == ["-1", "--bogus", "-L"])
        // A second "--" is an operand too.
        #expect(Self.scan(["--", "--"]).operands == ["--"])
    }

    @Test func theSameLongNameServesBothListLetters() {
        #expect(Self.scan(["--list", "-l", "-L"]).events == [
            .option(.named("list"), argument: nil), .option(.named("list"), argument: nil), .option(.named("list"), argument: nil), .end,
        ])
    }

    @Test func everyLongOptionIsKnown() {
        let flags = [
            "add-service", "edit-service", "delete-service", "clear", "zero", "add-server", "edit-server",
            "delete-server", "set", "help", "version", "restore", "save", "masquerading", "ipip", "gatewaying",
            "numeric", "connection", "timeout", "daemon", "stats", "rate", "thresholds", "persistent-conn", "nosort",
            "sort", "exact", "ipv6", "ops", "tun-info", "tun-nocsum", "tun-csum", "tun-remcsum",
        ]
        for name in flags {
            #expect(Self.scan(["--" + name]).events == [.option(.named(name), argument: nil), .end], "--\(name)")
            #expect(Self.scan(["--\(name)=x"]).events == [.failure(.unwantedArgument)], "--\(name)=x")
        }
        let valued = [
            "start-daemon", "stop-daemon", "tcp-service",
            "udp-service", "sctp-service", "fwmark-service",
            "scheduler", "netmask", "real-server", "weight",
            "u-threshold", "l-threshold", "mcast-interface",
            "syncid", "pe", "sched-flags",
            "mcast-group", "mcast-port", "mcast-ttl",
            "sync-maxlen", "tun-type", "tun-port",
        ]
        for name in valued {
            #expect(Self.scan(["--" + name, "v"]).events == [.option(.named(name), argument: "v"), .end], "--\(name)")
            #expect(Self.scan(["--" + name]).events == [.failure(.missingArgument)], "--\(name) at the end")
        }
    }

    @Test func everyShortOptionIsKnown() {
        let flags: [(Character, String)] = [
            ("A", "add-service"), ("E", "edit-service"), ("D", "delete-service"), ("C", "clear"), ("L", "list"),
            ("l", "list"), ("Z", "zero"), ("a", "add-server"), ("e", "edit-server"), ("d", "delete-server"),
            ("h", "help"), ("v", "version"), ("R", "restore"), ("S", "save"), ("m", "masquerading"), ("i", "ipip"),
            ("g", "gatewaying"), ("n", "numeric"), ("c", "connection"), ("X", "exact"), ("6", "ipv6"), ("o", "ops"),
        ]
        for (letter, name) in flags {
            #expect(Self.scan(["-\(letter)"]).events == [.option(.named(name), argument: nil), .end], "-\(letter)")
        }
        let valued: [(Character, String)] = [
            ("t", "tcp-service"), ("u", "udp-service"), ("f", "fwmark-service"), ("s", "scheduler"), ("M", "netmask"),
            ("r", "real-server"), ("w", "weight"), ("x", "u-threshold"), ("y", "l-threshold"), ("b", "sched-flags"),
        ]
        for (letter, name) in valued {
            #expect(Self.scan(["-\(letter)", "v"]).events == [.option(.named(name), argument: "v"), .end], "-\(letter)")
            #expect(Self.scan(["-\(letter)"]).events == [.failure(.missingArgument)], "-\(letter) at the end")
        }
        // Letters ipvsadm does not have; `-I` is only a tag of --syncid, not an option.
        for letter in ["q", "z", "I", "T", "P", "B", "7"] {
            #expect(Self.scan(["-" + letter]).events == [.failure(.unknownOption)], "-\(letter)")
        }
    }

    @Test(arguments: [
        // (argv, the failure, the word named)
        (["--bogus"], ArgumentScanner.Failure.unknownOption, "--bogus"),
        (["--bogus=1"], .unknownOption, "--bogus=1"),
        (["--num"], .unknownOption, "--num"),
        (["--=x"], .unknownOption, "--=x"),
        (["---n"], .unknownOption, "---n"),
        (["-=n"], .unknownOption, "-=n"),
        (["-Lq"], .unknownOption, "-Lq"),
        (["-t"], .missingArgument, "-t"),
        (["-At"], .missingArgument, "-At"),
        (["--tcp-service"], .missingArgument, "--tcp-service"),
        (["--clear=now"], .unwantedArgument, "--clear=now"),
        (["-n=1"], .unwantedArgument, "-n=1"),
        (["-Ln="], .unwantedArgument, "-Ln="),
        (["-L", "-n", "--numeric=", "x"], .unwantedArgument, "--numeric="),
    ])
    func failuresNameTheWord(_ argv: [String], _ failure: ArgumentScanner.Failure, _ word: String) {
        let result = Self.scan(argv)
        #expect(result.events.last == .failure(failure))
        #expect(result.words.last == word)
    }

    @Test func aLongNameAfterOneDashIsABundleOfShortOptions() {
        // popt matches long names after one dash only for options flagged so; ipvsadm flags none.
        #expect(Self.scan(["-list"]).events == [
            .option(.named("list"), argument: nil), .option(.named("ipip"), argument: nil), .option(.named("scheduler"), argument: "t"), .end,
        ])
    }

    @Test func theWordNamedAfterAnOptionWithASeparateArgumentIsTheArgument() {
        // What `invalid option` reports for `--start-daemon master` after a command.
        var scanner = ArgumentScanner(["-A", "--start-daemon", "master"])
        _ = scanner.nextEvent()
        #expect(scanner.nextEvent() == .option(.named("start-daemon"), argument: "master"))
        #expect(scanner.lastWord == "master")
    }

    @Test func failureMessagesArePopts() {
        #expect(ArgumentScanner.Failure.unknownOption.message == "unknown option")
        #expect(ArgumentScanner.Failure.missingArgument.message == "missing argument")
        #expect(ArgumentScanner.Failure.unwantedArgument.message == "option does not take an argument")
    }

    @Test func nothingToScan() {
        var scanner = ArgumentScanner([])
        #expect(scanner.nextEvent() == .end)
        #expect(scanner.nextEvent() == .end)
        #expect(scanner.lastWord == "")
        #expect(scanner.operands.isEmpty)
    }
}

extension Option {
    /// The table's row of a long name, for expectations that read like the command line.
    static func named(_ long: String) -> Option {
        guard let option = optionsByLongName[Substring(long)] else { preconditionFailure("no option --\(long)") }
        #expect(option.long == long)
        return option
    }
}
