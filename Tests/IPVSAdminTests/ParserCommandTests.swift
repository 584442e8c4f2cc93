import IPVS
import Testing

@testable import IPVSAdmin

/// argv → the exact command ipvsadm 1.31 sends (what reaches libipvs, checked field by field).
@Suite("Command line → command")
struct ParserCommandTests {
    static let serviceCommands: [ParseCase] = [
        // Protocols and spellings of the service option.
        ParseCase("-A -t 10.0.0.1:80", .addService(tcp("10.0.0.1", 80), config())),
        ParseCase("-A -t 10.0.0.1:80 -s rr", .addService(tcp("10.0.0.1", 80), config("rr"))),
        ParseCase("--add-service --tcp-service 10.0.0.1:80 --scheduler rr",
                  .addService(tcp("10.0.0.1", 80), config("rr"))),
        ParseCase("-A --tcp-service=10.0.0.1:80 --scheduler=rr", .addService(tcp("10.0.0.1", 80), config("rr"))),
        ParseCase("-A -t10.0.0.1:80 -srr", .addService(tcp("10.0.0.1", 80), config("rr"))),
        ParseCase("-A -t=10.0.0.1:80", .addService(tcp("10.0.0.1", 80), config())),
        ParseCase("-At 10.0.0.1:80", .addService(tcp("10.0.0.1", 80), config())),
        ParseCase("-At10.0.0.1:80", .addService(tcp("10.0.0.1", 80), config())),
        ParseCase("-A -u 10.0.0.1:53", .addService(udp("10.0.0.1", 53), config())),
        ParseCase("-A --udp-service 10.0.0.1:53 -s sed", .addService(udp("10.0.0.1", 53), config("sed"))),
        ParseCase("-A --sctp-service 10.0.0.1:3868", .addService(sctp("10.0.0.1", 3868), config())),
        ParseCase("-A -f 5", .addService(fwmark(5), config())),
        ParseCase("-A --fwmark-service 4294967295", .addService(fwmark(4_294_967_295), config())),
        ParseCase(["-A", "-f", " 5"], .addService(fwmark(5), config())),
        ParseCase("-A -f 5 -6", .addService(fwmark(5, .inet6), config(netmask: .exactV6))),
        ParseCase("-A -f 5 --ipv6 -s rr", .addService(fwmark(5, .inet6), config("rr", netmask: .exactV6))),
        // Addresses: IPv6 in brackets, bare IPv6 (no port), inet_aton forms, names.
        ParseCase("-A -t [2001:db8::1]:80", .addService(tcp("2001:db8::1", 80), config(netmask: .exactV6))),
        ParseCase("-A -t 2001:db8::1 -p", .addService(tcp("2001:db8::1", 0), persistent(netmask: .exactV6))),
        ParseCase("-A -t [10.0.0.1]:80 -p", .addService(tcp("10.0.0.1", 0), persistent())),
        ParseCase("-A -t 10.0.0.1:http", .addService(tcp("10.0.0.1", 80), config())),
        ParseCase("-A -t localhost:80", .addService(tcp("127.0.0.1", 80), config())),
        ParseCase("-A -t 127.1:80", .addService(tcp("127.0.0.1", 80), config())),
        ParseCase("-A -t 10.0.0.1:080", .addService(tcp("10.0.0.1", 80), config())),
        ParseCase("-A -t 10.0.0.1:65535", .addService(tcp("10.0.0.1", 65535), config())),
        ParseCase("-A -t 10.0.0.1 -p", .addService(tcp("10.0.0.1", 0), persistent())),
        // -p with and without its optional value.
        ParseCase("-A -t 10.0.0.1:80 -p", .addService(tcp("10.0.0.1", 80), persistent(360))),
        ParseCase("-A -t 10.0.0.1:80 -p 600", .addService(tcp("10.0.0.1", 80), persistent(600))),
        ParseCase("-A -t 10.0.0.1:80 -p600", .addService(tcp("10.0.0.1", 80), persistent(600))),
        ParseCase("-A -t 10.0.0.1:80 -p=5", .addService(tcp("10.0.0.1", 80), persistent(5))),
        ParseCase("-A -t 10.0.0.1:80 --persistent=600", .addService(tcp("10.0.0.1", 80), persistent(600))),
        ParseCase("-A -t 10.0.0.1:80 --persistent 600", .addService(tcp("10.0.0.1", 80), persistent(600))),
        ParseCase("-A -t 10.0.0.1:80 -p -s rr", .addService(tcp("10.0.0.1", 80), persistent(360, "rr"))),
        ParseCase("-A -p -t 10.0.0.1:80", .addService(tcp("10.0.0.1", 80), persistent(360))),
        ParseCase("-A -t 10.0.0.1:80 -p 1", .addService(tcp("10.0.0.1", 80), persistent(1))),
        ParseCase("-A -t 10.0.0.1:80 -p 2678400", .addService(tcp("10.0.0.1", 80), persistent(2_678_400))),
        // -M: inet_aton forms and host names for IPv4, a prefix length (atoi) for IPv6.
        ParseCase("-A -t 10.0.0.1:80 -p -M 255.255.255.0",
                  .addService(tcp("10.0.0.1", 80), persistent(netmask: .v4(mask: 0xFFFF_FF00)))),
        ParseCase("-A -t 10.0.0.1:80 -p -M 255.255.255",
                  .addService(tcp("10.0.0.1", 80), persistent(netmask: .v4(mask: 0xFFFF_00FF)))),
        ParseCase("-A -t 10.0.0.1:80 -p -M localhost",
                  .addService(tcp("10.0.0.1", 80), persistent(netmask: .v4(mask: 0x7F00_0001)))),
        ParseCase("-A -t 10.0.0.1:80 --netmask 255.255.0.0",
                  .addService(tcp("10.0.0.1", 80), config(netmask: .v4(mask: 0xFFFF_0000)))),
        ParseCase("-A -M 255.255.0.0 -t 10.0.0.1:80 -p",
                  .addService(tcp("10.0.0.1", 80), persistent(netmask: .v4(mask: 0xFFFF_0000)))),
        ParseCase("-A -t [2001:db8::1]:80 -p -M 64",
                  .addService(tcp("2001:db8::1", 80), persistent(netmask: .v6(prefixLength: 64)))),
        ParseCase("-A -t [2001:db8::1]:80 -p -M 64abc",
                  .addService(tcp("2001:db8::1", 80), persistent(netmask: .v6(prefixLength: 64)))),
        ParseCase("-A -t [2001:db8::1]:80 -p -M 128",
                  .addService(tcp("2001:db8::1", 80), persistent(netmask: .v6(prefixLength: 128)))),
        ParseCase("-A -f 5 -6 -p -M 48", .addService(fwmark(5, .inet6), persistent(netmask: .v6(prefixLength: 48)))),
        ParseCase("-A -f 5 -p -M 255.0.0.0", .addService(fwmark(5), persistent(netmask: .v4(mask: 0xFF00_0000)))),
        // Persistence engine, one-packet scheduling, scheduler flags.
        ParseCase("-A -t 10.0.0.1:80 -p --pe sip", .addService(tcp("10.0.0.1", 80), persistent(pe: "sip"))),
        ParseCase("-A -t 10.0.0.1:80 --pe abcdefghijklmnopqrstu",
                  .addService(tcp("10.0.0.1", 80), config(pe: "abcdefghijklmnop"))),
        ParseCase("-A -u 10.0.0.1:53 -o", .addService(udp("10.0.0.1", 53), config(flags: .onePacket))),
        ParseCase("-A -u 10.0.0.1:53 --ops -p", .addService(udp("10.0.0.1", 53), persistent(flags: .onePacket))),
        ParseCase("-A -f 5 -o", .addService(fwmark(5), config(flags: .onePacket))),
        ParseCase("-A -t 10.0.0.1:80 -s sh -b sh-port",
                  .addService(tcp("10.0.0.1", 80), config("sh", flags: .schedulerFlag2))),
        ParseCase("-A -t 10.0.0.1:80 -s sh -b sh-fallback,sh-port",
                  .addService(tcp("10.0.0.1", 80), config("sh", flags: [.schedulerFlag1, .schedulerFlag2]))),
        ParseCase("-A -t 10.0.0.1:80 -b sh-port -s sh",
                  .addService(tcp("10.0.0.1", 80), config("sh", flags: .schedulerFlag2))),
        ParseCase("-A -t 10.0.0.1:80 -s mh --sched-flags mh-fallback,mh-port",
                  .addService(tcp("10.0.0.1", 80), config("mh", flags: [.schedulerFlag1, .schedulerFlag2]))),
        ParseCase("-A -t 10.0.0.1:80 -b flag-1,flag-2,flag-3",
                  .addService(tcp("10.0.0.1", 80), config(flags: .schedulerFlags))),
        ParseCase("-A -t 10.0.0.1:80 -b flag-1,,flag-3",
                  .addService(tcp("10.0.0.1", 80), config(flags: [.schedulerFlag1, .schedulerFlag3]))),
        ParseCase("-A -t 10.0.0.1:80 -b ,flag-2,",
                  .addService(tcp("10.0.0.1", 80), config(flags: .schedulerFlag2))),
        // The scheduler name is cut to 15 bytes; the kernel judges it.
        ParseCase("-A -t 10.0.0.1:80 -s abcdefghijklmnopq", .addService(tcp("10.0.0.1", 80), config("abcdefghijklmno"))),
        ParseCase("-A -t 10.0.0.1:80 -s -rr", .addService(tcp("10.0.0.1", 80), config("-rr"))),
        // Edit, delete, flush, zero.
        ParseCase("-E -t 10.0.0.1:80 -s rr -p 10", .editService(tcp("10.0.0.1", 80), persistent(10, "rr"))),
        ParseCase("--edit-service -f 5 -6", .editService(fwmark(5, .inet6), config(netmask: .exactV6))),
        ParseCase("-D -t 10.0.0.1:80", .deleteService(tcp("10.0.0.1", 80))),
        ParseCase("-D -f 5 -6", .deleteService(fwmark(5, .inet6))),
        ParseCase("--delete-service --udp-service 10.0.0.1:53", .deleteService(udp("10.0.0.1", 53))),
        ParseCase("-C", .flush),
        ParseCase("--clear", .flush),
        ParseCase("-Z", .zero(nil)),
        ParseCase("--zero", .zero(nil)),
        ParseCase("-Z -t 10.0.0.1:80", .zero(tcp("10.0.0.1", 80))),
        ParseCase("-Z -f 3", .zero(fwmark(3))),
        // An all-zero service means all services, as libipvs sends no service then.
        ParseCase("-Z -t 0.0.0.0:0", .zero(nil)),
        ParseCase("-Z -u [::]:0", .zero(nil)),
    ]

