import Testing

@testable import IPVSAdmin

/// The option table's derived views against ipvsadm 1.31's own tables.
@Suite("OptionTable")
struct OptionTableTests {
    /// ipvsadm.c's commands_v_options, row by row as it is written there (one column per
    /// `OptionColumn`), which the rows' per-option marks must add up to.
    @Test func theLegalityTableIsIpvsadms() {
        let ipvsadm: [(Command, String)] = [
            //                  n  c  svc s  p  M  r  fwd w  x  y  mc to dm st rt th pc ns si ex op pe b  gp pt tl ml ti tt tp tn tc tr
            (.addService,        "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx"),
            (.editService,       "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx"),
            (.deleteService,     "xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
            (.flush,             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
            (.list,              " 11xxxxxxxxx11       xxxxxxx xxxxx"),
            (.addDestination,    "xx+xxx+    xxxxxxxxxxxxxxxxxx     "),
            (.deleteDestination, "xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx"),
            (.editDestination,   "xx+xxx+    xxxxxxxxxxxxxxxxxx     "),
            (.setTimeouts,       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
            (.startDaemon,       "xxxxxxxxxxx xxxxxxx xxxx    xxxxxx"),
            (.stopDaemon,        "xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx"),
            (.restore,           "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
            (.save,              " xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
            (.zero,              "xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ]
        #expect(ipvsadm.map(\.0) == Command.allCases)
        for (command, row) in ipvsadm {
            #expect(String(decoding: command.rule.marks, as: UTF8.self) == row, "\(command)")
        }
        #expect(legalityColumns.map(\.name) == [
            "numeric", "connection", "service-address", "scheduler", "persistent", "netmask", "real-server",
            "forwarding-method", "weight", "u-threshold", "l-threshold", "mcast-interface", "timeout", "daemon",
            "stats", "rate", "thresholds", "persistent-conn", "nosort", "syncid", "exact", "ops", "pe",
            "sched-flags", "mcast-group", "mcast-port", "mcast-ttl", "sync-maxlen", "tun-info", "tun-type",
            "tun-port", "tun-nocsum", "tun-csum", "tun-remcsum",
        ])
        #expect(Command.allCases.map(\.rule.name) == [
            "add-service", "edit-service", "delete-service", "flush", "list", "add-server", "delete-server",
            "edit-server", "set", "start-daemon", "stop-daemon", "restore", "save", "zero",
        ])
    }

    @Test func everyRowIsFoundByEachOfItsSpellings() {
        for option in CommandLineParser.options {
            #expect(optionsByLongName[Substring(option.long)] === option)
            for short in option.shorts.utf8 { #expect(optionsByShortName[short] === option) }
        }
    }

    @Test func theDottedQuadPrefixEndsAfterItsFourthPart() {
        let read = { (text: String) in NameService.dottedQuadPrefix(of: Array(text.utf8)) }
        #expect(read("10.0.0.1:80").map { [Int($0.0), $0.1] } == [0x0A00_0001, 8])
        #expect(read("255.255.255.255").map { [Int($0.0), $0.1] } == [0xFFFF_FFFF, 15])
        #expect(read("1.2.3.4.5").map { [Int($0.0), $0.1] } == [0x0102_0304, 7])
        for refused in ["1.2.3", "1.2.3.", "01.2.3.4", "1.2.3.04", "1.2.3.256", "1..2.3", ".1.2.3.4", "", "a.b.c.d"] {
            #expect(read(refused) == nil, "\(refused)")
        }
    }
}
