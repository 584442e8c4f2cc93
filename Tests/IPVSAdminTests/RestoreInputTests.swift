import Glibc
import Foundation
import Testing
import TestSupport

@testable import IPVSAdmin

/// How -R splits standard input into command lines (ipvsadm's config_stream_read).
@Suite("RestoreInput")
struct RestoreInputTests {
    static func lines(_ text: String) -> [[String]] {
        RestoreInput.lines(Array(text.utf8))
    }

    @Test func oneCommandLinePerLine() {
        #expect(Self.lines("-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.0.2\n") == [
            ["-A", "-t", "10.0.0.1:80", "-s", "rr"], ["-a", "-t", "10.0.0.1:80", "-r", "10.0.0.2"],
        ])
    }

    @Test func spacesTabsAndCarriageReturnsSeparateWords() {
        #expect(Self.lines("  -A\t-t \t 10.0.0.1:80\r\n") == [["-A", "-t", "10.0.0.1:80"]])
        #expect(Self.lines("-A\r-t\r10.0.0.1:80\r\r\n-C\r\n") == [["-A", "-t", "10.0.0.1:80"], ["-C"]])
    }

    @Test func blankLinesAreSkipped() {
        #expect(Self.lines("\n\n-C\n \t\r\n\n-Z\n\n") == [["-C"], ["-Z"]])
        #expect(Self.lines("") == [])
        #expect(Self.lines("\n") == [])
        #expect(Self.lines(" \t \r ") == [])
    }

    @Test func theWordIpvsadmIsDroppedWherever() {
        #expect(Self.lines("ipvsadm -A -t 10.0.0.1:80\n") == [["-A", "-t", "10.0.0.1:80"]])
        #expect(Self.lines("-A ipvsadm -t 10.0.0.1:80 ipvsadm\n") == [["-A", "-t", "10.0.0.1:80"]])
        // A line of nothing else is blank; other words that contain it are kept.
        #expect(Self.lines("ipvsadm\nipvsadm ipvsadm\n-C\n") == [["-C"]])
        #expect(Self.lines("/sbin/ipvsadm -C ipvsadm2 IPVSADM\n") == [["/sbin/ipvsadm", "-C", "ipvsadm2", "IPVSADM"]])
    }

    @Test func theLastLineNeedsNoNewline() {
        #expect(Self.lines("-C\n-Z") == [["-C"], ["-Z"]])
        #expect(Self.lines("-Z -t 10.0.0.1:80") == [["-Z", "-t", "10.0.0.1:80"]])
        #expect(Self.lines("-C\n-Z ") == [["-C"], ["-Z"]])
    }

    @Test func commentsAreNotRecognised() {
        // ipvsadm's reader means to skip "#" comments but never does: they are words.
        #expect(Self.lines("# comment\n-C # too\n") == [["#", "comment"], ["-C", "#", "too"]])
    }

    @Test func otherBytesAreKeptAsTheyAre() {
        #expect(Self.lines("-s\u{0B}rr\u{0C}x\n") == [["-s\u{0B}rr\u{0C}x"]])
        #expect(Self.lines("--pe=ü\n") == [["--pe=ü"]])
    }

    /// ipvsadm reads the line's words with fscanf and, meeting the end of input while
    /// skipping the blanks after a word's one delimiter, drops the whole line: a last line
    /// with no newline that ends in two or more blanks is not run.
    @Test func aLastLineEndingInSeveralBlanksWithoutNewlineIsDropped() {
        #expect(Self.lines("-C\n-A -t 10.0.0.2:80 \t") == [["-C"]])
        #expect(Self.lines("-C\n-Z\r\r") == [["-C"]])
        // One blank after the last word is consumed with it: the line is kept.
        #expect(Self.lines("-C\n-Z\r") == [["-C"], ["-Z"]])
    }

    // MARK: The canonical-line shortcut

    /// What the shortcut makes of a one-line input, and what the general parser makes of it.
    static func bothReadings(_ line: String) -> (shortcut: AdminCommand?, general: AdminCommand?) {
        var input = RestoreInput(Array(line.utf8))
        guard input.nextLine() else { return (nil, nil) }
        return (input.canonicalCommand(), try? CommandLineParser.parse(input.strings))
    }

    /// Lines as `-S -n` writes them: the shortcut takes each, and means what the parser means.
    @Test(arguments: [
        "-A -t 10.0.0.1:80 -s wlc",
        "-A -u 192.168.255.254:65535 -s rr",
        "-A --sctp-service 0.0.0.0:1 -s mh",
        "-A -t 10.0.0.1:80 -s a_very_long_nam",
        "-a -t 10.0.0.1:80 -r 172.16.0.1:8080 -m -w 1",
        "-a -t 10.0.0.1:80 -r 172.16.0.1:8080 -g -w 0",
        "-a -u 10.0.0.1:53 -r 172.16.0.1:5353 -i -w 2147483647",
        "-a --sctp-service 10.0.0.1:80 -r 172.16.0.1:0 -m -w 100",
        "ipvsadm -a -t 10.0.0.1:80 -r 172.16.0.1:80 -g -w 1",
        "  -a\t-t 10.0.0.1:80  -r 172.16.0.1:80\r-m -w 3 ",
    ])
    func canonicalLinesTakeTheShortcut(_ line: String) {
        let (shortcut, general) = Self.bothReadings(line)
        #expect(shortcut != nil)
        #expect(shortcut == general)
    }

    /// Anything else is left to the general parser (its errors and its readings of
    /// names, octal parts and options included).
    @Test(arguments: [
        "-A -t 10.0.0.1:0 -s wlc",  // zero port: an error
        "-A -t 10.0.0.1:080 -s wlc",
        "-A -t 010.0.0.1:80 -s wlc",  // octal to inet_aton
        "-A -t 10.1:80 -s wlc",
        "-A -t localhost:http -s wlc",
        "-A -t [::1]:80 -s wlc",
        "-A -t 10.0.0.1:80 -s a_very_long_name",  // truncated to 15 bytes
        "-A -t 10.0.0.1:80 -s -p",
        "-A -t 10.0.0.1:80 -s wlc -p",
        "-A -t 10.0.0.1:80 --scheduler wlc",
        "-A -t 10.0.0.1:65536 -s wlc",
        "-A -t 10.0.0.256:80 -s wlc",
        "-E -t 10.0.0.1:80 -s wlc",
        "-a -t 10.0.0.1:80 -r 172.16.0.1 -m -w 1",  // port from the service
        "-a -t 10.0.0.1:80 -r 172.16.0.1:80 -m -w 2147483648",
        "-a -t 10.0.0.1:80 -r 172.16.0.1:80 -m -w 01",
        "-a -t 10.0.0.1:80 -r 172.16.0.1:80 -w 1 -m",
        "-a -t 10.0.0.1:80 -r 172.16.0.1:80 -m -x 1",
        "-a -f 1 -r 172.16.0.1:80 -m -w 1",
        "-a -t 10.0.0.1:80 -r [2001:db8::1]:80 -i -w 1",
        "-e -t 10.0.0.1:80 -r 172.16.0.1:80 -m -w 1",
    ])
    func otherLinesGoToTheGeneralParser(_ line: String) {
        #expect(Self.bothReadings(line).shortcut == nil)
    }

    /// Thousands of near-canonical lines: wherever the shortcut answers, the general
    /// parser gives the same command.
    @Test func theShortcutNeverDisagreesWithTheParser() {
        let commands = ["-A", "-a", "-E", "-e"]
        let protocols = ["-t", "-u", "--sctp-service", "-f"]
        let endpoints = ["10.0.0.1:80", "10.0.0.1:0", "0.0.0.0:1", "255.255.255.255:65535", "1.2.3.4:00", "1.2.3:4", "01.2.3.4:5"]
        let tails = [
            "-s wlc", "-s rr -p", "-s", "-r 172.16.0.1:8080 -m -w 1", "-r 172.16.0.1:8080 -g -w 5",
            "-r 172.16.0.1:8080 -i -w 0", "-r 172.16.0.1:0 -m -w 4294967295", "-r 9.9.9.9:1 -m -x 1",
        ]
        var taken = 0
        for command in commands {
            for proto in protocols {
                for endpoint in endpoints {
                    for tail in tails {
                        let (shortcut, general) = Self.bothReadings("\(command) \(proto) \(endpoint) \(tail)")
                        guard let shortcut else { continue }
                        taken += 1
                        #expect(shortcut == general, "\(command) \(proto) \(endpoint) \(tail)")
                    }
                }
            }
        }
        #expect(taken > 20)
    }
}