    static let serverCommands: [ParseCase] = [
        // Direct routing (the default) and tunneling take the service's port.
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2",
                  .addDestination(server("192.168.1.2", 80), dest(), service: tcp("10.0.0.1", 80))),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2:8080",
                  .addDestination(server("192.168.1.2", 80), dest(), service: tcp("10.0.0.1", 80))),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2:8080 -g",
                  .addDestination(server("192.168.1.2", 80), dest(), service: tcp("10.0.0.1", 80))),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2:8080 -i",
                  .addDestination(server("192.168.1.2", 80), dest(.tunneling), service: tcp("10.0.0.1", 80))),
        // Masquerading keeps its own port, or takes the service's when none is given.
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2:8080 -m",
                  .addDestination(server("192.168.1.2", 8080), dest(.masquerading), service: tcp("10.0.0.1", 80))),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 --masquerading",
                  .addDestination(server("192.168.1.2", 80), dest(.masquerading), service: tcp("10.0.0.1", 80))),
        ParseCase("--add-server --tcp-service 10.0.0.1:80 --real-server 192.168.1.2 --ipip",
                  .addDestination(server("192.168.1.2", 80), dest(.tunneling), service: tcp("10.0.0.1", 80))),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 --gatewaying",
                  .addDestination(server("192.168.1.2", 80), dest(), service: tcp("10.0.0.1", 80))),
        // Firewall-mark services have no port to impose.
        ParseCase("-a -f 5 -r 192.168.1.2:8080", .addDestination(server("192.168.1.2", 8080), dest(), service: fwmark(5))),
        ParseCase("-a -f 5 -r 192.168.1.2", .addDestination(server("192.168.1.2", 0), dest(), service: fwmark(5))),
        ParseCase("-a -f 5 -6 -r 2001:db8::2 -m",
                  .addDestination(server("2001:db8::2", 0), dest(.masquerading), service: fwmark(5, .inet6))),
        // Weights and thresholds.
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -w 0",
                  .addDestination(server("192.168.1.2", 80), dest(weight: 0), service: tcp("10.0.0.1", 80))),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -w 65535 -x 100 -y 50",
                  .addDestination(server("192.168.1.2", 80), dest(weight: 65535, upper: 100, lower: 50),
                             service: tcp("10.0.0.1", 80))),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 --weight=7 --u-threshold=2147483647 --l-threshold 0",
                  .addDestination(server("192.168.1.2", 80), dest(weight: 7, upper: 2_147_483_647),
                             service: tcp("10.0.0.1", 80))),
        // IPv6, and the cross-family servers only tunneling allows.
        ParseCase("-a -t [2001:db8::1]:80 -r [2001:db8::2]:8080 -m",
                  .addDestination(server("2001:db8::2", 8080), dest(.masquerading), service: tcp("2001:db8::1", 80))),
        ParseCase("-a -t [2001:db8::1]:80 -r 2001:db8::2 -m",
                  .addDestination(server("2001:db8::2", 80), dest(.masquerading), service: tcp("2001:db8::1", 80))),
        ParseCase("-a -t 10.0.0.1:80 -r 2001:db8::2 -i",
                  .addDestination(server("2001:db8::2", 80), dest(.tunneling), service: tcp("10.0.0.1", 80))),
        ParseCase("-a -t [2001:db8::1]:80 -r 192.168.1.2:8080 -i",
                  .addDestination(server("192.168.1.2", 80), dest(.tunneling), service: tcp("2001:db8::1", 80))),
        // Tunnel encapsulations.
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type gue --tun-port 6080 --tun-csum",
                  .addDestination(server("192.168.1.2", 80),
                             dest(.tunneling, tunnel: TunnelSettings(type: .gue, port: 6080, checksum: .checksum)),
                             service: tcp("10.0.0.1", 80))),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type gue --tun-port 6080 --tun-remcsum",
                  .addDestination(server("192.168.1.2", 80),
                             dest(.tunneling, tunnel: TunnelSettings(type: .gue, port: 6080, checksum: .remoteChecksum)),
                             service: tcp("10.0.0.1", 80))),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type gue --tun-port 6080 --tun-nocsum",
                  .addDestination(server("192.168.1.2", 80),
                             dest(.tunneling, tunnel: TunnelSettings(type: .gue, port: 6080, checksum: .none)),
                             service: tcp("10.0.0.1", 80))),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type gre --tun-csum",
                  .addDestination(server("192.168.1.2", 80),
                             dest(.tunneling, tunnel: TunnelSettings(type: .gre, checksum: .checksum)),
                             service: tcp("10.0.0.1", 80))),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type gre",
                  .addDestination(server("192.168.1.2", 80), dest(.tunneling, tunnel: TunnelSettings(type: .gre)),
                             service: tcp("10.0.0.1", 80))),
        ParseCase("-a -t 10.0.0.1:80 -r 192.168.1.2 -i --tun-type ipip",
                  .addDestination(server("192.168.1.2", 80), dest(.tunneling), service: tcp("10.0.0.1", 80))),
        // Names for hosts and ports, looked up for the service's protocol.
        ParseCase("-a -t 10.0.0.1:80 -r localhost:http -m",
                  .addDestination(server("127.0.0.1", 80), dest(.masquerading), service: tcp("10.0.0.1", 80))),
        ParseCase("-a -t 10.0.0.1:http -r 192.168.1.2:https -m",
                  .addDestination(server("192.168.1.2", 443), dest(.masquerading), service: tcp("10.0.0.1", 80))),
        // Edit and delete.
        ParseCase("-e -t 10.0.0.1:80 -r 192.168.1.2:8080 -m -w 3",
                  .editDestination(server("192.168.1.2", 8080), dest(.masquerading, weight: 3), service: tcp("10.0.0.1", 80))),
        ParseCase("--edit-server -t 10.0.0.1:80 -r 192.168.1.2:8080 -x 9",
                  .editDestination(server("192.168.1.2", 80), dest(upper: 9), service: tcp("10.0.0.1", 80))),
        // Deleting never rewrites the port: it names the server as given (or the service's port).
        ParseCase("-d -t 10.0.0.1:80 -r 192.168.1.2", .deleteDestination(server("192.168.1.2", 80), service: tcp("10.0.0.1", 80))),
        ParseCase("-d -t 10.0.0.1:80 -r 192.168.1.2:8080",
                  .deleteDestination(server("192.168.1.2", 8080), service: tcp("10.0.0.1", 80))),
        ParseCase("-d -f 5 -r 192.168.1.2", .deleteDestination(server("192.168.1.2", 0), service: fwmark(5))),
        ParseCase("-d -t 10.0.0.1:80 -r 2001:db8::2", .deleteDestination(server("2001:db8::2", 80), service: tcp("10.0.0.1", 80))),
        ParseCase("--delete-server --tcp-service 10.0.0.1:80 --real-server 192.168.1.2",
                  .deleteDestination(server("192.168.1.2", 80), service: tcp("10.0.0.1", 80))),
    ]

    static let otherCommands: [ParseCase] = [
        // Lists.
        ParseCase("-L", .list(.table, [])),
        ParseCase("-l", .list(.table, [])),
        ParseCase("--list", .list(.table, [])),
        ParseCase("-Ln", .list(.table, .numeric)),
        ParseCase("-ln", .list(.table, .numeric)),
        ParseCase("-L -n", .list(.table, .numeric)),
        ParseCase("--list --numeric", .list(.table, .numeric)),
        ParseCase("-L -n --stats", .list(.table, [.numeric, .stats])),
        ParseCase("-L --rate", .list(.table, .rate)),
        ParseCase("-L --thresholds", .list(.table, .thresholds)),
        ParseCase("-L --persistent-conn", .list(.table, .persistentConnections)),
        ParseCase("-L --exact", .list(.table, .exact)),
        ParseCase("-L -X", .list(.table, .exact)),
        ParseCase("-L --nosort", .list(.table, .noSort)),
        ParseCase("-L --sort", .list(.table, [])),
        ParseCase("-L --sort --sort", .list(.table, [])),
        ParseCase("--list --tun-info", .list(.table, .tunnelInfo)),
        ParseCase("-L --tun-info --stats", .list(.table, [.tunnelInfo, .stats])),
        ParseCase("-L --thresholds --stats --rate", .list(.table, [.thresholds, .stats, .rate])),
        ParseCase("-L -c", .list(.connections, [])),
        ParseCase("-Lcn", .list(.connections, .numeric)),
        ParseCase("-L --connection --persistent-conn", .list(.connections, .persistentConnections)),
        ParseCase("-L -c -n --nosort --exact --tun-info", .list(.connections, [.numeric, .noSort, .exact, .tunnelInfo])),
        ParseCase("-L --timeout", .list(.timeouts, [])),
        ParseCase("-L --timeout -n", .list(.timeouts, .numeric)),
        ParseCase("-L --daemon", .list(.daemons, [])),
        ParseCase("-L --daemon -n --exact", .list(.daemons, [.numeric, .exact])),
        ParseCase("-L -t 10.0.0.1:80", .list(.service(tcp("10.0.0.1", 80)), [])),
        ParseCase("-L -t 10.0.0.1:80 --stats -n", .list(.service(tcp("10.0.0.1", 80)), [.stats, .numeric])),
        ParseCase("-L -f 5 -6", .list(.service(fwmark(5, .inet6)), [])),
        ParseCase("-Ln -u [2001:db8::1]:53", .list(.service(udp("2001:db8::1", 53)), .numeric)),
        // Save and restore.
        ParseCase("-S", .save([])),
        ParseCase("--save", .save([])),
        ParseCase("-S -n", .save(.numeric)),
        ParseCase("-Sn", .save(.numeric)),
        ParseCase("-R", .restore),
        ParseCase("--restore", .restore),
        // Timeouts: three operands, wherever they stand, `--` included.
        ParseCase("--set 900 120 300", .setTimeouts(Timeouts(tcp: 900, tcpFin: 120, udp: 300))),
        ParseCase("--set 0 0 0", .setTimeouts(Timeouts(tcp: 0, tcpFin: 0, udp: 0))),
        ParseCase("--set 2678400 1 2678400", .setTimeouts(Timeouts(tcp: 2_678_400, tcpFin: 1, udp: 2_678_400))),
        ParseCase("1 --set 2 3", .setTimeouts(Timeouts(tcp: 1, tcpFin: 2, udp: 3))),
        ParseCase("--set -- 1 2 3", .setTimeouts(Timeouts(tcp: 1, tcpFin: 2, udp: 3))),
        ParseCase("--set 10 20 30 --", .setTimeouts(Timeouts(tcp: 10, tcpFin: 20, udp: 30))),
        // Sync daemons: the interface defaults to eth0 when starting only.
        ParseCase("--start-daemon master", .startDaemon(SyncDaemon(role: .master, interface: "eth0"))),
        ParseCase("--start-daemon=master", .startDaemon(SyncDaemon(role: .master, interface: "eth0"))),
        ParseCase(
            "--start-daemon=backup --mcast-interface eth1 --syncid 5 --sync-maxlen 1400 --mcast-group 224.0.0.82 --mcast-port 8849 --mcast-ttl 2",
            .startDaemon(SyncDaemon(role: .backup, interface: "eth1", syncID: 5, maximumLength: 1400,
                                    group: ip("224.0.0.82"), port: 8849, ttl: 2))),
        ParseCase("--start-daemon master --mcast-group ff02::1",
                  .startDaemon(SyncDaemon(role: .master, interface: "eth0", group: ip("ff02::1")))),
        ParseCase("--start-daemon master --mcast-interface abcdefghijklmnopqrs",
                  .startDaemon(SyncDaemon(role: .master, interface: "abcdefghijklmno"))),
        ParseCase("--start-daemon master --syncid 0 --sync-maxlen 65507 --mcast-port 65535 --mcast-ttl 255",
                  .startDaemon(SyncDaemon(role: .master, interface: "eth0", syncID: 0, maximumLength: 65507,
                                          port: 65535, ttl: 255))),
        ParseCase("--start-daemon master --syncid 5 --mcast-interface=eth2",
                  .startDaemon(SyncDaemon(role: .master, interface: "eth2", syncID: 5))),
        ParseCase("--stop-daemon master", .stopDaemon(SyncDaemon(role: .master, interface: ""))),
        ParseCase("--stop-daemon backup --syncid 3", .stopDaemon(SyncDaemon(role: .backup, interface: "", syncID: 3))),
        // Help and version, whatever follows.
        ParseCase("-h", .help),
        ParseCase("--help", .help),
        ParseCase("-h --bogus", .help),
        ParseCase("-hv", .help),
        ParseCase("-v", .version),
        ParseCase("--version", .version),
        ParseCase("-v -A", .version),
    ]

    @Test(arguments: serviceCommands)
    func virtualServiceCommands(_ testCase: ParseCase) {
        #expect(parse(testCase.argv) == testCase.expected)
    }

    @Test(arguments: serverCommands)
    func realServerCommands(_ testCase: ParseCase) {
        #expect(parse(testCase.argv) == testCase.expected)
    }

    @Test(arguments: otherCommands)
    func listTimeoutDaemonAndHelpCommands(_ testCase: ParseCase) {
        #expect(parse(testCase.argv) == testCase.expected)
    }

    /// The deliberate difference from ipvsadm 1.31: what -M and -r mean does not depend
    /// on whether they come before the service option (ipvsadm reads them against the
    /// service described so far, which is nothing yet).
    @Test(arguments: [
        ("-A -M 64 -t [2001:db8::1]:80 -p", "-A -t [2001:db8::1]:80 -p -M 64"),
        ("-A -f 5 -M 64 -6 -p", "-A -f 5 -6 -p -M 64"),
        ("-a -r 10.0.0.2 -t 10.0.0.1:80 -m", "-a -t 10.0.0.1:80 -r 10.0.0.2 -m"),
        ("-a -r 10.0.0.2:http -t 10.0.0.1:80 -m", "-a -t 10.0.0.1:80 -r 10.0.0.2:80 -m"),
        ("-d -r 10.0.0.2 -t 10.0.0.1:80", "-d -t 10.0.0.1:80 -r 10.0.0.2"),
        ("-a -r 2001:db8::2 -t [2001:db8::1]:80 -m", "-a -t [2001:db8::1]:80 -r 2001:db8::2 -m"),
    ])
    func optionOrderDoesNotMatter(_ reordered: String, _ canonical: String) throws {
        let expected = parse(words(canonical))
        #expect(try expected.get() != .help)  // the canonical form is a real command
        #expect(parse(words(reordered)) == expected)
    }

    @Test func ipv6NetmaskGivenBeforeTheServiceIsAPrefixLength() {
        #expect(parse(words("-A -M 64 -t [2001:db8::1]:80 -p"))
                == .success(.request(.addService(tcp("2001:db8::1", 80), persistent(netmask: .v6(prefixLength: 64))))))
        #expect(parse(words("-a -r 10.0.0.2 -t 10.0.0.1:80 -m"))
                == .success(.request(.addDestination(server("10.0.0.2", 80), dest(.masquerading), service: tcp("10.0.0.1", 80)))))
    }
}
