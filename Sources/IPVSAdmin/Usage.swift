/// The help and version texts of ipvsadm 1.31, which scripts and admins see verbatim.
enum Usage {
    static let schedulers = "rr|wrr|lc|wlc|lblc|lblcr|dh|sh|sed|nq|fo|ovf|mh"
    static let persistenceEngines = "sip"

    /// The IPVS version is the one ipvsadm was built against, not the running kernel's.
    static func version() -> String {
        "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n"
    }

    static func help(program p: String) -> String {
        version() + """
            Usage:
              \(p) -A|E virtual-service [-s scheduler] [-p [timeout]] [-M netmask] [--pe persistence_engine] [-b sched-flags]
              \(p) -D virtual-service
              \(p) -C
              \(p) -R
              \(p) -S [-n]
              \(p) -a|e virtual-service -r server-address [options]
              \(p) -d virtual-service -r server-address
              \(p) -L|l [virtual-service] [options]
              \(p) -Z [virtual-service]
              \(p) --set tcp tcpfin udp
              \(p) --start-daemon {master|backup} [daemon-options]
              \(p) --stop-daemon {master|backup}
              \(p) -h

            """ + optionHelp
    }

    /// The option descriptions: each section's rows in table order, descriptions lined up.
    private static let optionHelp: String = {
        var text = ""
        var section: HelpSection?
        for option in CommandLineParser.options {
            guard let help = option.help else { continue }
            if help.section != section {
                section = help.section
                text += help.section.heading
            }
            let column = help.section.descriptionColumn
            let synopsis = help.synopsis + String(repeating: " ", count: max(column - help.synopsis.count, 0))
            let continuation = "\n" + String(repeating: " ", count: 2 + column)
            text += "  " + synopsis + help.description.split(separator: "\n").joined(separator: continuation) + "\n"
        }
        return text
    }()
}