/// The reader of `-R` input, on its own thread or, where none can be had, on the caller's;
/// given all of its input at once, or reading it from a descriptor block by block.
@Suite("RestoreParser")
struct RestoreParserTests {
    /// Far more lines than the threaded reader reads ahead (64 chunks of 256).
    static let input: [UInt8] = {
        var text = ""
        for index in 0..<20_000 { text += index % 1_000 == 999 ? "-A -t nonsense\n" : "-D -t 10.0.0.1:80\n" }
        return Array(text.utf8)
    }()

    static func allLines(_ source: RestoreSource, threaded: Bool = true) -> [ParsedLine] {
        var lines = RestoreParser(source).start(threaded: threaded)
        var all: [ParsedLine] = []
        while let line = lines.next() { all.append(line) }
        return all
    }

    /// Blocks end inside lines, one line is longer than a block, and the input ends
    /// without a newline, in both of the ways ipvsadm treats that.
    @Test(arguments: ["-C  \t", "-Z -t 10.0.0.1:80 "])
    func readingFromADescriptorGivesWhatTheBytesGive(lastLine: String) throws {
        var text = ""
        for index in 0..<5_000 { text += "-a -t 10.0.0.\(index % 250):80 -r 10.1.0.1:\(index) -m -w \(index % 7)\n" }
        text += "-A -t 10.0.0.1:80 -s rr " + String(repeating: "x", count: 100_000) + "\n"
        text += "ipvsadm -D -t 10.0.0.1:80\n" + lastLine
        let streamed = try withTemporaryFile(holding: text) { path in
            let descriptor = open(path, O_RDONLY)
            try #require(descriptor >= 0)
            defer { close(descriptor) }
            return Self.allLines(.descriptor(descriptor))
        }
        let given = Self.allLines(.bytes(Array(text.utf8)))
        #expect(streamed.count == (lastLine.hasSuffix("  \t") ? 5_002 : 5_003))
        #expect(streamed.map { "\($0)" } == given.map { "\($0)" })
    }

