import IPVS
import Testing

@testable import IPVSAdmin

/// argv → the exact refusal of ipvsadm 1.31: its message and how it ends the run.
@Suite("Command line → error")
struct ParserErrorTests {
    /// Options given twice, bad values, and the value checks done while reading options.
    static let valueErrors: [ParseCase] = [
        ParseCase("-A -t 10.0.0.1:80 -u 10.0.0.1:80", error: usage("multiple 'service-address' options specified")),
        ParseCase("-A -t 10.0.0.1:80 -f 5", error: usage("multiple 'service-address' options specified")),
        ParseCase("-A -t 10.0.0.1:80 -s rr -s wrr", error: usage("multiple 'scheduler' options specified")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -m -g", error: usage("multiple 'forwarding-method' options specified")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i -i", error: usage("multiple 'forwarding-method' options specified")),
        ParseCase("-L -n -n", error: usage("multiple 'numeric' options specified")),
        ParseCase("-L -n --numeric", error: usage("multiple 'numeric' options specified")),
        ParseCase("-L --nosort --nosort", error: usage("multiple 'nosort' options specified")),
        ParseCase("-L -X --exact", error: usage("multiple 'exact' options specified")),
        ParseCase("-A -t 10.0.0.1:80 -p -p", error: usage("multiple 'persistent' options specified")),
        ParseCase("-A -t 10.0.0.1:80 -M 255.255.255.0 -M 255.0.0.0", error: usage("multiple 'netmask' options specified")),
        ParseCase("--start-daemon master --mcast-group 224.0.0.81 --mcast-group 224.0.0.82",
                  error: usage("multiple 'mcast-group' options specified")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type gre --tun-csum --tun-csum",
                  error: usage("multiple 'tun-csum' options specified")),
        // Service addresses.
        ParseCase("-A -t 80", error: usage("illegal virtual server address[:port] specified")),
        ParseCase("-A -t 10.0.0.1:99999", error: usage("illegal virtual server address[:port] specified")),
        ParseCase("-A -t 10.0.0.1:-1", error: usage("illegal virtual server address[:port] specified")),
        ParseCase("-A -t 10.0.0.1:0x50", error: usage("illegal virtual server address[:port] specified")),
        ParseCase("-A -t [2001:db8::1]", error: usage("illegal virtual server address[:port] specified")),
        ParseCase("-A -t [2001:db8::1]80", error: usage("illegal virtual server address[:port] specified")),
        ParseCase("-A -t [2001:db8::1:80", error: usage("illegal virtual server address[:port] specified")),
        ParseCase("-A -t 10.0.0.1:nosuchservice", error: usage("illegal virtual server address[:port] specified")),
        ParseCase("-A -t 10.0.0.1:", error: usage("illegal virtual server address[:port] specified")),
        ParseCase(["-A", "-t", ""], error: usage("illegal virtual server address[:port] specified")),
        ParseCase("-A -u 10.0.0.1:http", error: usage("illegal virtual server address[:port] specified")),
        ParseCase("-A -t -s", error: usage("illegal virtual server address[:port] specified")),
        ParseCase("-Atr", error: usage("illegal virtual server address[:port] specified")),
        ParseCase("-A -tcp-service 10.0.0.1:80", error: usage("illegal virtual server address[:port] specified")),
        // Real server addresses.
        ParseCase("-a -t 10.0.0.1:80 -r 1234", error: usage("illegal real server address[:port] specified")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2:99999", error: usage("illegal real server address[:port] specified")),
        ParseCase("-a -t [2001:db8::1]:443 -r [2001:db8::2]", error: usage("illegal real server address[:port] specified")),
        // Timeouts.
        ParseCase("-A -t 10.0.0.1:80 -p x", error: usage("invalid timeout value `x' specified")),
        ParseCase("-A -t 10.0.0.1:80 -p 0", error: usage("invalid timeout value `0' specified")),
        ParseCase("-A -t 10.0.0.1:80 -p 2678401", error: usage("invalid timeout value `2678401' specified")),
        ParseCase("-A -t 10.0.0.1:80 --persistent=", error: usage("invalid timeout value `' specified")),
        ParseCase("--set 1 2 x", error: usage("invalid timeout value `x' specified")),
        ParseCase("--set 1 2 2678401", error: usage("invalid timeout value `2678401' specified")),
        ParseCase("--set x y z", error: usage("invalid timeout value `x' specified")),
        // Firewall marks.
        ParseCase("-A -f 0", error: usage("invalid fwmark value `0' specified")),
        ParseCase("-A -f x", error: usage("invalid fwmark value `x' specified")),
        ParseCase("-A -f 4294967296", error: usage("invalid fwmark value `4294967296' specified")),
        ParseCase("-A -f -1", error: usage("invalid fwmark value `-1' specified")),
        ParseCase("-A -f 5x", error: usage("invalid fwmark value `5x' specified")),
        ParseCase(["-A", "-f", ""], error: usage("invalid fwmark value `' specified")),
        // Weights and thresholds.
        // ipvsadm 1.31 dies of a segmentation fault here (strtok finds no flag at all).
        ParseCase("-A -t 10.0.0.1:80 -s sh -b ,", error: usage("invalid scheduler flag `,'")),
        // ipvsadm keeps the first 127 bytes of -b's argument: a refused flag is echoed cut,
        // and one cut in two is refused.
        ParseCase(["-A", "-t", "10.0.0.1:80", "-s", "sh", "-b", String(repeating: "x", count: 100_000)],
                  error: usage("invalid scheduler flag `" + String(repeating: "x", count: 127) + "'")),
        ParseCase(["-A", "-t", "10.0.0.1:80", "-s", "sh", "-b", String(repeating: "sh-port,", count: 15) + "sh-fallback"],
                  error: usage("invalid scheduler flag `sh-fall'")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -w 2147483648", error: usage("illegal weight specified")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -w -1", error: usage("illegal weight specified")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -w abc", error: usage("illegal weight specified")),
        ParseCase(["-a", "-t", "10.0.0.1:80", "-r", "192.168.1.2", "-w", ""], error: usage("illegal weight specified")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -x -1", error: usage("illegal u_threshold specified")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -y 2147483648", error: usage("illegal l_threshold specified")),
        // Netmasks.
        ParseCase("-A -t 10.0.0.1:80 -p -M 300.1.1.1", error: usage("illegal virtual server persistent mask specified")),
        ParseCase(["-A", "-t", "10.0.0.1:80", "-p", "-M", ""], error: usage("illegal virtual server persistent mask specified")),
        ParseCase("-A -t [2001:db8::1]:80 -p -M 129", error: usage("illegal ipv6 netmask specified")),
        ParseCase("-A -t [2001:db8::1]:80 -p -M 0", error: usage("illegal ipv6 netmask specified")),
        ParseCase("-A -t [2001:db8::1]:80 -p -M x", error: usage("illegal ipv6 netmask specified")),
        // -6 belongs after -f (the message carries its own newline).
        ParseCase("-A -6 -f 5", error: usage("-6 used before -f\n")),
        ParseCase("-A -t 10.0.0.1:80 -6", error: usage("-6 used before -f\n")),
        ParseCase("-L -6", error: usage("-6 used before -f\n")),
        ParseCase("-Ln6", error: usage("-6 used before -f\n")),
        // Scheduler flags.
        ParseCase("-A -t 10.0.0.1:80 -b sh-port", error: usage("incompatible scheduler flag `sh-port'")),
        ParseCase("-A -t 10.0.0.1:80 -s mh -b sh-port", error: usage("incompatible scheduler flag `sh-port'")),
        ParseCase("-A -t 10.0.0.1:80 -s sh -b mh-fallback", error: usage("incompatible scheduler flag `mh-fallback'")),
        ParseCase("-A -t 10.0.0.1:80 -s sh -b mh-port", error: usage("incompatible scheduler flag `mh-port'")),
        ParseCase("-A -t 10.0.0.1:80 -s mh -b sh-fallback", error: usage("incompatible scheduler flag `sh-fallback'")),
        ParseCase("-A -t 10.0.0.1:80 -b bogus", error: usage("invalid scheduler flag `bogus'")),
        ParseCase("-A -t 10.0.0.1:80 -b flag-1,bogus", error: usage("invalid scheduler flag `bogus'")),
        ParseCase("-A -t 10.0.0.1:80 -s sh -b sh-port,flag-4", error: usage("invalid scheduler flag `flag-4'")),
        // Daemons.
        ParseCase("--start-daemon primary", error: usage("illegal start-daemon parameter specified")),
        ParseCase("--stop-daemon primary", error: usage("illegal start_daemon specified")),
        ParseCase("--start-daemon master --mcast-group 10.0.0.1", error: usage("invalid IPv4 mcast-group `10.0.0.1'")),
        ParseCase("--start-daemon master --mcast-group 239.0.0.300", error: usage("invalid IPv4 mcast-group `239.0.0.300'")),
        ParseCase("--start-daemon master --mcast-group 2001:db8::1", error: usage("invalid IPv6 mcast-group `2001:db8::1'")),
        ParseCase("--start-daemon master --syncid 256", error: usage("illegal syncid specified")),
        ParseCase("--start-daemon master --syncid -1", error: usage("illegal syncid specified")),
        ParseCase("--start-daemon master --mcast-port 0", error: usage("illegal mcast-port specified")),
        ParseCase("--start-daemon master --mcast-port 65536", error: usage("illegal mcast-port specified")),
        ParseCase("--start-daemon master --mcast-ttl 0", error: usage("illegal mcast-ttl specified")),
        ParseCase("--start-daemon master --mcast-ttl 256", error: usage("illegal mcast-ttl specified")),
        ParseCase("--start-daemon master --sync-maxlen 65508", error: usage("illegal sync-maxlen specified")),
        ParseCase("--start-daemon master --sync-maxlen 0", error: usage("illegal sync-maxlen specified")),
        // Tunnel values.
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type vxlan", error: usage("illegal tunnel type specified")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type gue --tun-port 0",
                  error: usage("illegal tunnel port specified")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type gue --tun-port 65536",
                  error: usage("illegal tunnel port specified")),
    ]

    /// The checks made once the whole line is read, in ipvsadm's order.
    static let commandErrors: [ParseCase] = [
        // Operands.
        ParseCase("--set 1 2", error: usage("--set option requires 3 timeout values")),
        ParseCase("--set", error: usage("--set option requires 3 timeout values")),
        ParseCase("--set 1 2 3 4", error: usage("unexpected argument 4")),
        ParseCase("-A -t 10.0.0.1:80 extra", error: usage("unexpected argument extra")),
        ParseCase(["-A", "-t", "10.0.0.1:80", ""], error: usage("unexpected argument ")),
        ParseCase("-A -t 10.0.0.1:80 -p -- 5", error: usage("unexpected argument 5")),
        ParseCase("-A -t 10.0.0.1:80 -- -s rr", error: usage("unexpected argument -s")),
        ParseCase("-L -", error: usage("unexpected argument -")),
        // A second command, or -h/-v after a command, names the argv word.
        ParseCase("-A -t 10.0.0.1:80 -A", error: usage("invalid option `-A'")),
        ParseCase("-A -t 10.0.0.1:80 -D", error: usage("invalid option `-D'")),
        ParseCase("-A -t 10.0.0.1:80 -E", error: usage("invalid option `-E'")),
        ParseCase("-L -h", error: usage("invalid option `-h'")),
        ParseCase("-L -v", error: usage("invalid option `-v'")),
        ParseCase("-L -a", error: usage("invalid option `-a'")),
        ParseCase("-L -R", error: usage("invalid option `-R'")),
        ParseCase("-L --set", error: usage("invalid option `--set'")),
        ParseCase("-L --numeric --list", error: usage("invalid option `--list'")),
        ParseCase("-LA", error: usage("invalid option `-LA'")),
        ParseCase("-A -t 10.0.0.1:80 --start-daemon master", error: usage("invalid option `master'")),
        // The command × option table: required, illegal, one of.
        ParseCase("-A", error: usage("You need to supply the 'service-address' option for the 'add-service' command")),
        ParseCase("-E", error: usage("You need to supply the 'service-address' option for the 'edit-service' command")),
        ParseCase("-D", error: usage("You need to supply the 'service-address' option for the 'delete-service' command")),
        ParseCase("-a -r 1.2.3.4", error: usage("You need to supply the 'service-address' option for the 'add-server' command")),
        ParseCase("-a -t 10.0.0.1:80", error: usage("You need to supply the 'real-server' option for the 'add-server' command")),
        ParseCase("-e -t 10.0.0.1:80", error: usage("You need to supply the 'real-server' option for the 'edit-server' command")),
        ParseCase("-d -t 10.0.0.1:80", error: usage("You need to supply the 'real-server' option for the 'delete-server' command")),
        ParseCase("-A -t 10.0.0.1:80 -w 3", error: usage("Illegal 'weight' option with the 'add-service' command")),
        ParseCase("-A -t 10.0.0.1:80 -s rr -r 1.1.1.1",
                  error: usage("Illegal 'real-server' option with the 'add-service' command")),
        ParseCase("-E -t 10.0.0.1:80 -n", error: usage("Illegal 'numeric' option with the 'edit-service' command")),
        ParseCase("-D -t 10.0.0.1:80 -s rr", error: usage("Illegal 'scheduler' option with the 'delete-service' command")),
        ParseCase("-C -n", error: usage("Illegal 'numeric' option with the 'flush' command")),
        ParseCase("-S -c", error: usage("Illegal 'connection' option with the 'save' command")),
        ParseCase("-S --nosort", error: usage("Illegal 'nosort' option with the 'save' command")),
        ParseCase("-S --exact", error: usage("Illegal 'exact' option with the 'save' command")),
        ParseCase("-Z -n", error: usage("Illegal 'numeric' option with the 'zero' command")),
        ParseCase("-Z -t 10.0.0.1:80 -n", error: usage("Illegal 'numeric' option with the 'zero' command")),
        ParseCase("--set 1 2 3 -n", error: usage("Illegal 'numeric' option with the 'set' command")),
        ParseCase("--start-daemon master -n", error: usage("Illegal 'numeric' option with the 'start-daemon' command")),
        ParseCase("--stop-daemon master --mcast-interface eth0",
                  error: usage("Illegal 'mcast-interface' option with the 'stop-daemon' command")),
        ParseCase("-d -t 10.0.0.1:80 -r 192.168.1.2 -w 2",
                  error: usage("Illegal 'weight' option with the 'delete-server' command")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -s rr",
                  error: usage("Illegal 'scheduler' option with the 'add-server' command")),
        ParseCase("-L -s rr", error: usage("Illegal 'scheduler' option with the 'list' command")),
        ParseCase("-L -r 1.1.1.1", error: usage("Illegal 'real-server' option with the 'list' command")),
        ParseCase("-L -M 1.1.1.1", error: usage("Illegal 'netmask' option with the 'list' command")),
        ParseCase("-R -n", error: usage("Illegal 'numeric' option with the 'restore' command")),
        // -l, -i and -s (which takes "t"): the first offending column is reported.
        ParseCase("-list", error: usage("Illegal 'scheduler' option with the 'list' command")),
        ParseCase("-L -c -t 10.0.0.1:80",
                  error: usage("The option 'service-address' conflicts with the 'connection' option in the 'list' command")),
        ParseCase("-L -t 10.0.0.1:80 -c",
                  error: usage("The option 'service-address' conflicts with the 'connection' option in the 'list' command")),
        ParseCase("-L --timeout --daemon",
                  error: usage("The option 'daemon' conflicts with the 'timeout' option in the 'list' command")),
        ParseCase("-L --daemon --timeout",
                  error: usage("The option 'daemon' conflicts with the 'timeout' option in the 'list' command")),
        ParseCase("-L -c --timeout",
                  error: usage("The option 'timeout' conflicts with the 'connection' option in the 'list' command")),
        // The list command's own conflicts.
        ParseCase("-L -c --stats", error: usage("options conflicts in the list command")),
        ParseCase("-L -c --rate", error: usage("options conflicts in the list command")),
        ParseCase("-L -c --thresholds", error: usage("options conflicts in the list command")),
        ParseCase("-L --timeout --persistent-conn", error: usage("options conflicts in the list command")),
        ParseCase("-L --daemon --rate", error: usage("options conflicts in the list command")),
        ParseCase("-L --daemon --persistent-conn", error: usage("options conflicts in the list command")),
        // Service checks.
        ParseCase("-A -t 10.0.0.1", error: usage("Zero port specified for non-persistent service")),
        ParseCase("-E -t 10.0.0.1:0", error: usage("Zero port specified for non-persistent service")),
        ParseCase("-A -t [10.0.0.1]:80", error: usage("Zero port specified for non-persistent service")),
        ParseCase("-A -t 2001:db8::1", error: usage("Zero port specified for non-persistent service")),
        ParseCase("-A -t 10.0.0.1:80 -o", error: usage("One-Packet Scheduling is only for UDP virtual services")),
        ParseCase("-E -t 10.0.0.1:80 --ops", error: usage("One-Packet Scheduling is only for UDP virtual services")),
        ParseCase("-A --sctp-service 10.0.0.1:80 -o", error: usage("One-Packet Scheduling is only for UDP virtual services")),
        // Real server checks.
        ParseCase("-a -t 10.0.0.1:80 -r 2001:db8::2",
                  error: usage("Different address family is allowed only for tunneling servers")),
        ParseCase("-a -t 10.0.0.1:80 -r 2001:db8::2 -m",
                  error: usage("Different address family is allowed only for tunneling servers")),
        ParseCase("-e -t [2001:db8::1]:80 -r 192.168.1.2 -m",
                  error: usage("Different address family is allowed only for tunneling servers")),
        ParseCase("-a -f 5 -r 2001:db8::2 -m",
                  error: usage("Different address family is allowed only for tunneling servers")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -m --tun-type gre",
                  error: usage("Tunnel options conflict with forward method")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 --tun-csum", error: usage("Tunnel options conflict with forward method")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -g --tun-type ipip",
                  error: usage("Tunnel options conflict with forward method")),
        ParseCase("-e -t 10.0.0.1:80 -r 192.168.1.2 -m --tun-port 5",
                  error: usage("Tunnel options conflict with forward method")),
        // The tunnel type × option table.
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type gue",
                  error: usage("You need to supply the 'tun-port' option for the 'gue' tunnel type")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type gue --tun-port 1 --tun-csum --tun-remcsum",
                  error: usage("The option 'tun-remcsum' conflicts with the 'tun-csum' option in the 'gue' tunnel type")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type gue --tun-port 1 --tun-nocsum --tun-csum",
                  error: usage("The option 'tun-csum' conflicts with the 'tun-nocsum' option in the 'gue' tunnel type")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type gre --tun-nocsum --tun-csum",
                  error: usage("The option 'tun-csum' conflicts with the 'tun-nocsum' option in the 'gre' tunnel type")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type gre --tun-remcsum",
                  error: usage("Illegal 'tun-remcsum' option with the 'gre' tunnel type")),
        ParseCase("-e -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type gre --tun-remcsum",
                  error: usage("Illegal 'tun-remcsum' option with the 'gre' tunnel type")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type gre --tun-port 5",
                  error: usage("Illegal 'tun-port' option with the 'gre' tunnel type")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type ipip --tun-port 5",
                  error: usage("Illegal 'tun-port' option with the 'ipip' tunnel type")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-nocsum",
                  error: usage("Illegal 'tun-nocsum' option with the 'ipip' tunnel type")),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-port 5",
                  error: usage("Illegal 'tun-port' option with the 'ipip' tunnel type")),
    ]

    /// popt's refusals: the argv word and popt's words; the first option must be a command.
    static let syntaxErrors: [ParseCase] = [
        ParseCase("-A -t 10.0.0.1:80 --bogus", error: .optionSyntax(word: "--bogus", reason: "unknown option")),
        ParseCase("-L --bogus", error: .optionSyntax(word: "--bogus", reason: "unknown option")),
        ParseCase("-Ln --bogus=1", error: .optionSyntax(word: "--bogus=1", reason: "unknown option")),
        ParseCase("-L --num", error: .optionSyntax(word: "--num", reason: "unknown option")),
        ParseCase("-L -q", error: .optionSyntax(word: "-q", reason: "unknown option")),
        ParseCase("-Lq", error: .optionSyntax(word: "-Lq", reason: "unknown option")),
        ParseCase("-A -t 10.0.0.1:80 -zq", error: .optionSyntax(word: "-zq", reason: "unknown option")),
        ParseCase("-L -=n", error: .optionSyntax(word: "-=n", reason: "unknown option")),
        ParseCase("-L --=x", error: .optionSyntax(word: "--=x", reason: "unknown option")),
        ParseCase("-L ---n", error: .optionSyntax(word: "---n", reason: "unknown option")),
        ParseCase("--set -1 2 3", error: .optionSyntax(word: "-1", reason: "unknown option")),
        ParseCase("-A --bogus -t", error: .optionSyntax(word: "--bogus", reason: "unknown option")),
        ParseCase("-A -t 10.0.0.1:80 --bogus -s rr -s wrr", error: .optionSyntax(word: "--bogus", reason: "unknown option")),
        ParseCase("-A -t 10.0.0.1:80 -s rr --persistent -M 255.0.0.0 extra --bogus",
                  error: .optionSyntax(word: "--bogus", reason: "unknown option")),
        ParseCase("-A -t 10.0.0.1:80 -p --bogus", error: .optionSyntax(word: "--bogus", reason: "unknown option")),
        // Errors met while reading options come first.
        ParseCase("-A -t 10.0.0.1:80 -s rr -s wrr --bogus", error: usage("multiple 'scheduler' options specified")),
        ParseCase("-A -t", error: .optionSyntax(word: "-t", reason: "missing argument")),
        ParseCase("-A --tcp-service", error: .optionSyntax(word: "--tcp-service", reason: "missing argument")),
        ParseCase("-At", error: .optionSyntax(word: "-At", reason: "missing argument")),
        ParseCase("-a -t 10.0.0.1:80 -r", error: .optionSyntax(word: "-r", reason: "missing argument")),
        ParseCase("-A -t 10.0.0.1:80 -s", error: .optionSyntax(word: "-s", reason: "missing argument")),
        ParseCase("-A -t 10.0.0.1:80 --start-daemon", error: .optionSyntax(word: "--start-daemon", reason: "missing argument")),
        ParseCase("-A --clear=now -t 10.0.0.1:80",
                  error: .optionSyntax(word: "--clear=now", reason: "option does not take an argument")),
        ParseCase("-L --numeric=1", error: .optionSyntax(word: "--numeric=1", reason: "option does not take an argument")),
        ParseCase("-L -n=1", error: .optionSyntax(word: "-n=1", reason: "option does not take an argument")),
        ParseCase("-Ln=", error: .optionSyntax(word: "-Ln=", reason: "option does not take an argument")),
        // No command first: the help hint.
        ParseCase([], error: .tryHelp),
        ParseCase("--bogus", error: .tryHelp),
        ParseCase("--bogus -A", error: .tryHelp),
        ParseCase("-q", error: .tryHelp),
        ParseCase("-t 10.0.0.1:80", error: .tryHelp),
        ParseCase("-n -L", error: .tryHelp),
        ParseCase("foo", error: .tryHelp),
        ParseCase("--", error: .tryHelp),
        ParseCase("-", error: .tryHelp),
        ParseCase("-- -L", error: .tryHelp),
        ParseCase("--start-daemon", error: .tryHelp),
        ParseCase("--stop-daemon", error: .tryHelp),
        ParseCase("--list=1", error: .tryHelp),
    ]

    @Test(arguments: valueErrors)
    func valueChecks(_ testCase: ParseCase) {
        #expect(parse(testCase.argv) == testCase.expected)
    }

    @Test(arguments: commandErrors)
    func commandChecks(_ testCase: ParseCase) {
        #expect(parse(testCase.argv) == testCase.expected)
    }

    @Test(arguments: syntaxErrors)
    func optionSyntax(_ testCase: ParseCase) {
        #expect(parse(testCase.argv) == testCase.expected)
    }

    /// Every usage message of the command × option table is one of the reference's
    /// wordings, for every command and every option it refuses.
    @Test func everyIllegalOptionOfEveryCommandIsNamed() {
        // One spelling per tracked option, with a value where it needs one.
        let spellings: [(String, String)] = [
            ("-n", "numeric"), ("-c", "connection"), ("-s rr", "scheduler"), ("-p", "persistent"),
            ("-M 255.0.0.0", "netmask"), ("-w 2", "weight"), ("-x 5", "u-threshold"), ("-y 2", "l-threshold"),
            ("--mcast-interface eth0", "mcast-interface"), ("--timeout", "timeout"), ("--daemon", "daemon"),
            ("--stats", "stats"), ("--rate", "rate"), ("--thresholds", "thresholds"),
            ("--persistent-conn", "persistent-conn"), ("--nosort", "nosort"), ("--syncid 3", "syncid"),
            ("--exact", "exact"), ("-o", "ops"), ("--pe sip", "pe"), ("-b flag-1", "sched-flags"),
            ("--mcast-group 224.0.0.1", "mcast-group"), ("--mcast-port 9", "mcast-port"),
            ("--mcast-ttl 9", "mcast-ttl"), ("--sync-maxlen 99", "sync-maxlen"), ("--tun-info", "tun-info"),
            ("--tun-type gre", "tun-type"), ("--tun-port 5", "tun-port"), ("--tun-nocsum", "tun-nocsum"),
            ("--tun-csum", "tun-csum"), ("--tun-remcsum", "tun-remcsum"),
        ]
        // Each command with what it needs; the option under test is appended.
        let commands: [(String, String, Set<String>)] = [
            ("-C", "flush", []),
            ("-D -t 10.0.0.1:80", "delete-service", []),
            ("-d -t 10.0.0.1:80 -r 10.0.0.2", "delete-server", []),
            ("--set 1 2 3", "set", []),
            ("-R", "restore", []),
            ("-Z", "zero", []),
            ("-S", "save", ["numeric"]),
            ("--stop-daemon master", "stop-daemon", ["syncid"]),
            ("--start-daemon master", "start-daemon",
             ["mcast-interface", "syncid", "mcast-group", "mcast-port", "mcast-ttl", "sync-maxlen"]),
            ("-A -t 10.0.0.1:80", "add-service", ["scheduler", "persistent", "netmask", "ops", "pe", "sched-flags"]),
            ("-a -t 10.0.0.1:80 -r 10.0.0.2 -i", "add-server",
             ["weight", "u-threshold", "l-threshold", "tun-type", "tun-port", "tun-nocsum", "tun-csum", "tun-remcsum"]),
        ]
        for (command, name, allowed) in commands {
            for (spelling, option) in spellings where !allowed.contains(option) {
                let result = parse(words(command + " " + spelling))
                #expect(result == .failure(usage("Illegal '\(option)' option with the '\(name)' command")),
                        "\(command) \(spelling)")
            }
        }
    }
}