    @Test(arguments: [true, false])
    func everyLineComesOutInOrder(threaded: Bool) {
        var lines = RestoreParser(.bytes(Self.input)).start(threaded: threaded)
        var count = 0
        var refusedAt: [Int] = []
        while let line = lines.next() {
            if case .refused = line { refusedAt.append(count) }
            count += 1
        }
        #expect(count == 20_000)
        #expect(refusedAt == Array(stride(from: 999, to: 20_000, by: 1_000)))
    }

    /// A restore that stops early (a usage error) drops its lines: the reading thread,
    /// waiting for room with its read-ahead full (3,000 lines, more than its 8 chunks of
    /// 256), or waiting in a read for input that may never come (a terminal, a pipe kept
    /// open), is let go and joined, and the drop returns.
    @Test(.timeLimit(.minutes(1)), arguments: [(3_000, false), (300, true)])
    func droppingTheLinesEndsTheReader(lineCount: Int, writerStaysOpen: Bool) throws {
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        // Both inputs fit in a pipe's buffer, so the writes do not wait for the reader.
        let text = Array(String(repeating: "-D -t 10.0.0.1:80\n", count: lineCount).utf8)
        let written = text.withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) }
        try #require(written == text.count)
        if !writerStaysOpen { close(ends[1]) }
        defer { if writerStaysOpen { close(ends[1]) } }
        var taken = 0
        do {
            var lines = RestoreParser(.descriptor(ends[0])).start()
            while taken < 10, lines.next() != nil { taken += 1 }
            usleep(100_000)  // time to fill the read-ahead, or to read all and wait for more
        }
        #expect(taken == 10)
    }
}
